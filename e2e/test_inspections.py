"""Browser test of an inspection on a phone-sized screen (390×844): the county draws an enterprise and
makes its inspection; the drawn county's inspector opens it, marks one checklist item failed (the
choice survives a reload: the draft is kept on the device), adds a photo to it, and completes it; the
failed item is a hazard on the enterprise's list citing the criterion, with the photo. Completing is
refused while an item has no outcome (the open items are marked), and asks once with the counts when
every item is answered or marked 未检查 with its reason. Completing it without a connection waits and
sends the completion once the connection is back. The printed record lists every item.
"""
import base64
import datetime
import os
import tempfile

from helpers import BASE, login, shot
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from test_hazards import api, token


def tap(browser, element):
    """Clicks as a thumb would: the element scrolled to the middle of the screen, clear of the bottom menu."""
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def test_an_inspector_completes_an_inspection_on_a_phone(browser):
    county = "141102"
    officer = token("county-" + county)
    draw = api("POST", "/draws", officer, {"title": "浏览器测试：离石区检查", "size": 1, "overlapReason": "浏览器测试：专项检查"})
    api("POST", "/draws/%s/reveal" % draw["id"], officer)
    today = datetime.date.today().isoformat()
    inspection = api("POST", "/draws/%s/inspections" % draw["id"], officer, {"plannedOn": today})[0]

    browser.set_window_size(390, 844)
    login(browser, "inspector-" + county)
    browser.get(BASE + "/enforcement/inspections/" + inspection["id"])
    first = browser.find_element(By.CSS_SELECTOR, "ol.checklist li.check-item")
    code = first.get_attribute("data-item")
    tap(browser, first.find_element(By.CSS_SELECTOR, "input[value=fail]"))
    first.find_element(By.CSS_SELECTOR, "input[type=text]").send_keys("浏览器测试：现场发现")
    assert "failed" in first.get_attribute("class")
    # A photo of the failed item: the upload shows once the item is marked failed, and it is sent
    # without leaving the page: the unsaved choice and the place on the page stay.
    upload = first.find_element(By.CSS_SELECTOR, ".photo-upload")
    assert upload.is_displayed()
    png = os.path.join(tempfile.mkdtemp(), "site.png")
    with open(png, "wb") as f:
        f.write(base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="))
    upload.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(png)
    button = upload.find_element(By.TAG_NAME, "button")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    browser.execute_script("window.__notReloaded = true;")
    place = browser.execute_script("return window.scrollY;")
    tap(browser, button)
    WebDriverWait(browser, 10).until(lambda d: len(first.find_elements(By.CSS_SELECTOR, ".thumbs img")) == 1)
    assert "照片已上传" in first.find_element(By.CSS_SELECTOR, ".photo-status").text
    assert browser.execute_script("return window.__notReloaded === true;"), "the page was not reloaded"
    assert abs(browser.execute_script("return window.scrollY;") - place) < 80, "the page stays where it was"
    assert first.find_element(By.CSS_SELECTOR, "input[value=fail]").is_selected()
    assert first.find_element(By.CSS_SELECTOR, "input[type=text]").get_attribute("value") == "浏览器测试：现场发现"
    # The choice is kept on the device: a reload (or a lost connection) brings it back.
    browser.refresh()
    first = browser.find_element(By.CSS_SELECTOR, "ol.checklist li.check-item")
    assert first.find_element(By.CSS_SELECTOR, "input[value=fail]").is_selected()
    assert browser.find_element(By.CSS_SELECTOR, ".draft-note").is_displayed()
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390, "the field page fits a phone's width (%d px)" % width
    shot(browser, "inspection-phone")

    # Completing with items still open is refused on the device, and the open items are marked.
    items = browser.find_elements(By.CSS_SELECTOR, "ol.checklist li.check-item")
    total = len(items)
    tally = browser.find_element(By.CSS_SELECTOR, "[data-tally]")
    assert "已填 1 项" in tally.text and "未填 %d 项" % (total - 1) in tally.text, tally.text
    tap(browser, browser.find_element(By.CSS_SELECTOR, "button[value=complete]"))
    alert = WebDriverWait(browser, 5).until(EC.alert_is_present())
    assert "还有 %d 项未作答" % (total - 1) in alert.text, alert.text
    alert.accept()
    assert "done=" not in browser.current_url
    assert len(browser.find_elements(By.CSS_SELECTOR, "li.check-item.unanswered")) == total - 1

    # The server refuses too, whatever the device does: the answers are saved, the open items named.
    browser.execute_script("var f = document.querySelector('form.inspection-form'); var b = document.createElement('input');"
                           "b.type = 'hidden'; b.name = 'action'; b.value = 'complete'; f.appendChild(b); f.submit();")
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".flash.error")))
    assert "还有 %d 项未作答" % (total - 1) in browser.find_element(By.CSS_SELECTOR, ".flash.error").text
    assert len(browser.find_elements(By.CSS_SELECTOR, "li.check-item.unanswered")) == total - 1

    # Every other item passes but the last, which is 未检查 with its reason; the tally follows.
    items = browser.find_elements(By.CSS_SELECTOR, "ol.checklist li.check-item")
    for item in items[1:-1]:
        radio = item.find_element(By.CSS_SELECTOR, "input[value=pass]")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", radio)
        tap(browser, radio)
    last = items[-1]
    radio = last.find_element(By.CSS_SELECTOR, "input[value=notChecked]")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", radio)
    tap(browser, radio)
    last.find_element(By.CSS_SELECTOR, "input[type=text]").send_keys("设备检修停机，未能查看")
    tally = browser.find_element(By.CSS_SELECTOR, "[data-tally]")
    assert "已填 %d 项" % total in tally.text and "未检查 1" in tally.text and "未填 0 项" in tally.text, tally.text

    # Completing without a connection: it asks once with the counts; nothing is lost, the page says it
    # waits, and the completion is sent by itself once the connection is back.
    browser.set_network_conditions(offline=True, latency=0, download_throughput=1024 * 1024, upload_throughput=1024 * 1024)
    tap(browser, browser.find_element(By.CSS_SELECTOR, "button[value=complete]"))
    alert = WebDriverWait(browser, 5).until(EC.alert_is_present())
    assert ("检查表共 %d 项" % total) in alert.text and "不符合 1" in alert.text and "未检查 1" in alert.text, alert.text
    alert.accept()
    WebDriverWait(browser, 5).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".offline-note")))
    assert "/enforcement/inspections/" in browser.current_url and "done=" not in browser.current_url
    browser.set_network_conditions(offline=False, latency=0, download_throughput=1024 * 1024, upload_throughput=1024 * 1024)
    WebDriverWait(browser, 10).until(EC.url_contains("done=completed"))
    assert "检查已完成" in browser.find_element(By.CSS_SELECTOR, ".flash").text
    # The printed record: every item with its outcome, a print button and a way back.
    tap(browser, browser.find_element(By.LINK_TEXT, "打印检查记录"))
    rows = browser.find_elements(By.CSS_SELECTOR, "table.record-items tbody tr")
    assert len(rows) == total, "every item is on the record (%d of %d)" % (len(rows), total)
    assert "未检查" in rows[-1].text and "设备检修停机" in rows[-1].text
    assert "不符合" in rows[0].text
    assert browser.find_element(By.CSS_SELECTOR, "button[data-print]").is_displayed()
    shot(browser, "inspection-record")
    tap(browser, browser.find_element(By.LINK_TEXT, "返回检查"))
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "form.inspection-form")))
    tap(browser, browser.find_element(By.LINK_TEXT, "已转为隐患"))
    WebDriverWait(browser, 10).until(EC.text_to_be_present_in_element((By.TAG_NAME, "main"), code))
    assert len(browser.find_elements(By.CSS_SELECTOR, "ul.photos img")) == 1, "the item's photo went with its hazard"
    shot(browser, "inspection-hazard")

    # One hazard from the one failed item, citing its criterion (the draw may have picked an enterprise the
    # demo's own inspections already found hazards at, so the inspection's results say which is ours).
    made = [r["hazardId"] for r in api("GET", "/inspections/" + inspection["id"], officer)["results"] if r.get("hazardId")]
    assert len(made) == 1, made
    hazards = api("GET", "/hazards?enterprise=%s&per=200" % inspection["enterpriseId"], officer)["items"]
    mine = [h for h in hazards if h["id"] == made[0]]
    assert len(mine) == 1 and code in mine[0]["criteria"] and mine[0]["source"] == "inspection", mine
    assert len([h for h in hazards if "浏览器测试：现场发现" in (h.get("description") or "")]) == 1, "no second hazard from the same finding"
