"""Browser test of the enterprise picker on 报告隐患: typing pinyin initials lists matching enterprises of
the officer's county as one types; the keyboard chooses one; the report is filed against it. Typing a
name matching several, without choosing, is refused with the count, and what was typed stays."""
import urllib.parse

from helpers import BASE, login, make_browser, shot, submit_and_wait
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from test_hazards import api, token


def suggestions(browser):
    return browser.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('.picker-list li[role=option]'),"
        " function (li) { return li.getAttribute('data-id') + '|' + li.firstChild.textContent; });")


def test_the_picker_finds_an_enterprise_by_initials_and_the_report_is_filed_against_it():
    county = "141181"
    officer = token("county-" + county)
    expected = api("GET", "/enterprises?county=%s&q=jh&per=50" % county, officer)["items"]
    assert expected, "the demo has coking enterprises (焦化, jh) in the county"
    in_county = {e["id"] for e in api("GET", "/enterprises?per=200", officer)["items"]}

    browser = make_browser()
    try:
        login(browser, "inspector-" + county)
        browser.get(BASE + "/hazards/new")
        field = browser.find_element(By.CSS_SELECTOR, "input[role=combobox]")
        field.send_keys("jh")
        WebDriverWait(browser, 5).until(lambda d: suggestions(d))
        found = suggestions(browser)
        assert all(s.split("|")[0] in in_county for s in found), found
        assert found[0].split("|")[0] in {e["id"] for e in expected}, found
        assert field.get_attribute("aria-expanded") == "true"
        shot(browser, "picker-suggestions")
        field.send_keys(Keys.ARROW_DOWN, Keys.ARROW_UP, Keys.ENTER)
        chosen_id, chosen_name = found[0].split("|")
        assert browser.find_element(By.CSS_SELECTOR, "input[name=enterprisePick]").get_attribute("value") == chosen_id
        assert field.get_attribute("value") == chosen_name
        assert browser.find_element(By.CSS_SELECTOR, ".picker-list").get_attribute("hidden") is not None
        browser.find_element(By.NAME, "title").send_keys("选择器测试：配电室门口堆放杂物")
        submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.grid-form button[type=submit]"))
        WebDriverWait(browser, 10).until(lambda d: "done=reported" in d.current_url)
        assert chosen_name in browser.find_element(By.TAG_NAME, "main").text

        # Several match and none was chosen: refused, naming the count, the text kept.
        browser.get(BASE + "/hazards/new")
        field = browser.find_element(By.CSS_SELECTOR, "input[role=combobox]")
        field.send_keys("有限公司")
        browser.find_element(By.NAME, "title").send_keys("选择器测试：未选企业")
        submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.grid-form button[type=submit]"))
        WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".field-error"))
        assert "家企业" in browser.find_element(By.CSS_SELECTOR, ".field.picker .field-error").text
        assert browser.find_element(By.CSS_SELECTOR, "input[role=combobox]").get_attribute("value") == "有限公司"

        # A list's filter: the hazards of the chosen enterprise only.
        browser.get(BASE + "/hazards")
        field = browser.find_element(By.CSS_SELECTOR, "form.filters input[role=combobox]")
        if not field.is_displayed():
            browser.find_element(By.CSS_SELECTOR, "button.filters-toggle").click()
        field.send_keys(chosen_name)
        WebDriverWait(browser, 5).until(lambda d: chosen_id in " ".join(suggestions(d)))
        browser.find_element(By.CSS_SELECTOR, ".picker-list li[data-id='%s']" % chosen_id).click()
        submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]"))
        WebDriverWait(browser, 10).until(lambda d: "enterprise=" in d.current_url)
        assert urllib.parse.parse_qs(urllib.parse.urlparse(browser.current_url).query)["enterprise"][0] == chosen_id
        assert browser.find_element(By.CSS_SELECTOR, "form.filters input[name=enterprise]").get_attribute("value") == chosen_id
        cells = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "table.data tbody tr td:nth-child(2)")]
        assert cells and all(chosen_name in c for c in cells), cells
    finally:
        browser.quit()

