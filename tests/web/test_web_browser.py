"""`ocppdeck web` as a user sees it: the real command in a child process on 127.0.0.1, the
page in Debian's chromium (headless, driven by Selenium), the console's rows read from the
terminal's own buffer, and keys typed into the page reaching the console."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from tests.helpers.browser import chromium
from tests.helpers.cli_process import OCPPDECK, serving
from tests.helpers.web import free_port

PATIENCE_S = 60.0  # how long the page may take to show what a test waits for
# textual-serve keeps its xterm.js terminal to itself: this script, run before the page's
# own, catches the terminal as the page assigns it (`this.terminal = new Terminal(…)`).
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true});
    (window.__terminals = window.__terminals || []).push(value);
  },
});
"""
# The terminal's rows as text, from its buffer (what the canvas shows).
READ_ROWS = """
const terminal = (window.__terminals || [])[0];
if (!terminal) return "";
const buffer = terminal.buffer.active;
const rows = [];
for (let y = 0; y < terminal.rows; y++) {
  const line = buffer.getLine(buffer.viewportY + y);
  rows.push(line ? line.translateToString(true) : "");
}
return rows.join("\\n");
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    """Headless chromium, one for the module, that keeps a hold of textual-serve's terminal."""
    with chromium(tmp_path_factory.mktemp("chromium-profile"), 1400, 900) as driver:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CATCH_TERMINAL})
        yield driver


@contextmanager
def web(*args: str) -> Iterator[str]:
    """`ocppdeck web ARGS` on a free port of 127.0.0.1, in a process group of its own
    (the server and every tab's console), all of it ended on leaving; its address."""
    port = free_port()
    proc = subprocess.Popen(
        [OCPPDECK, "web", "--host", "127.0.0.1", "--port", str(port), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + PATIENCE_S
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"web ended: {proc.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                with urllib.request.urlopen(url, timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "web did not start"
                time.sleep(0.2)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # as Ctrl+C: the server stops its demo run
        with suppress(subprocess.TimeoutExpired):
            proc.wait(30)
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # whatever of the group is left
        proc.wait()


def rows_when(driver: webdriver.Chrome, shown: Callable[[str], bool]) -> str:
    """The terminal's rows once `shown` holds for them; fails after PATIENCE_S."""
    deadline = time.monotonic() + PATIENCE_S
    rows = ""
    while time.monotonic() < deadline:
        rows = driver.execute_script(READ_ROWS)
        if shown(rows):
            return rows
        time.sleep(0.2)
    raise AssertionError(f"the page never showed it; it shows:\n{rows}")


def stations_pane(rows: str) -> list[str]:
    """The station ids listed in the stations pane (its rows start with the id)."""
    found = []
    for row in rows.splitlines():
        cells = row.strip("│ ").split()
        if cells and cells[0].startswith("SIM-"):
            found.append(cells[0])
    return found


@pytest.mark.timeout(180)
def test_web_demo_shows_the_fleet_in_the_browser_and_takes_keys(
    browser: webdriver.Chrome, tmp_path: Path
) -> None:
    with web("--demo", "--stations", "3", "--data-dir", str(tmp_path)) as url:
        browser.get(url)
        rows = rows_when(browser, lambda r: len(stations_pane(r)) == 3 and "3/3 online" in r)
        assert stations_pane(rows) == ["SIM-001", "SIM-002", "SIM-003"]
        # The tab's console is attached to the one demo the server runs.
        assert "ocppdeck · attached · http://127.0.0.1:" in rows
        assert "terminal console for OCPP" not in rows
        browser.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea").send_keys("?")
        rows = rows_when(browser, lambda r: "terminal console for OCPP" in r)
        assert "Start charge" in rows


@pytest.mark.timeout(180)
def test_web_live_attaches_each_tab_to_the_running_csms(
    browser: webdriver.Chrome, tmp_path: Path
) -> None:
    api_port = free_port()
    with serving(tmp_path, "--api-port", str(api_port)):
        api = f"http://127.0.0.1:{api_port}"
        with web("--data-dir", str(tmp_path), "--api-url", api) as url:
            browser.get(url)
            rows = rows_when(browser, lambda r: f"attached · {api}" in r)
            assert "0/0 online" in rows
