"""The web pages in a real browser (Scripts/browser sets the scene and runs this).

Checks, in chromium driven by Selenium:
- the open-data page and the press release load in Arabic and in English, right to left and
  left to right, with no console error (a script or style refused by the Content-Security-
  Policy is one);
- the open-data figures on the page are those of GET /v1/statistics for the same months, and
  the CSV holds the page's month-by-month rows exactly;
- the console without a session sends to sign-in; signing in works; a request whose storing
  fails (a fault injected in the database) is parked as failed and listed, with its error code;
- a stored XSS payload (in that request's fields) renders as text: no alert, no script element;
- a forged or missing CSRF token is refused (403) and changes nothing; the re-drive button
  queues the request again, and, the fault removed, it completes;
- the worker, establishment and workflow pages load; signing out ends the session on the
  server (the old cookie opens nothing);
- every page as served parses as HTML5 without an error, every field has its label, and the
  first Tab reaches "skip to content".
Screenshots of each page go to $MUAMALA_ARTIFACTS.
"""

import csv
import io
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

import html5lib
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ["MUAMALA_BASE"]
TOKEN = os.environ["MUAMALA_STAFF_TOKEN"]
DB = os.environ["MUAMALA_DB"]
PSQL = os.environ["MUAMALA_PSQL"]
ARTIFACTS = os.environ["MUAMALA_ARTIFACTS"]

XSS_NAME = "<script>alert(1)</script><img src=x onerror=alert(2)>"
failures = []


def check(condition, message):
    print(("  ok    " if condition else "  FAIL  ") + message, flush=True)
    if not condition:
        failures.append(message)
    return condition


def http(method, path, token=None, body=None, cookies=None, headers=None, follow=False):
    """(status, headers, text) of a request made outside the browser."""
    request = urllib.request.Request(BASE + path, method=method, data=body)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    if cookies:
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    for name, value in (headers or {}).items():
        request.add_header(name, value)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener() if follow else urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def psql(sql):
    subprocess.run([PSQL, DB, "-qAtc", sql], check=True, capture_output=True)


def arrived(driver, fragment, seconds=10):
    """Whether the browser reached a URL holding `fragment` (a click's navigation is not awaited)."""
    try:
        WebDriverWait(driver, seconds).until(lambda d: fragment in d.current_url)
        return True
    except Exception:
        return False


def wait_for_state(request_id, wanted, seconds=10):
    """The request's state once it is `wanted`, or the last one seen after `seconds`."""
    state = None
    for _ in range(seconds * 10):
        state = json.loads(http("GET", f"/v1/requests/{request_id}", token=TOKEN)[2])["state"]
        if state == wanted:
            break
        time.sleep(0.1)
    return state


def console_errors(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def shot(driver, name):
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(height, 800), 6000))
    driver.save_screenshot(os.path.join(ARTIFACTS, name + ".png"))
    driver.set_window_size(1280, 1000)


def load(driver, path, name, lang=None, direction=None):
    driver.get(BASE + path)
    html = driver.find_element(By.TAG_NAME, "html")
    if lang:
        check(html.get_attribute("lang") == lang and html.get_attribute("dir") == direction,
              f"{path}: lang={html.get_attribute('lang')} dir={html.get_attribute('dir')}")
    errors = console_errors(driver)
    check(not errors, f"{path}: no console errors {errors if errors else ''}")
    check(not driver.find_elements(By.TAG_NAME, "script"), f"{path}: no script element")
    words = driver.find_element(By.TAG_NAME, "main").text
    check(not re.search(r"\b(nil|undefined|Optional)\b", words), f"{path}: no missing value written as a word")
    unlabelled = [f.get_attribute("name") for f in driver.find_elements(By.CSS_SELECTOR, "input:not([type=hidden]), select")
                  if not driver.find_elements(By.CSS_SELECTOR, f"label[for='{f.get_attribute('id')}']")]
    check(not unlabelled, f"{path}: every field has a label {unlabelled if unlabelled else ''}")
    # The HTML as served (not the browser's repaired DOM) parses without a single HTML5 error.
    session = driver.get_cookie("muamala_session")
    status, _, raw = http("GET", path, cookies={"muamala_session": session["value"]} if session else None)
    parser = html5lib.HTMLParser(strict=False)
    parser.parse(raw)
    check(status == 200 and not parser.errors, f"{path}: valid HTML5 syntax {parser.errors[:3] if parser.errors else ''}")
    shot(driver, name)


