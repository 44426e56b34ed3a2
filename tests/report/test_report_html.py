"""The HTML report as text: station strings escaped wherever they land (tables, chart
labels, tooltips), a page that references nothing outside itself, an empty source that
says so, rows left off past the bound that are counted, and the charts' arithmetic."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ocppdeck.core.disk.formats import ImportReport, read_frames
from ocppdeck.core.report.build import build_report
from ocppdeck.core.report.faults import Fault
from ocppdeck.core.report.html import render_html
from ocppdeck.core.report.options import ReportOptions
from ocppdeck.core.report.sessions import Totals
from ocppdeck.core.report.svg_charts import (
    MAX_TIME_BINS,
    bin_width,
    faults_over_time,
    sessions_per_station,
)
from ocppdeck.sample_data import sample_path
from ocppdeck.tui.cli import main
from tests.helpers.report_sources import hostile_story, plain_log

STORY = sample_path("fault-story.jsonl")
DAY = 86_400.0


def page_of(path: Path, options: ReportOptions | None = None) -> str:
    report = build_report(read_frames(path, None, ImportReport()), options)
    return render_html(report, {"path": str(path), "format": "recording", "frames": 0})


def svg(page: str, chart: str) -> str:
    found = re.search(rf'<svg id="{chart}".*?</svg>', page, re.S)
    assert found is not None, chart
    return found.group(0)


def test_a_station_id_that_is_markup_is_escaped_in_tables_labels_and_tooltips(
    tmp_path: Path,
) -> None:
    page = page_of(hostile_story(tmp_path))
    assert "<script" not in page and "<img" not in page and 'onerror="' not in page
    assert "&lt;script&gt;window.__x=1&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x onerror=&quot;window.__y=1&quot;&gt;" in page
    # Both stations have one session each: the sessions chart names them in its tooltips
    # (whole) and under its bars (cut in the middle), escaped there too.
    chart = svg(page, "chart-sessions")
    assert chart.count("<rect") == 2
    assert "&lt;script&gt;window.__x=1&lt;/script&gt;: 1 sessions" in chart
    assert ">&lt;scrip…script&gt;</text>" in chart


@pytest.mark.parametrize("source", ["story", "log"])
def test_the_page_references_nothing_outside_itself(source: str, tmp_path: Path) -> None:
    page = page_of(STORY if source == "story" else plain_log(tmp_path))
    for outside in ("http://", "https://", "//", "src=", "href=", "<script", "<link", "url("):
        assert outside not in page
    assert '<meta http-equiv="Content-Security-Policy" content="default-src \'none\';' in page


def test_an_empty_source_gives_a_page_that_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    page = page_of(empty)
    assert "Empty report: no frames in this source." in page
    assert page.count("<tbody></tbody>") == 7
    assert page.count('<p class="none">none</p>') == 7
    assert page.count(">none</text>") == 3  # each chart says it has nothing to show


def test_rows_past_the_per_station_bound_are_counted_on_the_page() -> None:
    report = build_report(read_frames(STORY, None, ImportReport()), ReportOptions(max_rows=2))
    page = render_html(report, {"path": str(STORY)})
    faults, compliance = report.left_off["faults"], report.left_off["compliance"]
    assert faults > 0 and compliance > 0
    assert f"{faults} more rows past the per-station bound were left off." in page
    assert f"left off: faults {faults}, compliance {compliance}." in page
    table = re.search(r'<table id="table-faults">.*?</table>', page, re.S)
    assert table is not None and table.group(0).count("<tr>") == 1 + 2  # header and 2 rows


def test_report_format_html_writes_stdout_or_the_out_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(STORY), "--format", "html"]) == 0
    shown = capsys.readouterr().out
    out = tmp_path / "report.html"
    assert main(["report", str(STORY), "--format", "html", "--out", str(out)]) == 0
    assert capsys.readouterr().out == ""
    assert out.read_text(encoding="utf-8") == shown
    assert shown.startswith("<!DOCTYPE html>") and "Sessions (1)" in shown


def test_report_format_html_of_a_missing_file_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["report", "/no/such/recording.jsonl", "--format", "html"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "ocppdeck: /no/such/recording.jsonl: no such file or folder\n"


def test_many_stations_share_an_others_bar_after_the_busiest() -> None:
    stations = [Totals(f"CP-{n:02d}", sessions=n, completed=n) for n in range(1, 13)]
    chart = sessions_per_station(stations, top=10)
    assert chart.svg.count("<rect") == 11
    tips = re.findall(r"<title>([^<]*)</title></rect>", chart.svg)
    assert tips[0] == "CP-12: 12 sessions, 12 completed"  # the busiest first
    assert tips[-1] == "2 other stations: 3 sessions"  # CP-01 and CP-02
    assert ">2 others</text>" in chart.svg
    assert sessions_per_station(list(reversed(stations)), top=10) == chart  # deterministic


def test_faults_are_binned_to_the_span_and_a_wild_clock_cannot_make_bins_without_end() -> None:
    assert bin_width(15 * 60) == 60
    assert bin_width(2 * DAY) == 3600
    assert bin_width(30 * DAY) == DAY
    start = 1_748_764_800.0  # 2025-06-01T08:00:00Z
    faults = [Fault("auth-rejected", "CP-1", start + s) for s in (300, 320, 470, 600, 660)]
    chart = faults_over_time(faults, start, start + 900)
    assert chart.title == "Faults per minute (UTC, from 2025-06-01 08:00)"
    assert chart.svg.count("<rect") == 4  # 08:05 holds two
    assert "2025-06-01 08:05 to 08:06 UTC: 2 faults" in chart.svg
    # A station clock at 1970 stretches the span over 55 years: still a bounded chart.
    wild = faults_over_time([*faults, Fault("fault-status", "CP-1", 0.0)], start, start + 900)
    assert wild.svg.count("<rect") == 2
    assert wild.svg.count('<text class="label"') <= MAX_TIME_BINS + 1 + 4
