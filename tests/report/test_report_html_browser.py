"""`ocppdeck report --format html` as a user sees it: the page loaded from its file in
Debian's chromium (headless, driven by Selenium), with the tables, the three charts and
a hostile station id checked in the rendered page, and no network request made."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from ocppdeck.core.report.tables import COLUMNS
from ocppdeck.sample_data import sample_path
from ocppdeck.tui.cli import main
from tests.helpers.browser import chromium
from tests.helpers.report_sources import HOSTILE_IDS, hostile_story, plain_log


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    """Headless chromium, one for the module."""
    with chromium(tmp_path_factory.mktemp("chromium-profile"), 1280, 900) as driver:
        yield driver


def report(
    source: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[Path, dict[str, Any]]:
    """The HTML page of `source` written to a file, and its JSON report."""
    page = folder / "report.html"
    assert main(["report", str(source), "--format", "html", "--out", str(page)]) == 0
    assert main(["report", str(source)]) == 0
    doc: dict[str, Any] = json.loads(capsys.readouterr().out)
    return page, doc


def load(driver: webdriver.Chrome, page: Path) -> str:
    """Open the page from its file; its visible text."""
    driver.get(page.as_uri())
    return driver.find_element(By.TAG_NAME, "body").text


def row_counts(driver: webdriver.Chrome) -> dict[str, int]:
    return {
        name: len(driver.find_elements(By.CSS_SELECTOR, f"#table-{name} tbody tr"))
        for name in COLUMNS
    }


def bars(driver: webdriver.Chrome, chart: str) -> list[Any]:
    """The bars a chart draws, after checking the chart itself takes room on the page."""
    svg = driver.find_element(By.ID, chart)
    size = svg.size
    assert size["width"] > 0 and size["height"] > 0, chart
    return list(svg.find_elements(By.CSS_SELECTOR, "rect.bar"))


def tips(driver: webdriver.Chrome, chart: str) -> list[str]:
    """The tooltip of each bar of a chart (SVG <title> text is not rendered text)."""
    found: list[str] = driver.execute_script(
        "return [...document.querySelectorAll(arguments[0] + ' rect.bar title')]"
        ".map(t => t.textContent)",
        f"#{chart}",
    )
    return found


def fetched(driver: webdriver.Chrome) -> list[str]:
    """Every resource the page asked for after the document itself."""
    names: list[str] = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    return names


@pytest.mark.timeout(120)
def test_the_fault_story_page_shows_its_tables_charts_and_fetches_nothing(
    browser: webdriver.Chrome, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page, doc = report(sample_path("fault-story.jsonl"), tmp_path, capsys)
    text = load(browser, page)
    assert row_counts(browser) == {name: len(rows) for name, rows in doc["tables"].items()}
    assert "CP-FAULT" in text
    assert "Energy delivered\n0.7 kWh by completed sessions" in text
    session = browser.find_element(By.CSS_SELECTOR, "#table-sessions tbody tr").text
    assert session.startswith("CP-FAULT 1 1 TAG-GOOD") and " 0.7 " in session
    assert "GroundFailure" in browser.find_element(By.ID, "table-faults").text

    # One day, one station; the five faults of a 15-minute story fall in four minutes
    # (the Faulted status at 08:05:00 and the CALLERROR at 08:05:20 share one bar).
    assert len(bars(browser, "chart-energy")) == 1
    assert len(bars(browser, "chart-sessions")) == 1
    faults = bars(browser, "chart-faults")
    assert len(faults) == 4
    assert all(bar.size["height"] > 0 for bar in faults)
    counts = [int(tip.split(": ")[1].split()[0]) for tip in tips(browser, "chart-faults")]
    assert sorted(counts) == [1, 1, 1, 2]
    assert tips(browser, "chart-energy") == [
        "2025-06-01: 0.7 kWh by 1 completed of 1 sessions; 0 kWh in sessions not completed"
    ]
    assert fetched(browser) == []

    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(int(height) + 40, 6000))
    shot = tmp_path / "report_html.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes().startswith(b"\x89PNG")


@pytest.mark.timeout(120)
def test_a_plain_16_log_of_five_stations_draws_a_bar_per_station(
    browser: webdriver.Chrome, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page, doc = report(plain_log(tmp_path), tmp_path, capsys)
    assert doc["source"]["format"] == "ocppj"
    text = load(browser, page)
    assert row_counts(browser) == {name: len(rows) for name, rows in doc["tables"].items()}
    assert "Sessions\n52 (43 completed)" in text
    assert "Energy delivered\n5.446 kWh by completed sessions" in text
    by_station = {row["station"]: row for row in doc["tables"]["sessionsByStation"]}
    assert len(by_station) == 5
    assert len(bars(browser, "chart-sessions")) == 5
    assert len(bars(browser, "chart-energy")) == len(doc["tables"]["sessionsByDay"]) == 1
    assert bars(browser, "chart-faults") == []  # the demo had no fault
    # The busiest station's bar is the tallest, and its tooltip names it.
    busiest = max(by_station.values(), key=lambda row: row["sessions"])
    heights = [bar.size["height"] for bar in bars(browser, "chart-sessions")]
    first_tip = tips(browser, "chart-sessions")[0]
    assert heights[0] == max(heights)
    assert first_tip.startswith(f"{busiest['station']}: {busiest['sessions']} sessions")
    assert fetched(browser) == []


@pytest.mark.timeout(120)
def test_a_station_id_that_is_markup_shows_as_text_and_runs_nothing(
    browser: webdriver.Chrome, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page, doc = report(hostile_story(tmp_path), tmp_path, capsys)
    text = load(browser, page)
    for station in HOSTILE_IDS:
        assert station in text
    stations = browser.find_elements(By.CSS_SELECTOR, "#table-connections tbody td:first-child")
    assert sorted(cell.text for cell in stations) == sorted(HOSTILE_IDS)
    assert row_counts(browser) == {name: len(rows) for name, rows in doc["tables"].items()}
    ran = browser.execute_script("return [typeof window.__x, typeof window.__y]")
    assert ran == ["undefined", "undefined"]
    assert browser.find_elements(By.TAG_NAME, "img") == []
    assert browser.find_elements(By.TAG_NAME, "script") == []
    assert fetched(browser) == []
