"""Browser test of a double-random draw: a county officer commits a draw on the page, the public page
(signed out) shows its commitment and not its seed; the officer reveals it; `zhiben draw verify`
recomputes it, and the public page shows the seed, who was drawn and that the result checks out.
"""
import os
import re
import subprocess

from helpers import BASE, login, shot, submit_and_wait
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


def test_a_county_commits_and_reveals_a_draw_that_anyone_can_check(browser):
    login(browser, "county-141182")
    browser.get(BASE + "/enforcement/draws/new")
    title = "浏览器测试：汾阳市双随机抽查"
    browser.find_element(By.ID, "f-title").send_keys(title)
    browser.find_element(By.ID, "f-size").send_keys("2")
    browser.find_element(By.CSS_SELECTOR, "input[name=withExpert]").click()
    # The demo revealed a draw of the county's enterprises days ago: drawing again from them needs a reason.
    browser.find_element(By.ID, "f-overlapReason").send_keys("浏览器测试：专项抽查")
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.grid-form button[type=submit]"))
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "form.confirm")))
    draw_id = re.search(r"/enforcement/draws/([0-9A-F-]{36})", browser.current_url).group(1)
    commitment = re.search(r"\b[0-9a-f]{64}\b", browser.find_element(By.XPATH, "//dt[contains(.,'种子承诺值')]/following-sibling::dd[1]").text).group(0)
    shot(browser, "draw-committed")

    # Signed out, the public page shows the commitment and keeps the seed.
    cookies = browser.get_cookies()
    browser.delete_all_cookies()
    browser.get(BASE + "/public/draws/" + draw_id)
    assert commitment in browser.page_source and "揭晓时公布" in browser.page_source
    for c in cookies:
        browser.add_cookie(c)

    browser.get(BASE + "/enforcement/draws/" + draw_id)
    browser.find_element(By.CSS_SELECTOR, "form.confirm button[type=submit]").click()
    WebDriverWait(browser, 5).until(EC.alert_is_present()).accept()
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.XPATH, "//h2[text()='抽取结果']")))
    rows = browser.find_elements(By.CSS_SELECTOR, "table.data tbody tr")
    assert len(rows) == 2 and all("汾阳" in r.text for r in rows)
    shot(browser, "draw-revealed")

    verify = subprocess.run([os.environ["ZHIBEN_BIN"], "draw", "verify", draw_id], env=dict(os.environ), capture_output=True, text=True)
    assert verify.returncode == 0 and "OK: the draw verifies" in verify.stdout, verify.stdout + verify.stderr

    browser.delete_all_cookies()
    browser.get(BASE + "/public/draws")
    submit_and_wait(browser, browser.find_element(By.LINK_TEXT, title))
    seed = browser.find_element(By.XPATH, "//dt[text()='种子']/following-sibling::dd[1]").text
    assert "揭晓时公布" not in seed and "一致" in seed
    assert "一致" in browser.find_element(By.XPATH, "//dt[text()='复核结果']/following-sibling::dd[1]").text
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.data tbody tr")) == 2
    shot(browser, "draw-public")
