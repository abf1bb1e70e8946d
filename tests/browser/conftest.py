"""Headless Chromium (Debian's `chromium` and `chromium-driver`, installed by
scripts/install-browser.sh) driven by Selenium, with a fresh profile per browser, and a folder
for the screenshots (test-artifacts/ at the repository root, git-ignored).

`offline=True` gives a browser with no network at all: every request goes to a dead proxy and
no host name resolves, so a page shows only what it can load from disk.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)
OFFLINE_FLAGS = (
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


def _tool(*names: str) -> str:
    for name in names:
        if found := shutil.which(name):
            return found
    pytest.fail(f"{names[0]} is not installed: run scripts/install-browser.sh (Debian chromium and chromium-driver)")


@pytest.fixture()
def browser(tmp_path) -> Iterator[Callable[..., object]]:
    """A factory of headless Chromium drivers; each is quit at the end of the test, also on failure."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    drivers = []

    def make(offline: bool = False):
        options = webdriver.ChromeOptions()
        options.binary_location = _tool("chromium", "chromium-browser")
        for flag in (*HEADLESS_FLAGS, *(OFFLINE_FLAGS if offline else ())):
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={tmp_path / f'chrome-profile-{len(drivers)}'}")
        service = Service(executable_path=_tool("chromedriver"), log_output=str(tmp_path / "chromedriver.log"))
        driver = webdriver.Chrome(options=options, service=service)
        drivers.append(driver)
        driver.set_page_load_timeout(60)
        return driver

    yield make
    for driver in drivers:
        driver.quit()


@pytest.fixture()
def screenshot() -> Callable[[object, str], Path]:
    """Save a driver's screenshot as test-artifacts/NAME.png; returns the path."""

    def save(driver, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        driver.save_screenshot(str(path))
        return path

    return save
