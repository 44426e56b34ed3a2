"""Debian's chromium, headless, driven by Selenium through Debian's chromedriver (never a
browser or driver Selenium would download): the browser the HTML report and the web
console are checked in. `make test` installs both packages when they are missing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# A browser that reaches nothing but the page: no sandbox (tests may run as root), no GPU,
# no background traffic of its own.
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@contextmanager
def chromium(profile: Path, width: int, height: int) -> Iterator[webdriver.Chrome]:
    """A headless chromium with a fresh profile folder, quit on leaving; the test fails
    with how to install it when it is missing."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.is_file():
            pytest.fail(
                f"{path} is missing: `make test` installs Debian's chromium and "
                "chromium-driver (or: apt-get install chromium chromium-driver)",
                pytrace=False,
            )
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--window-size={width},{height}", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    # Both paths given: Selenium Manager never looks for (or downloads) a driver.
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
