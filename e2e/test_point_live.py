"""Browser test of a monitoring point's page on a phone (390×844): with two readings the chart draws,
its text stays readable (the phone drawing, not the desktop one shrunk), nothing scrolls sideways, and a
reading sent by the gateway while the page is open shows in 实时数据 without a reload."""
import datetime
import uuid

from helpers import BASE, login, make_browser, shot
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from test_hazards import api, token
from test_phone import SIDEWAYS

BEIJING = datetime.timezone(datetime.timedelta(hours=8))


def stamp(seconds_ago):
    t = datetime.datetime.now(BEIJING) - datetime.timedelta(seconds=seconds_ago)
    return t.isoformat(timespec="seconds")


def test_the_point_page_draws_two_readings_reads_on_a_phone_and_follows_new_readings():
    county = "141182"
    enterprise = api("GET", "/enterprises?county=%s&per=1&sort=name" % county, token("county-" + county))["items"][0]
    company = "ent-" + enterprise["creditCode"].lower()
    code = "LIVE-" + uuid.uuid4().hex[:6].upper()
    point = api("POST", "/monitoring-points", token(company), {
        "code": code, "name": "实时页测试液位", "indicator": "DUST-WET-TANK-LEVEL", "unit": "m", "interval": 5, "limits": {"low": 0.5}})
    key = api("POST", "/api-keys", token("admin"), {"name": "实时页测试网关", "enterpriseCreditCode": enterprise["creditCode"]})["key"]
    api("POST", "/telemetry", key, {"readings": [{"point": code, "ts": stamp(120), "value": 1.2}, {"point": code, "ts": stamp(60), "value": 1.3}]})

    browser = make_browser()
    try:
        browser.set_window_size(390, 844)
        login(browser, "county-" + county)
        browser.get(BASE + "/monitoring/points/" + point["id"])
        latest = browser.find_element(By.CSS_SELECTOR, "[data-latest]")
        assert latest.text == "1.3"
        narrow = browser.find_element(By.CSS_SELECTOR, "svg.trend-narrow")
        assert narrow.is_displayed() and not browser.find_element(By.CSS_SELECTOR, "svg.trend-wide").is_displayed()
        assert narrow.find_elements(By.CSS_SELECTOR, "polyline, circle"), "two readings draw a line or dots"
        # Text in the phone drawing is drawn at least 11 px tall on the screen.
        smallest = browser.execute_script(
            "return Math.min.apply(null, Array.prototype.map.call(arguments[0].querySelectorAll('text'),"
            " function (t) { return t.getBoundingClientRect().height; }));", narrow)
        assert smallest >= 11, "chart text is %.1f px tall" % smallest
        assert browser.execute_script(SIDEWAYS) == []
        browser.execute_script("window.__notReloaded = true;")
        shot(browser, "point-phone")

        # The gateway sends a reading; the page shows it by itself within the stream's period.
        api("POST", "/telemetry", key, {"readings": [{"point": code, "ts": stamp(0), "value": 0.3}]})
        WebDriverWait(browser, 20).until(lambda d: d.execute_script(
            "var l = document.querySelector('[data-latest]'); return l && l.textContent === '0.3';"))
        assert browser.execute_script("return window.__notReloaded === true;"), "the page was reloaded"
        # Below the low limit: the alarm it raised is listed in the same section, also without a reload.
        WebDriverWait(browser, 20).until(lambda d: "低限" in d.find_element(By.CSS_SELECTOR, "[data-point-stream]").text)
        browser.execute_script("document.querySelector('[data-point-stream]').scrollIntoView();")
        shot(browser, "point-phone-live")
    finally:
        browser.quit()
