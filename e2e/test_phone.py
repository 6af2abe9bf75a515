"""Browser test on a phone (390×844): on every list page of each role nothing scrolls sideways (neither
the page nor anything inside it), a list's rows are cards with each value labelled, the filters fold
behind one button, and the short menu at the bottom reaches the workbench and the whole menu.
"""
from helpers import BASE, login, make_browser, shot, submit_and_wait
from test_hazards import api, token
from selenium.webdriver.common.by import By

PAGES = {
    "county-141181": ["/", "/overview", "/enterprises", "/hazards", "/hazards/zeroing", "/self-inspections", "/monitoring/alarms",
                      "/monitoring/points", "/monitoring/statistics", "/enforcement/plan", "/enforcement/inspections", "/enforcement/draws",
                      "/enforcement/inspectors", "/enforcement/experts", "/notifications", "/hazard-criteria", "/checklists",
                      "/workbench/overdueHazard"],
    "city": ["/", "/dispatch", "/audit", "/enterprises?per=50"],
    "admin": ["/users", "/api-keys"],
    "expert-1": ["/", "/hazards", "/enforcement/inspections"],
    "inspector-141181": ["/", "/enforcement/inspections", "/hazards", "/monitoring/alarms", "/workbench/todayInspection"],
    # The enterprise's own lists (its account is added by the test: the demo's codes are generated).
    "enterprise": ["/", "/hazards", "/monitoring/alarms", "/monitoring/points", "/self-inspections", "/notifications"],
}

SIDEWAYS = """
var out = [];
if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push('page ' + document.documentElement.scrollWidth);
document.querySelectorAll('body *').forEach(function (el) {
  var style = getComputedStyle(el);
  if ((style.overflowX === 'auto' || style.overflowX === 'scroll') && el.scrollWidth > el.clientWidth + 1)
    out.push(el.tagName + '.' + el.className + ' ' + el.scrollWidth + '>' + el.clientWidth);
});
return out;
"""

CARDS = """
var rows = Array.prototype.slice.call(document.querySelectorAll('table.data tbody tr'));
return rows.filter(function (tr) { return getComputedStyle(tr).display !== 'block'; }).length + '/' + rows.length;
"""


def test_every_list_page_fits_a_phone_and_shows_cards():
    browser = make_browser()
    try:
        browser.set_window_size(390, 844)
        first = api("GET", "/enterprises?county=141181&per=1&sort=name", token("county-141181"))["items"][0]
        for user, pages in PAGES.items():
            browser.delete_all_cookies()
            login(browser, "ent-" + first["creditCode"].lower() if user == "enterprise" else user)
            for path in pages:
                browser.get(BASE + path)
                assert browser.find_element(By.TAG_NAME, "h1").text, path
                assert browser.execute_script(SIDEWAYS) == [], "%s as %s scrolls sideways" % (path, user)
                not_cards, total = browser.execute_script(CARDS).split("/")
                assert not_cards == "0", "%s as %s: %s of %s rows are not cards" % (path, user, not_cards, total)
                labelled = browser.execute_script(
                    "return Array.prototype.every.call(document.querySelectorAll('table.data thead ~ tbody td'), function (td) {"
                    " return td.hasAttribute('data-label'); });")
                assert labelled, "%s: every value carries its column's name" % path
        # The filters fold behind one button; the bottom menu has the workbench and the whole menu.
        browser.get(BASE + "/hazards")
        form = browser.find_element(By.CSS_SELECTOR, "form.filters")
        assert not form.is_displayed()
        browser.find_element(By.CSS_SELECTOR, "button.filters-toggle").click()
        assert form.is_displayed()
        assert browser.find_element(By.CSS_SELECTOR, "nav.bottomnav").is_displayed()
        assert not browser.find_element(By.CSS_SELECTOR, "nav.sidenav").is_displayed()
        browser.find_element(By.LINK_TEXT, "更多").click()
        assert browser.find_element(By.CSS_SELECTOR, "nav.sidenav").is_displayed()
        shot(browser, "phone-menu")
        submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "nav.bottomnav").find_element(By.LINK_TEXT, "工作台"))
        assert browser.find_element(By.TAG_NAME, "h1").text == "工作台"
        # Touch targets: the bottom menu's links and the page's buttons are at least 44 px tall.
        small = browser.execute_script(
            "return Array.prototype.filter.call(document.querySelectorAll('nav.bottomnav a, main button, main .button, main input:not([type=hidden]), main select'),"
            " function (el) { var r = el.getBoundingClientRect(); return r.height > 0 && r.height < 43.5; }).map(function (el) { return el.outerHTML.slice(0, 80); });")
        assert small == [], small
        shot(browser, "phone-workbench")
    finally:
        browser.quit()
