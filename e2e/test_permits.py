"""Browser test on a phone (390×844) of a confined-space permit: the supervisor opens the permit from its
space's page (where the space's QR code leads), records a gas test out of range (approval refused, the page
says no entry), then a good one, approves, records an entry and an exit, and closes the permit; the county's
live list shows the work while it is open and not after."""
import datetime

from helpers import BASE, login, make_browser, page_gone, shot
from selenium.webdriver.common.by import By
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait
from test_hazards import api, token

COUNTY = "141181"


def space_and_enterprise():
    officer = token("county-" + COUNTY)
    spaces = api("GET", "/confined-spaces?county=%s&q=YS-01&per=5" % COUNTY, officer)["items"]
    assert spaces, "the demo has confined spaces in every county"
    space = spaces[0]
    enterprise = api("GET", "/enterprises/" + space["enterpriseId"], officer)
    return space, "ent-" + enterprise["creditCode"].lower()


def click(browser, element, navigates=True):
    # The phone's menu bar sits over the bottom of the screen: bring the control to the middle first.
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    page = browser.find_element(By.TAG_NAME, "html")
    element.click()
    if navigates:
        # The form posts and the server answers with the next page: wait for it, not the one just left.
        WebDriverWait(browser, 15).until(page_gone(page))


def wait_state(browser, expected):
    def current(_):
        try:
            return browser.find_element(By.CSS_SELECTOR, ".permit-state .tag").get_attribute("data-state") == expected
        except StaleElementReferenceException:
            return False
    WebDriverWait(browser, 10).until(current)
    return True


def button(browser, text):
    return browser.find_element(By.XPATH, "//button[normalize-space(text())='%s']" % text)


def live_ids(officer):
    return [p["id"] for p in api("GET", "/permits/live", officer)]


def test_a_supervisor_works_a_permit_on_the_phone_and_the_county_sees_it_live():
    space, username = space_and_enterprise()
    ent = token(username)
    off = {e.get("workerId") for e in api("GET", "/off-duty", ent)}
    crew = [w for w in api("GET", "/workers?per=50", ent)["items"] if w["id"] not in off and w["kind"] != "contractor"][:2]
    assert len(crew) == 2
    now = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8)))
    permit = api("POST", "/permits", ent, {
        "kind": "confinedSpace", "spaceId": space["id"], "crew": [w["id"] for w in crew], "applicant": crew[0]["name"],
        "hazards": "硫化氢、缺氧", "measures": "强制通风，检测合格后进入，设专人监护", "isolationPoints": ["进水阀关闭上锁"], "isolationConfirmed": True,
        "supervisor": "赵卫东", "entryFrom": (now - datetime.timedelta(minutes=5)).isoformat(timespec="seconds"),
        "entryUntil": (now + datetime.timedelta(hours=4)).isoformat(timespec="seconds")})
    assert permit["state"] == "draft"
    officer = token("county-" + COUNTY)

    browser = make_browser()
    try:
        browser.set_window_size(390, 844)
        login(browser, username)
        # The space's page, as its QR code opens it: the permits now, each a big button.
        browser.get(BASE + "/people/spaces/" + space["id"])
        assert browser.find_element(By.CSS_SELECTOR, "figure.qr img").get_attribute("src").endswith("/qr.svg")
        click(browser, browser.find_element(By.PARTIAL_LINK_TEXT, permit["number"]))
        assert permit["number"] in browser.find_element(By.CSS_SELECTOR, "h1").text

        # A test out of range: recorded, marked failed, and the approval is refused with its reason.
        browser.find_element(By.ID, "f-a-oxygenPercent").send_keys("18.0")
        browser.find_element(By.ID, "f-a-tester").send_keys("孙海燕")
        click(browser, button(browser, "记录检测结果"))
        assert browser.find_element(By.ID, "gas-failed").is_displayed()
        assert "不合格" in browser.find_element(By.CSS_SELECTOR, "#tests tbody tr").text
        browser.find_element(By.ID, "f-a-approvedBy").send_keys("王厂长")
        Select(browser.find_element(By.ID, "f-a-authority")).select_by_value("principal")
        click(browser, button(browser, "批准"))
        codes = [li.get_attribute("data-code") for li in browser.find_elements(By.CSS_SELECTOR, "ul.reasons li")]
        assert codes == ["gasTestFailed"], codes
        shot(browser, "permit-gas-failed")

        # A good test, then approval by the principal.
        browser.find_element(By.ID, "f-a-oxygenPercent").send_keys("20.8")
        # The space's ledger sets limits for CO, H2S and combustibles: each is measured.
        browser.find_element(By.ID, "f-a-coPPM").send_keys("2")
        browser.find_element(By.ID, "f-a-h2sPPM").send_keys("0")
        browser.find_element(By.ID, "f-a-lelPercent").send_keys("0")
        browser.find_element(By.ID, "f-a-tester").send_keys("孙海燕")
        click(browser, button(browser, "记录检测结果"))
        assert "合格" in browser.find_element(By.CSS_SELECTOR, "main").text
        browser.find_element(By.ID, "f-a-approvedBy").send_keys("王厂长")
        Select(browser.find_element(By.ID, "f-a-authority")).select_by_value("principal")
        click(browser, button(browser, "批准"))
        assert wait_state(browser, "approved")
        assert permit["id"] in live_ids(officer), "the county sees approved work"

        # In, and the county's live list names who is inside.
        first = crew[0]
        click(browser, browser.find_element(By.CSS_SELECTOR, "li.crew-member[data-worker='%s'] button" % first["id"]))
        assert wait_state(browser, "active")
        WebDriverWait(browser, 10).until(lambda _: "在内 1 人" in browser.find_element(By.ID, "inside-count").text)
        shot(browser, "permit-inside")
        county = make_browser()
        try:
            login(county, "county-" + COUNTY)
            county.get(BASE + "/people/permits/live")
            row = county.find_element(By.CSS_SELECTOR, "table#live tr[data-permit='%s']" % permit["id"].upper())
            assert first["name"] in row.text
        finally:
            county.quit()

        # Out, and closed (confirmed); the live list no longer has it.
        click(browser, browser.find_element(By.CSS_SELECTOR, "li.crew-member[data-worker='%s'] button" % first["id"]))
        WebDriverWait(browser, 10).until(lambda _: "在内 0 人" in browser.find_element(By.ID, "inside-count").text)
        click(browser, button(browser, "关闭作业票"), navigates=False)
        WebDriverWait(browser, 10).until(EC.alert_is_present())
        browser.switch_to.alert.accept()
        assert wait_state(browser, "closed")
        stored = api("GET", "/permits/" + permit["id"], ent)
        assert stored["state"] == "closed" and [e["name"] for e in stored["entries"]] == [first["name"]] and len(stored["tests"]) == 2
        assert permit["id"] not in live_ids(officer)
    finally:
        browser.quit()


