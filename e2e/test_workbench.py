"""Browser tests of every role's working day: each signs in, lands on its workbench (工作台), finds at
least one real item of the demo there, follows it to its action, completes it, and finds the item gone
from the workbench. County: reveal a committed draw. City: reveal its cross-county draw. Inspector:
work through an inspection of today and complete it. Expert: judge the hazard assigned to them.
Enterprise: acknowledge a level-1 alarm its gateway raised. Administrator: unlock the locked account.
"""
import time

from helpers import BASE, login, shot, submit_and_wait
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from test_hazards import api, token
from test_monitoring import subtitle


def queue(browser, kind):
    """The action links of a queue on the workbench (its first items)."""
    browser.get(BASE + "/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "工作台"
    return [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#q-%s li.work-item a.work-act" % kind)]


def follow(browser, kind):
    links = queue(browser, kind)
    assert links, "the %s queue has an item" % kind
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#q-%s li.work-item a.work-act" % kind))
    WebDriverWait(browser, 10).until(lambda d: d.current_url.split("?")[0] == links[0].split("?")[0])
    return links[0]


def gone(browser, kind, link):
    assert link not in queue(browser, kind), "the %s item left the workbench" % kind


def reveal(browser, kind):
    link = follow(browser, kind)
    browser.find_element(By.CSS_SELECTOR, "form.confirm button[type=submit]").click()
    WebDriverWait(browser, 5).until(EC.alert_is_present()).accept()
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".flash")))
    gone(browser, kind, link)


def test_county_officer_reveals_the_draw_waiting_on_the_workbench(browser):
    login(browser, "county-141181")
    shot(browser, "workbench-county")
    reveal(browser, "revealDraw")


def test_city_officer_reveals_the_cross_county_draw(browser):
    login(browser, "city")
    reveal(browser, "revealDraw")


def test_inspector_completes_todays_inspection_from_the_workbench(browser):
    login(browser, "inspector-141181")
    link = follow(browser, "todayInspection")
    browser.execute_script("document.querySelectorAll('ol.checklist li.check-item').forEach(function (li) {"
                           " if (!li.querySelector('input[type=radio]:checked')) li.querySelector('input[value=pass]').checked = true; });")
    browser.find_element(By.CSS_SELECTOR, "button[value=complete]").click()
    WebDriverWait(browser, 5).until(EC.alert_is_present()).accept()
    WebDriverWait(browser, 10).until(EC.url_contains("done=completed"))
    gone(browser, "todayInspection", link)


def test_expert_judges_the_assigned_hazard(browser):
    login(browser, "expert-1")
    link = follow(browser, "judgeHazard")
    details = browser.find_element(By.ID, "step-judge")
    if not details.get_attribute("open"):
        details.find_element(By.TAG_NAME, "summary").click()
    submit_and_wait(browser, details.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".flash")))
    assert "已判定" in browser.find_element(By.TAG_NAME, "main").text
    gone(browser, "judgeHazard", link)


def test_enterprise_acknowledges_its_alarm_from_the_workbench(browser):
    # The demo's gateways raise a level-1 alarm at each printed enterprise in the first minute of serve.
    city = token("city")
    deadline = time.monotonic() + 120
    alarms = []
    while time.monotonic() < deadline:
        alarms = api("GET", "/alarms?state=active&level=1&per=50", city)["items"]
        if alarms:
            break
        time.sleep(3)
    assert alarms, "a level-1 alarm to acknowledge"
    enterprise = api("GET", "/enterprises/" + alarms[0]["enterpriseId"], city)
    login(browser, "ent-" + enterprise["creditCode"].lower())
    shot(browser, "workbench-enterprise")
    link = follow(browser, "acknowledgeAlarm")
    submit_and_wait(browser, browser.find_element(By.XPATH, "//form[.//input[@name='action' and @value='acknowledge']]//button"))
    # The page is replaced after the step: read its state line as the monitoring test does, past stale elements.
    WebDriverWait(browser, 10).until(lambda d: "已确认" in subtitle(d))
    gone(browser, "acknowledgeAlarm", link)
    # It waits for disposal now.
    assert link in queue(browser, "disposeAlarm") or len(queue(browser, "disposeAlarm")) == 5


def test_administrator_unlocks_the_locked_account(browser):
    # The demo starts with one officer locked out by wrong passwords.
    login(browser, "admin")
    items = browser.find_elements(By.CSS_SELECTOR, "#q-unlockAccount li.work-item")
    assert any("inspector-141130" in li.text for li in items), [li.text for li in items]
    follow(browser, "unlockAccount")
    row = browser.find_element(By.XPATH, "//tr[.//*[contains(text(), 'inspector-141130')]]")
    submit_and_wait(browser, row.find_element(By.XPATH, ".//button[contains(text(), '解锁')]"))
    WebDriverWait(browser, 10).until(lambda d: "账号已解锁" in d.find_element(By.CSS_SELECTOR, ".flash").text)
    browser.get(BASE + "/")
    assert not any("inspector-141130" in li.text for li in browser.find_elements(By.CSS_SELECTOR, "#q-unlockAccount li.work-item"))
