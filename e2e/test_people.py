"""Browser tests of the enterprise's people: the demo's contractor job blocked at the start-of-work gate
shows every missing item as a checklist, and starting it anyway is refused with the reasons; a 三违
recorded on a worker's page puts the worker on the off-duty ledger; the registry shows the banned
contractor to a county of another place, with its accident."""
from helpers import BASE, login, make_browser, page_gone, shot
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from test_hazards import api, token

COUNTY = "141181"


def blocked_job():
    officer = token("county-" + COUNTY)
    jobs = api("GET", "/contractor-jobs?county=%s&state=planned&per=50" % COUNTY, officer)["items"]
    assert jobs, "the demo has a job waiting at the gate in every county"
    job = jobs[0]
    enterprise = api("GET", "/enterprises/" + job["enterpriseId"], officer)
    return job, "ent-" + enterprise["creditCode"].lower()


def test_the_gate_shows_what_is_missing_and_refuses_the_start():
    job, username = blocked_job()
    browser = make_browser()
    try:
        login(browser, username)
        browser.get(BASE + "/people/jobs/" + job["id"])
        missing = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#gate ul.checklist li.missing")]
        assert any("操作证" in m for m in missing) and any("监护人" in m for m in missing), missing
        reasons = [li.get_attribute("data-code") for li in browser.find_elements(By.CSS_SELECTOR, "#gate ul.reasons li")]
        assert "certificateExpired" in reasons and "noSupervisor" in reasons, reasons
        page = browser.find_element(By.TAG_NAME, "html")
        browser.find_element(By.XPATH, "//section[@id='gate']//button[text()='开工']").click()
        WebDriverWait(browser, 15).until(page_gone(page))
        assert "不能开工" in browser.find_element(By.CSS_SELECTOR, "main").text
        shot(browser, "people-gate-refused")
        assert api("GET", "/contractor-jobs/" + job["id"], token(username))["state"] == "planned"
    finally:
        browser.quit()


def test_a_violation_recorded_on_the_page_puts_the_worker_on_the_off_duty_ledger():
    job, username = blocked_job()
    ent = token(username)
    on_duty = {e.get("workerId") for e in api("GET", "/off-duty", ent)}
    worker = next(w for w in api("GET", "/workers?per=50", ent)["items"] if w["id"] not in on_duty)
    browser = make_browser()
    try:
        login(browser, username)
        browser.get(BASE + "/people/workers/" + worker["id"])
        assert worker["idNumber"][:4] in browser.page_source and "**********" not in browser.find_element(By.CSS_SELECTOR, "dl.facts").text
        browser.find_element(By.XPATH, "//summary[contains(., '记录三违')]").click()
        Select(browser.find_element(By.ID, "f-v-kind")).select_by_value("discipline")
        browser.find_element(By.ID, "v-what").send_keys("班中睡岗")
        page = browser.find_element(By.TAG_NAME, "html")
        browser.find_element(By.XPATH, "//button[text()='记录三违']").click()
        WebDriverWait(browser, 15).until(page_gone(page))
        assert "已记录三违" in browser.find_element(By.CSS_SELECTOR, "main").text
        browser.get(BASE + "/people/off-duty")
        rows = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "table.data tbody tr")]
        assert any(worker["name"] in r and "违反劳动纪律" in r for r in rows), rows
        browser.get(BASE + "/people")
        row = next(r for r in browser.find_elements(By.CSS_SELECTOR, "table.data tbody tr") if worker["name"] in r.text)
        assert "停岗" in row.text and "**********" in row.text
    finally:
        browser.quit()


def test_the_banned_contractor_is_visible_to_every_county_with_its_accident():
    browser = make_browser()
    try:
        login(browser, "county-141102")
        browser.get(BASE + "/people/contractors?fatal=true")
        text = browser.find_element(By.CSS_SELECTOR, "main").text
        assert "全市禁入至" in text and "死亡3人" in text, text[:500]
    finally:
        browser.quit()
