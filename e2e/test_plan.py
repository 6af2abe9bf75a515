"""Browser test of the yearly plan: a county officer puts suggested enterprises on the key list and
saves the whole plan form (fifty rows: larger than what arrives with a request's head), then arranges
the first key enterprise's inspection from the plan with two of the county's officers.
"""
import datetime
import re

from helpers import BASE, login, shot, submit_and_wait
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from test_hazards import api, token


def test_a_county_saves_its_plan_and_arranges_a_key_inspection(browser):
    county = "141124"
    year = datetime.date.today().year
    login(browser, "county-" + county)
    browser.get(BASE + "/enforcement/plan")
    rows = browser.find_elements(By.CSS_SELECTOR, "input[type=checkbox][name^=e]")
    assert len(rows) >= 20, "a county's suggestions fill the form"
    before = api("GET", "/plans/%s/%d" % (county, year), token("county-" + county))["keyEnterprises"]
    for box in [r for r in rows if not r.is_selected()][:2]:
        browser.execute_script("arguments[0].click()", box)
    quota = browser.find_element(By.ID, "f-drawQuota")
    quota.clear()
    quota.send_keys("12")
    submit_and_wait(browser, browser.find_element(By.XPATH, "//button[contains(., '保存计划')]"))
    WebDriverWait(browser, 10).until(EC.url_contains("done=saved"))
    assert "计划已保存" in browser.find_element(By.CSS_SELECTOR, ".flash").text
    plan = api("GET", "/plans/%s/%d" % (county, year), token("county-" + county))
    assert plan["drawQuota"] == 12 and len(plan["keyEnterprises"]) == len(before) + 2, plan["keyEnterprises"]

    submit_and_wait(browser, browser.find_element(By.LINK_TEXT, "安排检查"))
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "input[name='inspectors[]']")))
    for box in browser.find_elements(By.CSS_SELECTOR, "input[name='inspectors[]']")[:2]:
        browser.execute_script("arguments[0].click()", box)
    submit_and_wait(browser, browser.find_element(By.XPATH, "//button[contains(., '安排检查')]"))
    WebDriverWait(browser, 10).until(EC.url_contains("done=created"))
    assert "检查任务已安排" in browser.find_element(By.CSS_SELECTOR, ".flash").text
    inspection_id = re.search(r"/enforcement/inspections/([0-9A-F-]{36})", browser.current_url).group(1)
    inspection = api("GET", "/inspections/" + inspection_id, token("county-" + county))
    assert inspection["origin"] == "plan" and len(inspection["inspectors"]) == 2
    assert inspection["enterpriseId"] in [k["enterpriseId"] for k in plan["keyEnterprises"]]
    shot(browser, "plan-arranged")
    # The plan now links the entry to its inspection.
    browser.get(BASE + "/enforcement/plan")
    assert "/enforcement/inspections/" + inspection_id in browser.page_source


def test_a_large_form_without_a_session_is_not_read_far():
    """Forms are read before the CSRF check; without a session only the small sign-in form is expected."""
    import urllib.error
    import urllib.request

    body = ("x=" + "a" * 200_000).encode()
    req = urllib.request.Request(BASE + "/login", data=body, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        urllib.request.urlopen(req)
        status = 200
    except urllib.error.HTTPError as e:
        status = e.code
    assert status == 413