def value(element):
    return int(element.get_attribute("data-value"))


def open_data(driver):
    print("open data", flush=True)
    for lang, direction, digits in [("ar", "rtl", "arab"), ("en", "ltr", "latn")]:
        load(driver, f"/open-data?lang={lang}&digits={digits}", f"open-data-{lang}", lang, direction)
    load(driver, "/open-data/press-release?digits=arab", "press-release", "ar", "rtl")

    # The period the page chose by itself (the last ten months with decisions).
    driver.get(BASE + "/open-data?lang=en&digits=latn")
    first = driver.find_element(By.CSS_SELECTOR, "#from option[selected]").get_attribute("value")
    last = driver.find_element(By.CSS_SELECTOR, "#to option[selected]").get_attribute("value")
    check(len(driver.find_elements(By.CSS_SELECTOR, "svg.chart g.bar")) == 10, "ten bars, one per month")

    status, _, text = http("GET", "/v1/statistics", token=TOKEN)
    check(status == 200, f"GET /v1/statistics: {status}")
    months = [m for m in json.loads(text)["months"] if first <= m["hijri_month"] <= last]
    check(len(months) == 10, f"the replay decided requests in ten months ({len(months)})")
    expected = {}
    for month in months:
        for service in month["services"]:
            counts = expected.setdefault(service["service"], {k: 0 for k in ("completed", "rejected", "failed", "cancelled", "total")})
            for key in counts:
                counts[key] += service[key]
    shown = {}
    for row in driver.find_elements(By.CSS_SELECTOR, "#figures tbody tr[data-service]"):
        shown[row.get_attribute("data-service")] = {
            cell.get_attribute("data-outcome"): value(cell) for cell in row.find_elements(By.CSS_SELECTOR, "td[data-outcome]")}
    zero = {k: 0 for k in ("completed", "rejected", "failed", "cancelled", "total")}
    derived = shown.pop("work-permit.*", None)
    mismatched = [s for s in set(expected) | set(shown) if shown.get(s) != expected.get(s, zero)]
    check(not mismatched, f"the page's figures equal GET /v1/statistics for {first}…{last} ({len(shown)} services) {mismatched}")
    permits = ("work-permit.issue", "work-permit.renew", "work-permit.issue-temporary", "work-permit.extend-temporary")
    check(derived == {k: sum(expected.get(s, zero)[k] for s in permits) for k in zero},
          f"the seed's 'work-permit transactions' row adds the work-permit services ({derived})")
    completed = sum(c["completed"] for c in expected.values())
    check(value(driver.find_element(By.ID, "beneficiaries")) == completed, f"beneficiaries = completed requests ({completed})")

    csv_href = driver.find_element(By.PARTIAL_LINK_TEXT, "CSV").get_attribute("href")
    status, headers, text = http("GET", csv_href.replace(BASE, ""))
    check(status == 200 and headers["Content-Type"].startswith("text/csv"), f"the CSV: {status}")
    rows = list(csv.DictReader(io.StringIO(text)))
    page_rows = {}
    for row in driver.find_elements(By.CSS_SELECTOR, "#monthly tbody tr"):
        key = (row.get_attribute("data-month"), row.get_attribute("data-service"))
        page_rows[key] = {cell.get_attribute("data-outcome"): value(cell) for cell in row.find_elements(By.CSS_SELECTOR, "td[data-outcome]")}
    csv_rows = {(r["hijri_month"], r["service"]): {k: int(r[k]) for k in ("completed", "rejected", "failed", "cancelled", "total")} for r in rows}
    check(len(rows) > 0 and csv_rows == page_rows, f"the CSV equals the page, row for row ({len(rows)} rows)")

    # Arabic-Indic digits are the same numbers.
    driver.get(BASE + "/open-data?lang=ar&digits=arab")
    big = driver.find_element(By.ID, "beneficiaries")
    arabic = str(value(big)).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    check(big.text.replace("٬", "") == arabic, f"Arabic-Indic digits: {big.text}")


