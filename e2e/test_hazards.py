"""Browser test of the hazard loop: an enterprise user plans and submits a rectification with a photo
through the real pages; the county officer accepts it, and the county's open-major count drops by one.

The hazard is reported, judged and acknowledged through the API first, so the test does not depend on
which demo hazards happen to be in which state.
"""
import json
import os
import struct
import tempfile
import urllib.request
import zlib

from helpers import BASE, PASSWORD, login, shot, submit_and_wait
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


def api(method, path, token=None, body=None):
    req = urllib.request.Request(BASE + "/api/v1" + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json", **({"Authorization": "Bearer " + token} if token else {})})
    with urllib.request.urlopen(req) as res:
        return json.load(res)


def token(username):
    return api("POST", "/session", body={"username": username, "password": PASSWORD})["token"]


def tiny_png():
    """A real 2×2 PNG, so the browser can show it."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xc6\x28\x28" * 2 for _ in range(2))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    f = tempfile.NamedTemporaryFile(suffix=".png", delete=False)
    f.write(png)
    f.close()
    return f.name


def open_major_count(browser):
    browser.get(BASE + "/overview")
    card = browser.find_element(By.XPATH, "//a[contains(@class,'card')][.//span[@class='label' and text()='未销号重大隐患']]")
    return int(card.find_element(By.CSS_SELECTOR, ".figure").text)


def test_enterprise_rectifies_with_a_photo_and_the_county_accepts(browser):
    county = "141181"
    inspector = token("inspector-" + county)
    enterprise = api("GET", "/enterprises?county=%s&per=1&sort=name" % county, token("county-" + county))["items"][0]
    hazard = api("POST", "/hazards", inspector, {
        "enterpriseId": enterprise["id"], "title": "浏览器测试：吊运跨下设有休息室", "location": "炼钢车间",
        "source": "inspection", "level": "major", "criteria": ["MHC-4-01"], "focusTags": ["moltenMetal"]})
    hid = hazard["id"]
    api("POST", "/hazards/%s/transitions" % hid, inspector, {"action": "judge", "level": "major", "criteria": ["MHC-4-01"]})
    company = "ent-" + enterprise["creditCode"].lower()
    api("POST", "/hazards/%s/transitions" % hid, token(company), {"action": "acknowledge", "principal": "孙一", "controller": "孙二"})

    # The county officer's dashboard before.
    login(browser, "county-" + county)
    before = open_major_count(browser)
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/logout'] button"))

    # The enterprise plans: the five in place, through the page.
    login(browser, company)
    browser.get(BASE + "/hazards/" + hid)
    assert "重大隐患" in browser.page_source and "已签收" in browser.page_source
    # The only step open to the enterprise now, so its form is already unfolded.
    browser.find_element(By.ID, "f-plan-responsible").send_keys("孙一")
    browser.find_element(By.ID, "f-plan-measures").send_keys("休息室迁出吊运跨")
    browser.find_element(By.ID, "f-plan-funds").send_keys("120000")
    browser.execute_script("document.getElementById('f-plan-deadline').value = '2099-06-30'")
    browser.find_element(By.ID, "f-plan-contingencyPlan").send_keys("吊运作业应急预案")
    browser.find_element(By.ID, "f-plan-interimSafeguards").send_keys("吊运期间清空休息室")
    shot(browser, "hazard-plan")
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#step-plan button[type=submit]"))
    WebDriverWait(browser, 10).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash.ok"), "制定整改方案"))
    assert "整改中" in browser.page_source

    # It submits the rectification with a photo.
    browser.find_element(By.CSS_SELECTOR, "#step-submit summary").click()
    browser.find_element(By.ID, "f-submit-evidence").send_keys("休息室已迁出，见照片")
    browser.find_element(By.ID, "f-submit-photos").send_keys(tiny_png())
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#step-submit button[type=submit]"))
    WebDriverWait(browser, 10).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash.ok"), "提交整改"))
    assert "待验收" in browser.page_source
    assert browser.find_elements(By.CSS_SELECTOR, ".photos img"), "the photo is shown"
    shot(browser, "hazard-submitted")
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/logout'] button"))

    # The county officer accepts; the open-major count drops by one.
    login(browser, "county-" + county)
    assert browser.find_element(By.CSS_SELECTOR, ".topbar .badge").text.isdigit(), "the submission is in the county's inbox"
    browser.get(BASE + "/hazards/" + hid)
    browser.find_element(By.CSS_SELECTOR, "#step-accept summary").click()
    browser.find_element(By.ID, "f-accept-comment").send_keys("现场核实，同意销号")
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#step-accept button[type=submit]"))
    WebDriverWait(browser, 10).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash.ok"), "验收销号"))
    assert "已销号" in browser.page_source
    history = browser.find_element(By.XPATH, "//h2[text()='处理记录']/following::table[1]").text
    for step in ("报告", "判定", "签收", "制定整改方案", "提交整改", "验收销号"):
        assert step in history
    assert open_major_count(browser) == before - 1
    shot(browser, "hazard-closed")