def test_entries_and_gas_tests_made_without_a_connection_are_sent_when_it_is_back():
    space, username = space_and_enterprise()
    ent = token(username)
    off = {e.get("workerId") for e in api("GET", "/off-duty", ent)}
    worker = [w for w in api("GET", "/workers?per=50", ent)["items"] if w["id"] not in off and w["kind"] != "contractor"][2]
    now = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8)))
    permit = api("POST", "/permits", ent, {
        "kind": "confinedSpace", "spaceId": space["id"], "crew": [worker["id"]], "applicant": worker["name"], "hazards": "硫化氢",
        "measures": "通风、检测、监护", "isolationPoints": ["进水阀"], "isolationConfirmed": True, "supervisor": "赵卫东",
        "entryFrom": (now - datetime.timedelta(minutes=5)).isoformat(timespec="seconds"),
        "entryUntil": (now + datetime.timedelta(hours=2)).isoformat(timespec="seconds")})
    api("POST", "/permits/%s/actions" % permit["id"], ent, {"action": "test", "oxygenPercent": 20.8, "coPPM": 1, "h2sPPM": 0, "lelPercent": 0, "tester": "孙海燕"})
    api("POST", "/permits/%s/actions" % permit["id"], ent, {"action": "approve", "approvedBy": "王厂长", "authority": "principal"})

    browser = make_browser()
    try:
        browser.set_window_size(390, 844)
        login(browser, username)
        browser.get(BASE + "/people/permits/" + permit["id"])
        assert wait_state(browser, "approved")
        browser.execute_cdp_cmd("Network.enable", {})
        browser.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        WebDriverWait(browser, 10).until(lambda _: browser.execute_script("return navigator.onLine") is False)
        # In, and a re-test, with no connection: both kept on the phone, in order.
        click(browser, browser.find_element(By.CSS_SELECTOR, "li.crew-member[data-worker='%s'] button" % worker["id"]), navigates=False)
        browser.find_element(By.ID, "f-a-oxygenPercent").send_keys("20.6")
        for field, value in (("f-a-coPPM", "1"), ("f-a-h2sPPM", "0"), ("f-a-lelPercent", "0"), ("f-a-tester", "孙海燕")):
            browser.find_element(By.ID, field).send_keys(value)
        click(browser, button(browser, "记录检测结果"), navigates=False)
        note = browser.find_element(By.CSS_SELECTOR, ".offline-note")
        assert note.is_displayed() and "2" in note.text, note.text
        stored = api("GET", "/permits/" + permit["id"], ent)
        assert stored["state"] == "approved" and stored["entries"] == [] and len(stored["tests"]) == 1, "nothing reached the server"
        shot(browser, "permit-offline")
        # The connection is back: the queue goes in order and the page shows the permit as it now is.
        browser.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        assert wait_state(browser, "active")
        stored = api("GET", "/permits/" + permit["id"], ent)
        assert [e["name"] for e in stored["entries"]] == [worker["name"]] and len(stored["tests"]) == 2
        assert stored["entries"][0]["inAt"] <= stored["tests"][1]["at"], "each kept the moment it was recorded on the phone"
        assert browser.execute_script("return localStorage.getItem('permit-%s')" % permit["id"].upper()) is None
    finally:
        browser.quit()
