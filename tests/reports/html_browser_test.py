#!/usr/bin/env python3
"""The HTML reports in headless Chromium, as a reader would see them.

Renders the real reports of tests/reports/data and their matrix with
`convtest report --html`, loads the pages in Debian's Chromium through
chromium-driver (python3-selenium), and checks in the DOM that the counts,
rows and cells equal the JSON, that a filter filters, that a row expands,
that a matrix cell leads to its case, and that every detail shows with
JavaScript off. Screenshots and pages are left in --out for CI to keep.

With --event-dir it checks instead the index.html `convtest matrix` wrote
(integration.matrix_event_browser): every case and pair cell against
matrix.json, and every link of the page leading to a file that exists (and
to the case's row on a run page).

Fails (never skips) when Chromium, its driver or Selenium is missing.
"""

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPORTS = ["convproxy", "convproxy-faulty", "convclient"]
MISSING_BROWSER = (
    "html_browser_test: FAILED: {what} is missing; the HTML reports are tested in headless Chromium.\n"
    "Install Debian's chromium, chromium-driver and python3-selenium (scripts/install-deps.sh does)."
)


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def browser_tools():
    """Chromium, its driver and Selenium, or a clear failure."""
    chromium = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    for tool, what in ((chromium, "chromium"), (driver, "chromedriver (chromium-driver)")):
        if tool is None:
            raise Failure(MISSING_BROWSER.format(what=what))
    try:
        from selenium import webdriver  # noqa: F401  (Debian's python3-selenium)
    except ImportError:
        raise Failure(MISSING_BROWSER.format(what="python3-selenium"))
    return chromium, driver


def start_browser(chromium, driver, javascript=True):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000", "--allow-file-access-from-files"):
        options.add_argument(argument)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


def run(command):
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout + done.stderr


def render_pages(convtest, matrix_fixture, data, out):
    for name in REPORTS:
        code, output = run([convtest, "report", "--html", str(data / f"{name}.json"), "--out", str(out / f"{name}.html")])
        check(code == 0, f"convtest report --html {name}.json exited {code}: {output}")
    code, output = run([matrix_fixture, str(data), str(out / "matrix.json")])
    check(code == 0, f"matrix_fixture exited {code}: {output}")
    code, output = run([convtest, "report", "--html", str(out / "matrix.json"), "--out", str(out / "matrix.html")])
    check(code == 0, f"convtest report --html matrix.json exited {code}: {output}")
    (out / "broken.json").write_text('{"format": ')
    code, output = run([convtest, "report", "--html", str(out / "broken.json")])
    check(code == 3 and "not valid JSON" in output, f"a broken report: exit {code}, said {output!r}")


def page_state(browser):
    """Everything the checks read, in one round trip."""
    return browser.execute_script("""
      const text = e => e ? e.textContent : null;
      return {
        counts: Array.from(document.querySelectorAll('#counts li')).map(li =>
          [li.dataset.verdict, Number(text(li.querySelector('.count')))]),
        rows: Array.from(document.querySelectorAll('tbody.case')).map(c =>
          ({id: text(c.querySelector('td.id')), verdict: c.dataset.verdict, hidden: c.hidden,
            detail: c.querySelector('tr.detail').getBoundingClientRect().height > 0})),
        shown: text(document.getElementById('shown')),
        exitCode: Number(text(document.getElementById('exit-code'))),
      };""")


def check_run_page(browser, page, report):
    browser.get(page.as_uri())
    state = page_state(browser)
    # Reports written before a verdict existed lack its count: zero.
    counts = {verdict: count for verdict, count in state["counts"] if count}
    written = {verdict: count for verdict, count in report["summary"]["counts"].items() if count}
    check(counts == written, f"{page.name}: counts {counts} != {written}")
    check(state["exitCode"] == report["summary"]["exit_code"], f"{page.name}: exit code {state['exitCode']}")
    expected_rows = [(r["id"], r["verdict"]) for r in report["results"]]
    check([(r["id"], r["verdict"]) for r in state["rows"]] == expected_rows, f"{page.name}: rows differ from the JSON")
    total = len(expected_rows)
    check(state["shown"] == f"{total} of {total} shown", f"{page.name}: shown says {state['shown']!r}")
    check(not any(r["detail"] for r in state["rows"]), f"{page.name}: details are not folded with JavaScript on")