def console(driver):
    print("console", flush=True)
    driver.get(BASE + "/console/queue")
    check(driver.current_url.endswith("/console/sign-in"), f"no session: sent to sign-in ({driver.current_url})")
    load(driver, "/console/sign-in?lang=ar&digits=arab", "sign-in-ar", "ar", "rtl")

    # A request that fails: storing it raises (a fault injected in the database), twice.
    psql("""CREATE OR REPLACE FUNCTION browser_fault() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.name_en LIKE '%<script>%' THEN RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER browser_fault BEFORE INSERT OR UPDATE ON establishments FOR EACH ROW EXECUTE FUNCTION browser_fault();""")
    body = json.dumps({"service": "establishment.open", "payload": {
        "establishment_id": "99-99999", "unified_number": "7999999999", "cr_number": "1999999999",
        "name_ar": "منشأة " + XSS_NAME, "name_en": XSS_NAME, "activity": "construction", "cr_expires_on": "2030-01-01"}}).encode()
    status, _, text = http("POST", "/v1/requests", token=TOKEN, body=body,
                           headers={"Content-Type": "application/json", "Idempotency-Key": "browser-xss-1"})
    check(status in (200, 202), f"the poisoned request is accepted ({status} {text[:200]})")
    request_id = json.loads(text)["id"]
    state = wait_for_state(request_id, "failed")
    check(state == "failed", f"parked as failed ({state})")

    driver.get(BASE + "/console/sign-in?lang=en&digits=latn")
    driver.find_element(By.ID, "token").send_keys(TOKEN)
    driver.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()
    check(arrived(driver, "/console/queue"), f"signed in: {driver.current_url}")
    session = driver.get_cookie("muamala_session")
    check(session is not None and session["httpOnly"] and session.get("sameSite") == "Strict", f"session cookie {session}")
    check(driver.execute_script("return document.cookie").find("muamala_session") < 0, "the session cookie is out of scripts' reach")
    load(driver, "/console/queue", "queue-en", "en", "ltr")
    check(value(driver.find_element(By.CSS_SELECTOR, "#tile-failed dd")) >= 1, "the queue counts the failed request")
    load(driver, "/console/queue?lang=ar&digits=arab", "queue-ar", "ar", "rtl")

    load(driver, "/console/failed?lang=en&digits=latn", "failed", "en", "ltr")
    row = driver.find_elements(By.CSS_SELECTOR, f"tr[data-request='{request_id}']")
    check(len(row) == 1 and "request.technical_failure" in row[0].text and "injected fault" in row[0].text,
          "the failed request is listed with its error code and what failed")

    load(driver, f"/console/requests/{request_id}", "request", "en", "ltr")
    try:
        driver.switch_to.alert
        check(False, "an alert opened: the payload ran")
    except NoAlertPresentException:
        check(True, "no alert: the stored script did not run")
    check(XSS_NAME in driver.find_element(By.ID, "payload").text, "the payload is shown as text, tags and all")
    check(not driver.find_elements(By.CSS_SELECTOR, "main img"), "no image element came from the payload")

    # Forged and missing CSRF tokens, with the browser's own session cookie.
    cookies = {"muamala_session": session["value"]}
    for form in [b"csrf=forged", b""]:
        status, _, text = http("POST", f"/console/requests/{request_id}/retry", cookies=cookies, body=form,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        check(status == 403 and "console.form_refused" in text, f"re-drive with {form or b'no token'!r}: {status}")
    state = json.loads(http("GET", f"/v1/requests/{request_id}", token=TOKEN)[2])["state"]
    check(state == "failed", f"nothing changed ({state})")

    psql("DROP TRIGGER browser_fault ON establishments")
    driver.find_element(By.CSS_SELECTOR, f"form[action='/console/requests/{request_id}/retry'] button").click()
    check(arrived(driver, "done=redriven") and driver.find_elements(By.CSS_SELECTOR, "p.notice"), "re-driven, and told so")
    state = wait_for_state(request_id, "completed")
    check(state == "completed", f"the re-driven request completes ({state})")
    load(driver, f"/console/requests/{request_id}", "request-completed", "en", "ltr")
    check(len(driver.find_elements(By.CSS_SELECTOR, "ol.timeline li")) >= 1, "its events are on the page")

    load(driver, "/console/establishments/99-99999", "establishment", "en", "ltr")
    check(XSS_NAME in driver.find_element(By.TAG_NAME, "main").text, "the establishment's name is text")
    driver.find_element(By.LINK_TEXT, "Workers").click()
    check(arrived(driver, "/console/establishments/99-99999/workers"), "its workers' page")
    links = driver.find_elements(By.CSS_SELECTOR, "main a[href^='/console/workers/']")
    check(len(links) == 0, "the new establishment has no workers")
    # A worker with a history: the subject of a completed renewal, found as an operator would.
    renewed = json.loads(http("GET", "/v1/requests?state=completed&limit=200", token=TOKEN)[2])
    worker = next(r["subject"][7:] for r in renewed["requests"] if r["service"] == "work-permit.renew")
    driver.get(BASE + "/console/queue")
    driver.find_element(By.ID, "q").send_keys(worker + "\n")
    check(arrived(driver, f"/console/workers/{worker}"), f"find a worker: {driver.current_url}")
    load(driver, f"/console/workers/{worker}", "worker", "en", "ltr")
    check(len(driver.find_elements(By.CSS_SELECTOR, "ol.timeline li")) >= 1, "the worker's history is a timeline")
    employer = driver.find_element(By.CSS_SELECTOR, "dl.facts a[href^='/console/establishments/']")
    employer_href = employer.get_attribute("href")
    employer.click()
    arrived(driver, employer_href.replace(BASE, ""))
    driver.find_element(By.LINK_TEXT, "Workers").click()
    arrived(driver, "/workers")
    listed = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "main a[href^='/console/workers/']")]
    check(worker in listed or len(listed) == 100, "the worker is among his employer's workers")
    load(driver, "/console/workflows", "workflows", "en", "ltr")
    check(len(driver.find_elements(By.CSS_SELECTOR, "svg.diagram")) >= 10, "every workflow is drawn")

    # Keyboard: the first Tab reaches the skip link.
    driver.get(BASE + "/console/queue")
    driver.find_element(By.TAG_NAME, "body").send_keys("\ue004")
    check(driver.switch_to.active_element.get_attribute("class") == "skip", "Tab first reaches 'skip to content'")

    driver.find_element(By.CSS_SELECTOR, "form[action='/console/sign-out'] button").click()
    check(arrived(driver, "/console/sign-in"), "signed out")
    status, headers, _ = http("GET", "/console/queue", cookies=cookies)
    check(status == 303 and headers["Location"] == "/console/sign-in", f"the old session cookie opens nothing ({status})")


def main():
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000", "--disable-gpu"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        open_data(driver)
        console(driver)
    finally:
        driver.quit()
    if failures:
        print(f"{len(failures)} check(s) failed:", *failures, sep="\n  ", file=sys.stderr)
        return 1
    print("every browser check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
