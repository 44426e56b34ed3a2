"""A report as the reports screen shows it: each table's columns and its rows as text
cells (times in UTC, energy in kWh), with the first frame of each session and fault.
Station text is shown as text, never markup, and cut to a cell's width. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rich.text import Text

from ..core.report.build import Report
from ..core.report.sessions import Totals
from .formatting import kw, kwh
from .station_text import station_text

CELL_CHARS = 60  # a station's text is cut here: one long cell must not push the rest off

Cells = tuple[Text, ...]


@dataclass(frozen=True, slots=True)
class ReportTable:
    """One table of the screen. `positions` holds each row's first frame in the stream the
    report folded (None for a row without one); the table is None when its rows are
    not frames to go to (totals, compliance, connections)."""

    name: str
    columns: tuple[str, ...]
    rows: list[Cells]
    positions: list[int | None] | None = None


def when(ts: float | None) -> str:
    """Date and time in UTC to the second, or a dash."""
    if ts is None:
        return "—"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def span(seconds: float | None) -> str:
    """A duration as people read it: 41s, 6m 41s, 2h 03m; a dash when unknown."""
    if seconds is None:
        return "—"
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def _text(value: object) -> Text:
    """A station's (or a file's) text: shown as text, cut to CELL_CHARS."""
    cell = station_text(value)
    cell.truncate(CELL_CHARS, overflow="ellipsis")
    return cell


def _plain(value: str) -> Text:
    return Text(value)


def _number(value: float | None, fmt: str = ",") -> Text:
    shown = "—" if value is None else format(value, fmt)
    return Text(shown, justify="right")


def _seconds(value: float | None) -> Text:
    return _number(value, ",.2f")


def _totals(key: Text, t: Totals) -> Cells:
    return (
        key,
        _number(t.sessions),
        _number(t.completed),
        Text(kwh(t.energy_wh), justify="right"),
        Text(kwh(t.energy_open_wh), justify="right"),
        Text(span(t.duration_s), justify="right"),
    )


def _sessions(report: Report) -> ReportTable:
    rows = [
        (
            _text(s.station),
            _number(s.evse),
            _text(s.transaction_id),
            _text(s.id_tag),
            _plain(when(s.start)),
            _plain(when(s.stop)),
            Text(span(s.duration_s), justify="right"),
            Text(kwh(s.energy_wh), justify="right"),
            Text(kw(s.peak_power_w), justify="right"),
            Text("—" if s.cost is None else f"{s.cost:.2f}", justify="right"),
            _text(s.stop_reason),
            Text("yes", style="green") if s.completed else Text("no", style="yellow"),
        )
        for s in report.sessions
    ]
    columns = (
        "Station", "EVSE", "Transaction", "Id tag", "Start (UTC)", "Stop (UTC)", "Duration",
        "Energy", "Peak", "Cost", "Stop reason", "Completed",
    )  # fmt: skip
    return ReportTable("sessions", columns, rows, [s.position for s in report.sessions])


def _faults(report: Report) -> ReportTable:
    rows = [
        (
            Text(x.kind, style="bold"),
            _text(x.station),
            _plain(when(x.at)),
            _plain(when(x.until)),
            Text(span(x.duration_s), justify="right"),
            _number(x.evse),
            _number(x.connector),
            _text(x.transaction_id),
            _text(x.code),
            _text(x.detail),
        )
        for x in report.faults
    ]
    columns = (
        "Kind", "Station", "At (UTC)", "Until (UTC)", "Lasted", "EVSE", "Conn.", "Transaction",
        "Code", "Detail",
    )  # fmt: skip
    return ReportTable("faults", columns, rows, [x.position for x in report.faults])


def _compliance(report: Report) -> ReportTable:
    rows = [
        (
            _text(c.station),
            _text(c.action),
            _plain(c.check),
            _text(c.subject),
            _number(c.count),
            _text(c.example),
            _seconds(c.min_s),
            _seconds(c.median_s),
            _seconds(c.max_s),
        )
        for c in report.compliance
    ]
    columns = (
        "Station", "Action", "Check", "Subject", "Count", "Example", "Min s", "Median s", "Max s",
    )  # fmt: skip
    return ReportTable("compliance", columns, rows)


def _connections(report: Report) -> ReportTable:
    rows = [
        (
            _text(link.station),
            _number(link.connects),
            _number(link.disconnects),
            _number(link.refused),
            Text(span(link.offline_s), justify="right"),
            _number(link.reconnect_loops),
            _number(link.heartbeat_gaps),
            Text(span(link.longest_silence_s), justify="right"),
            _plain(when(link.first_frame)),
            _plain(when(link.last_frame)),
        )
        for link in report.connections
    ]
    columns = (
        "Station", "Connects", "Disconnects", "Refused", "Offline", "Loops", "Heartbeat gaps",
        "Longest silence", "First frame (UTC)", "Last frame (UTC)",
    )  # fmt: skip
    return ReportTable("connections", columns, rows)


def _episodes(report: Report) -> ReportTable:
    rows = [
        (
            _plain(e.kind),
            _text(e.station),
            _plain(when(e.start)),
            _plain(when(e.end)),
            Text(span(e.duration_s), justify="right"),
            _number(e.count),
        )
        for e in report.episodes
    ]
    columns = ("Kind", "Station", "Start (UTC)", "End (UTC)", "Lasted", "Connects")
    return ReportTable("episodes", columns, rows)


def report_tables(report: Report) -> dict[str, ReportTable]:
    """Every table of the screen, by name: sessions, by_station, by_day, faults,
    compliance, connections and episodes (the connections' loops, silences, time offline)."""
    total_columns = ("Sessions", "Completed", "Energy", "In progress", "Duration")
    found = [
        _sessions(report),
        ReportTable(
            "by_station",
            ("Station", *total_columns),
            [_totals(_text(t.key), t) for t in report.by_station],
        ),
        ReportTable(
            "by_day",
            ("Day (UTC)", *total_columns),
            [_totals(_plain(t.key or "—"), t) for t in report.by_day],
        ),
        _faults(report),
        _compliance(report),
        _connections(report),
        _episodes(report),
    ]
    return {table.name: table for table in found}


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def summary(report: Report) -> str:
    """One line: what the source spans, and how many rows each table has."""
    if report.empty:
        return "No frames in this source: the report is empty."
    completed = [s for s in report.sessions if s.completed]
    energy = sum(s.energy_wh or 0.0 for s in completed)
    parts = [
        f"{_count(report.frames, 'frame')}, {when(report.first)} to {when(report.last)} UTC",
        _count(report.stations, "station"),
        f"{_count(len(report.sessions), 'session')} ({len(completed):,} completed, {kwh(energy)})",
        _count(len(report.faults), "fault"),
        _count(len(report.compliance), "compliance finding"),
    ]
    left = sum(report.left_off.values())
    if left:
        parts.append(f"{left:,} rows past the per-station bound left off")
    return " · ".join(parts)