def check_filter_and_expansion(browser, page, report, screenshot):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(page.as_uri())
    failed = [r["id"] for r in report["results"] if r["verdict"] == "FAIL"]
    check(failed, f"{page.name}: the faulty report has no FAIL to filter")
    Select(browser.find_element(By.NAME, "verdict")).select_by_visible_text("FAIL")
    state = page_state(browser)
    visible = [r["id"] for r in state["rows"] if not r["hidden"]]
    check(visible == failed, f"{page.name}: the FAIL filter shows {len(visible)} rows, the JSON has {len(failed)}")
    check(state["shown"] == f"{len(failed)} of {len(report['results'])} shown", f"shown says {state['shown']!r}")
    tag = report["results"][0]["tags"][-1]
    Select(browser.find_element(By.NAME, "tag")).select_by_visible_text(tag)
    tagged = [r["id"] for r in report["results"] if r["verdict"] == "FAIL" and tag in r["tags"]]
    visible = [r["id"] for r in page_state(browser)["rows"] if not r["hidden"]]
    check(visible == tagged, f"{page.name}: FAIL and tag {tag} show {len(visible)} rows, expected {len(tagged)}")
    first = browser.find_element(By.CSS_SELECTOR, "tbody.case:not([hidden]) tr.row")
    first.click()
    detail = browser.find_element(By.CSS_SELECTOR, "tbody.case.open tr.detail")
    check(detail.is_displayed(), f"{page.name}: a clicked row does not expand")
    result = next(r for r in report["results"] if r["id"] == failed[0])
    check(result["expected"] in detail.text and result["repro"] in detail.text,
          f"{page.name}: the expanded row lacks expected or repro")
    browser.save_screenshot(str(screenshot))


def check_matrix_page(browser, page, matrix, screenshot):
    from selenium.webdriver.common.by import By

    browser.get(page.as_uri())
    cells = browser.execute_script("""
      return Array.from(document.querySelectorAll('.case-grid tbody tr')).flatMap(row =>
        Array.from(row.querySelectorAll('td.cell')).map(td =>
          [row.dataset.case, td.dataset.impl, td.dataset.verdict, td.textContent]));""")
    expected = sorted((c["id"], impl, verdict, verdict) for c in matrix["cases"]
                      for impl, verdict in c["verdicts"].items())
    found = sorted(tuple(cell) for cell in cells if cell[2])
    check(found == expected, f"matrix: {len(found)} cells with a verdict, the JSON has {len(expected)}")
    pairs = browser.execute_script("""
      return Array.from(document.querySelectorAll('#pairs td.pair[data-verdict]:not([data-verdict=""])')).map(td =>
        [td.dataset.client, td.dataset.converter, td.dataset.verdict]);""")
    check(sorted(map(tuple, pairs)) == sorted((p["client"], p["converter"], p["verdict"]) for p in matrix["pairs"]),
          f"matrix: pair cells {pairs} differ from the JSON")
    browser.save_screenshot(str(screenshot))
    # A FAIL cell leads to its case's row on the run page, opened.
    link = browser.find_element(By.CSS_SELECTOR, ".case-grid td.v-FAIL a")
    case_id = link.find_element(By.XPATH, "ancestor::tr").get_attribute("data-case")
    link.click()
    row = browser.find_element(By.CSS_SELECTOR, "tbody.case.open")
    check(row.find_element(By.CSS_SELECTOR, "td.id").text == case_id, f"matrix: the link did not open {case_id}")
    check(row.find_element(By.CSS_SELECTOR, "tr.detail").is_displayed(), "matrix: the linked case is not expanded")


def check_without_javascript(chromium, driver, page, report, screenshot):
    from selenium.webdriver.common.by import By

    browser = start_browser(chromium, driver, javascript=False)
    try:
        browser.get(page.as_uri())
        details = browser.find_elements(By.CSS_SELECTOR, "tr.detail")
        check(len(details) == len(report["results"]), "no JavaScript: detail rows missing")
        check(all(d.is_displayed() for d in details[:5]), "no JavaScript: the details are not shown")
        check(not browser.find_element(By.ID, "filters").is_displayed(), "no JavaScript: the dead filter form shows")
        browser.save_screenshot(str(screenshot))
    finally:
        browser.quit()


