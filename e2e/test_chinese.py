"""Walks every page each role can reach from its workbench (following links, a few pages of each kind)
and fails on what a Chinese user should never read: a raw code of the software (an English word such
as `stopped`, `inProgress` or `system`), a UUID, or an account name where a person or an enterprise
should be named. Allowed: units, the standard's codes (MHC-4-01, TT-101), proper names of formats
(CSV, API, SHA-256), the language switch's own "English", and what a page marks as code (a login
name, a digest, an interface's address).
"""
import re
import urllib.parse

from helpers import BASE, login, make_browser
from test_hazards import api, token

ROLES = ["county-141181", "city", "admin", "inspector-141181", "expert-1"]
PER_KIND = 2
MAX_PAGES = 90
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9]|[A-Za-z]")
# Units, formats and names that are the same in Chinese text.
ALLOWED = {"English", "ppm", "Pa", "kPa", "MPa", "m", "m3", "h", "m3/h", "mm", "cm", "kg", "t", "s", "min", "mg", "L", "V", "A", "kW", "km",
           "CSV", "API", "SHA-256", "PNG", "JPEG", "WebP", "PDF", "HTTP", "HTTPS", "URL", "ID", "Excel", "GB", "AQ", "T", "JSON", "Bearer"}


def leaks(text):
    out = UUID.findall(text)
    text = UUID.sub(" ", text)
    text = re.sub(r"#[0-9a-f]{8}", " ", text)  # a shortened record number
    out = out[:]
    for token in WORD.findall(text):
        if token in ALLOWED or token.upper() == token:
            continue  # codes and units are written in capitals: MHC-4-01, TT-101, DUST-DRY-HOPPER-TEMP, CO
        if re.fullmatch(r"[0-9a-f]{8,}", token) and re.search(r"\d", token):
            continue  # a shortened record number or digest: #0b6e0f77
        out.append(token)
    return out


def kind_of(path):
    return re.sub(r"\d{4}", ":n", UUID.sub(":id", path.split("?")[0]))


def crawl(browser, user):
    login(browser, user)
    seen_kinds = {}
    queue = ["/"]
    visited = set()
    problems = []
    while queue and len(visited) < MAX_PAGES:
        path = queue.pop(0)
        if path in visited:
            continue
        visited.add(path)
        browser.get(BASE + path)
        # Text a person reads; what the page marks as code (a login name, a digest, an address) is left out.
        text = browser.execute_script(
            "var copy = document.body.cloneNode(true); copy.querySelectorAll('code, kbd, samp, script, style').forEach(function (e) { e.remove(); });"
            "document.body.appendChild(copy); copy.style.position = 'absolute'; var t = copy.innerText; copy.remove(); return t;")
        bad = leaks(text)
        if bad:
            problems.append("%s %s: %s" % (user, path, sorted(set(bad))[:12]))
        for href in browser.execute_script("return Array.prototype.map.call(document.querySelectorAll('a[href]'), function (a) { return a.getAttribute('href'); })"):
            url = urllib.parse.urlparse(href)
            if url.netloc or not url.path.startswith("/") or url.path.startswith(("/api/", "/logout", "/public/draws/")):
                continue
            if re.search(r"\.(csv|json|png|jpe?g|webp)$|/photos/|/export|/template", url.path):
                continue
            target = url.path + ("?" + url.query if url.query and "page=" not in url.query else "")
            kind = kind_of(target)
            if seen_kinds.get(kind, 0) >= PER_KIND or target in visited:
                continue
            seen_kinds[kind] = seen_kinds.get(kind, 0) + 1
            queue.append(target)
    return problems


def test_no_code_uuid_or_english_word_on_any_page_in_chinese():
    browser = make_browser()
    problems = []
    try:
        for user in ROLES:
            browser.delete_all_cookies()
            problems += crawl(browser, user)
        # An enterprise with a level-1 alarm (a printed showcase enterprise), else the county's first.
        city = token("city")
        alarms = api("GET", "/alarms?level=1&per=1", city)["items"]
        enterprise = (api("GET", "/enterprises/" + alarms[0]["enterpriseId"], city) if alarms
                      else api("GET", "/enterprises?county=141181&per=1&sort=name", city)["items"][0])
        browser.delete_all_cookies()
        problems += crawl(browser, "ent-" + enterprise["creditCode"].lower())
    finally:
        browser.quit()
    assert problems == [], "\n".join(problems)
