"""Shared pieces of the browser tests: the server's address, the demo password, signing in."""
import os

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ.get("ZHIBEN_URL", "http://127.0.0.1:8080").rstrip("/")
PASSWORD = os.environ["ZHIBEN_DEMO_PASSWORD"]
SHOTS = os.environ.get("ZHIBEN_SCREENSHOTS")


def make_browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,900", "--lang=zh-CN"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(2)
    return driver


def shot(driver, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        driver.save_screenshot(os.path.join(SHOTS, name + ".png"))


def login(driver, username):
    driver.get(BASE + "/login")
    assert "登录" in driver.page_source
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    submit_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "header.topbar")))


def submit_and_wait(driver, button, timeout=15):
    """Clicks a button or link that leaves the page (a form's submit, a navigation link) and waits until
    the page it was on is gone, so that what is read next is the answer's page (on a loaded machine a read right after the click can land on the page
    being left, whose elements then vanish under it)."""
    page = driver.find_element(By.TAG_NAME, "html")
    button.click()
    WebDriverWait(driver, timeout).until(page_gone(page))


def page_gone(page):
    """A wait's condition: the page whose root element is `page` has been left. Chrome reports an
    element of a page being torn down either as stale or, for a moment, as "does not belong to the
    document" (an unknown error, which `EC.staleness_of` lets through and fails on)."""
    def gone(_):
        try:
            page.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as e:
            if being_replaced(e):
                return True
            raise
    return gone


def being_replaced(error):
    """Whether a WebDriver error says the element's page is being torn down (Chrome's "does not belong
    to the document", which it reports as an unknown error rather than a stale element)."""
    return "does not belong to the document" in str(error)