def check_event_index(browser, folder, screenshot):
    """DIR/index.html of `convtest matrix`: cells equal matrix.json, links resolve."""
    matrix = json.loads((folder / "matrix.json").read_text())
    page = folder / "index.html"
    browser.get(page.as_uri())
    cells = browser.execute_script("""
      return Array.from(document.querySelectorAll('.case-grid tbody tr')).flatMap(row =>
        Array.from(row.querySelectorAll('td.cell')).map(td => [row.dataset.case, td.dataset.impl, td.dataset.verdict]));""")
    expected = sorted((c["id"], impl, verdict) for c in matrix["cases"] for impl, verdict in c["verdicts"].items())
    found = sorted(tuple(cell) for cell in cells if cell[2])
    check(found == expected, f"event index: {len(found)} case cells with a verdict, matrix.json has {len(expected)}")
    pairs = browser.execute_script("""
      return Array.from(document.querySelectorAll('#pairs td.pair')).map(td =>
        [td.dataset.client, td.dataset.converter, td.dataset.variant, td.dataset.verdict]);""")
    variant = lambda p: " · ".join(p[k] for k in ("family", "transport", "profile"))
    check(sorted(map(tuple, pairs)) == sorted((p["client"], p["converter"], variant(p), p["verdict"])
                                              for p in matrix["pairs"]),
          f"event index: {len(pairs)} pair cells differ from the {len(matrix['pairs'])} of matrix.json")
    tables = browser.execute_script("return document.querySelectorAll('#pairs table.pair-grid').length;")
    check(tables == len({variant(p) for p in matrix["pairs"]}), f"event index: {tables} pair tables")
    links = browser.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href);")
    check(links, "event index: no links")
    for link in links:
        parts = urlsplit(link)
        check(parts.scheme == "file", f"event index: a link leaves the folder: {link}")
        target = Path(unquote(parts.path))
        check(target.exists(), f"event index: {link} leads nowhere")
        check(folder.resolve() in target.resolve().parents, f"event index: {link} is outside the output folder")
        if parts.fragment:
            check(f'id="{parts.fragment}"' in target.read_text(), f"event index: {link}: no such case on the page")
    browser.save_screenshot(str(screenshot))
    return len(links)


def main_event(args):
    chromium, driver = browser_tools()
    out = args.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    folder = args.event_dir.resolve()
    check((folder / "index.html").is_file(), f"{folder}/index.html is missing: run integration.matrix_event first")
    browser = start_browser(chromium, driver)
    try:
        links = check_event_index(browser, folder, out / "event-matrix-page.png")
    finally:
        browser.quit()
    return f"{links} links resolve; screenshot in {out}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--convtest")
    parser.add_argument("--matrix-fixture")
    parser.add_argument("--data", type=Path)
    parser.add_argument("--event-dir", type=Path, help="check the index.html of a `convtest matrix` folder instead")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    started = time.monotonic()
    if args.event_dir:
        try:
            said = main_event(args)
        except Failure as failure:
            print(f"html_browser_test: FAILED: {failure}", file=sys.stderr)
            return 1
        print(f"html_browser_test: event index: {said} ({time.monotonic() - started:.1f} s)")
        return 0
    if not (args.convtest and args.matrix_fixture and args.data):
        parser.error("--convtest, --matrix-fixture and --data are needed without --event-dir")
    try:
        chromium, driver = browser_tools()
        out = args.out.resolve()
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        render_pages(args.convtest, args.matrix_fixture, args.data.resolve(), out)
        reports = {name: json.loads((args.data / f"{name}.json").read_text()) for name in REPORTS}
        browser = start_browser(chromium, driver)
        try:
            for name in REPORTS:
                check_run_page(browser, out / f"{name}.html", reports[name])
            faulty = out / "convproxy-faulty.html"
            check_filter_and_expansion(browser, faulty, reports["convproxy-faulty"], out / "run-page.png")
            matrix = json.loads((out / "matrix.json").read_text())
            check_matrix_page(browser, out / "matrix.html", matrix, out / "matrix-page.png")
        finally:
            browser.quit()
        check_without_javascript(chromium, driver, faulty, reports["convproxy-faulty"], out / "run-page-no-js.png")
    except Failure as failure:
        print(f"html_browser_test: FAILED: {failure}" if "FAILED" not in str(failure) else failure, file=sys.stderr)
        return 1
    print(f"html_browser_test: pages and screenshots in {out} ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
