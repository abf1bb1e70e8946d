"""Data Docs in a browser with no network: the validation run of the day is listed, and the page is
styled by Bootstrap, bootstrap-table and Font Awesome served from the site's own folder.

Without the local copies (GX's pages load them from CDNs) the page is unstyled and the list is
empty offline, which is what a bank's analysts saw before.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from finrisk.ingest import run_ingest
from finrisk.quality import run_validation
from finrisk.quality.docs_assets import LINKS, SITE_VENDOR, installed, localize

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from source_rows import good_day  # noqa: E402


def _today_docs(settings, engine):
    day = datetime.now(UTC).date()
    good_day(engine, day)
    run_ingest(settings, day)
    return day, run_validation(settings, day)


def test_validation_rewrites_every_cdn_link_to_a_local_copy(settings, engine):
    assert installed(), "Data Docs assets missing: run `python -m finrisk.quality.docs_assets install`"
    _, report = _today_docs(settings, engine)
    docs = report.docs_path
    pages = list(docs.rglob("*.html"))
    assert len(pages) > 1
    for page in pages:
        text = page.read_text()
        assert not [url for url in LINKS if url in text], f"{page} still loads from a CDN"
        assert "integrity=" not in text
    for package, file in set(LINKS.values()):
        assert (docs / SITE_VENDOR / package / file).is_file()
    assert localize(docs) == 0  # already local: a second pass changes nothing


def test_data_docs_offline_list_todays_run_styled(settings, engine, browser, screenshot):
    day, report = _today_docs(settings, engine)
    driver = browser(offline=True)
    driver.get(report.index_html.as_uri())
    # bootstrap-table builds the validation list from data in the page: rows appear only if it loaded
    rows = WebDriverWait(driver, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#Validation-Results table tbody tr td")
    )
    path = screenshot(driver, "data-docs-offline")
    batch = f"year_{day.year}-month_{day.month}-day_{day.day}"
    page_text = driver.find_element(By.TAG_NAME, "body").text
    assert batch in page_text and "staging.customers" in page_text, f"today's run is not listed; see {path}"
    assert rows

    def style(selector: str, prop: str) -> str:
        return driver.execute_script(
            "return getComputedStyle(document.querySelector(arguments[0])).getPropertyValue(arguments[1]);",
            selector,
            prop,
        )

    # Bootstrap 4's .nav-tabs bottom border (#dee2e6) and .btn-secondary (#6c757d) exist only if it loaded
    assert style(".nav-tabs", "border-bottom-color") == "rgb(222, 226, 230)", path
    assert style(".btn-secondary", "background-color") == "rgb(108, 117, 125)", path
    assert driver.find_elements(By.CSS_SELECTOR, ".bootstrap-table .fixed-table-container")
    assert "Font Awesome" in style(".fas, .fa", "font-family")
    # every script, stylesheet and image the page loads is a file of the site
    urls = driver.execute_script(
        "return Array.from(document.querySelectorAll("
        "'script[src], link[rel=stylesheet], img[src]')).map(e => e.src || e.href);"
    )
    assert urls and all(u.startswith("file:") for u in urls), [u for u in urls if not u.startswith("file:")]
