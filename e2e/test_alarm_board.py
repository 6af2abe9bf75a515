"""Browser test of the alarm board's order: fifty level-2 alarms are raised at one enterprise, then one
level-1 alarm; on the county's board (filtered to that enterprise, first page live) the level-1 alarm is
first within a second, without a reload. Acknowledging an alarm that is not on the first page changes
nothing there and not the total; acknowledging one on the first page moves it behind the unacknowledged
ones (off a full first page), and the total stays.

The points are the test's own, with an hour's interval, so none goes offline while it runs.
"""
import datetime
import json
import time
import urllib.request
import uuid

from helpers import BASE, login, make_browser, shot
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from test_hazards import api, token


def send(key, readings):
    req = urllib.request.Request(BASE + "/api/v1/telemetry", method="POST", data=json.dumps({"readings": readings}).encode(),
                                 headers={"Content-Type": "application/json", "Authorization": "Bearer " + key})
    with urllib.request.urlopen(req) as res:
        out = json.load(res)
    assert out.get("accepted") == len(readings), out
    return out


def now():
    return datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).isoformat(timespec="milliseconds")


def rows(browser):
    return browser.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('tr[data-id]'), function (r) {"
        " return {id: r.getAttribute('data-id'), level: r.getAttribute('data-level'), text: r.textContent}; });")


def total(browser):
    return browser.find_element(By.CSS_SELECTOR, "[data-total]").text


def test_a_level_1_alarm_comes_first_and_a_change_off_the_page_keeps_the_total():
    county = "141181"
    officer_token = token("county-" + county)
    # An enterprise without points of its own (the demo's simulated gateways drive none of it), and not
    # the first (the live-monitoring test's).
    listed = api("GET", "/enterprises?county=%s&per=50&sort=name" % county, officer_token)["items"][1:]
    enterprise = next(e for e in listed
                      if api("GET", "/monitoring-points?enterprise=%s&per=1" % e["id"], officer_token)["total"] == 0)
    company = token("ent-" + enterprise["creditCode"].lower())
    tag = uuid.uuid4().hex[:4].upper()
    codes = ["BRD-%s-%02d" % (tag, n) for n in range(51)]
    for code in codes:
        api("POST", "/monitoring-points", company, {
            "code": code, "name": "看板测试温度" + code[-2:], "indicator": "DUST-DRY-HOPPER-TEMP", "unit": "°C", "interval": 3600,
            "limits": {"high": 60, "highHigh": 75}})
    key = api("POST", "/api-keys", token("admin"), {"name": "看板测试网关", "enterpriseCreditCode": enterprise["creditCode"]})["key"]
    board_url = BASE + "/monitoring/alarms?enterprise=" + enterprise["id"]
    before = api("GET", "/alarms?enterprise=%s&per=1" % enterprise["id"], officer_token)["total"]

    browser = make_browser()
    try:
        login(browser, "county-" + county)
        browser.get(board_url)
        WebDriverWait(browser, 10).until(lambda d: "on" in d.find_element(By.CSS_SELECTOR, ".live-status").get_attribute("class"))
        browser.execute_script("window.__notReloaded = true;")

        # Fifty level-2 alarms (above the high limit, below high-high).
        send(key, [{"point": code, "ts": now(), "value": 65} for code in codes[:50]])
        WebDriverWait(browser, 10).until(lambda d: ("共 %d 条报警" % (before + 50)) in total(d))
        first_page = rows(browser)
        assert len(first_page) == 20, len(first_page)

        # Then one level-1 alarm: first on the first page within a second.
        time.sleep(0.5)
        started = time.monotonic()
        send(key, [{"point": codes[50], "ts": now(), "value": 80}])
        WebDriverWait(browser, 5, poll_frequency=0.05).until(
            lambda d: (rows(d) or [{}])[0].get("level") == "1" and codes[50] in rows(d)[0]["text"])
        took = time.monotonic() - started
        assert took < 1.0, "the level-1 alarm took %.2f s to come first" % took
        top = rows(browser)[0]
        assert "一级报警" in top["text"] and "未确认" in top["text"] and "新" in top["text"], top["text"]
        assert len(rows(browser)) == 20, "the first page keeps its length"
        WebDriverWait(browser, 5).until(lambda d: ("共 %d 条报警" % (before + 51)) in total(d))
        shot(browser, "alarm-board-order")

        # The same order from the API, and one alarm that is not on the first page.
        listed = api("GET", "/alarms?enterprise=%s&sort=urgency&per=20&page=2" % enterprise["id"], officer_token)["items"]
        on_page = {r["id"] for r in rows(browser)}
        off = next(a for a in listed if a["id"] not in on_page and a["state"] == "active")
        api("POST", "/alarms/%s/transitions" % off["id"], company, {"action": "acknowledge", "comment": "看板测试"})
        # And one on the first page (not the level-1 one): it moves behind the unacknowledged ones.
        mine = rows(browser)[5]["id"]
        api("POST", "/alarms/%s/transitions" % mine, company, {"action": "acknowledge", "comment": "看板测试"})
        WebDriverWait(browser, 5).until(lambda d: mine not in {r["id"] for r in rows(d)})
        time.sleep(0.5)
        assert ("共 %d 条报警" % (before + 51)) in total(browser), total(browser)
        assert off["id"] not in {r["id"] for r in rows(browser)}, "an alarm off the first page stays off it"
        assert len(rows(browser)) <= 20
        assert rows(browser)[0]["level"] == "1"
        assert browser.execute_script("return window.__notReloaded === true;"), "the board was reloaded"

        # Drawn afresh, the board has the same order: unacknowledged first, level 1 first among them.
        browser.get(board_url)
        fresh = rows(browser)
        assert fresh[0]["level"] == "1" and all("未确认" in r["text"] for r in fresh), [r["text"][:40] for r in fresh]
        assert ("共 %d 条报警" % (before + 51)) in total(browser)
    finally:
        browser.quit()
        # Clear the test's alarms out of other tests' way: back to normal, out of service.
        send(key, [{"point": code, "ts": now(), "value": 20} for code in codes])
