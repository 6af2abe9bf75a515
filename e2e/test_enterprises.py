"""Browser tests: a county officer signs in through the real page, filters, opens an enterprise, signs out.

Needs a running server (ZHIBEN_URL, default http://127.0.0.1:8080) with demo data, and the demo
password in ZHIBEN_DEMO_PASSWORD. Uses Debian's chromium and chromium-driver.
"""
from helpers import BASE, login, shot, submit_and_wait
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait


def test_county_officer_filters_opens_and_signs_out(browser):
    login(browser, "county-141181")
    assert "孝义市应急管理局" in browser.find_element(By.CSS_SELECTOR, ".topbar .scope").text
    shot(browser, "dashboard")

    submit_and_wait(browser, browser.find_element(By.LINK_TEXT, "企业基础信息"))
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "form.filters")))
    # A county officer has no county filter: the list is already its own county.
    assert not browser.find_elements(By.ID, "county")
    Select(browser.find_element(By.ID, "industry")).select_by_value("nonferrous")
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]"))
    WebDriverWait(browser, 10).until(EC.url_contains("industry=nonferrous"))
    rows = browser.find_elements(By.CSS_SELECTOR, "table.data tbody tr")
    assert rows, "the filtered list should not be empty"
    for row in rows:
        cells = row.find_elements(By.TAG_NAME, "td")
        assert cells[2].text == "孝义市"
        assert cells[3].text.startswith("有色")
    shot(browser, "list")

    first = rows[0].find_element(By.CSS_SELECTOR, "td a")
    name = first.text
    submit_and_wait(browser, first)
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "section.classification")))
    assert browser.find_element(By.TAG_NAME, "h1").text == name
    assert "分级分类" in browser.page_source
    assert browser.find_elements(By.CSS_SELECTOR, "ul.reasons li"), "the grade must come with its reasons"
    shot(browser, "detail")

    submit_and_wait(browser, browser.find_element(By.XPATH, "//form[@action='/logout']//button"))
    WebDriverWait(browser, 10).until(EC.url_contains("/login"))
    browser.get(BASE + "/enterprises")
    assert "/login" in browser.current_url


def test_wrong_password_keeps_the_username_and_says_why(browser):
    browser.get(BASE + "/login")
    browser.find_element(By.ID, "username").send_keys("county-141182")
    browser.find_element(By.ID, "password").send_keys("not-the-password")
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    alert = WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "[role=alert]")))
    assert "用户名或密码错误" in alert.text
    assert browser.find_element(By.ID, "username").get_attribute("value") == "county-141182"


def test_form_errors_show_beside_fields_and_keep_input(browser):
    login(browser, "county-141182")
    browser.get(BASE + "/enterprises/new")
    browser.find_element(By.ID, "f-creditCode").send_keys("91350100M000100Y44")
    browser.find_element(By.ID, "f-name").send_keys("汾阳测试演示酒业有限公司")
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.grid-form button[type=submit]"))
    error = WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "err-creditCode")))
    assert "校验位" in error.text
    assert browser.find_element(By.ID, "f-name").get_attribute("value") == "汾阳测试演示酒业有限公司"


def test_phone_width_has_no_horizontal_scroll(browser):
    browser.set_window_size(360, 800)
    login(browser, "city")
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 360 + 1
    shot(browser, "phone")


def test_township_suggestions_follow_the_county(browser):
    login(browser, "city")
    browser.get(BASE + "/enterprises/new")
    Select(browser.find_element(By.ID, "f-countyCode")).select_by_value("141181")
    options = [o.get_attribute("value") for o in browser.find_elements(By.CSS_SELECTOR, "#townships option")]
    assert "新义街道" in options
    Select(browser.find_element(By.ID, "f-countyCode")).select_by_value("141182")
    options = [o.get_attribute("value") for o in browser.find_elements(By.CSS_SELECTOR, "#townships option")]
    assert "新义街道" not in options and options
