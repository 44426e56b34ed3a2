"""A report as tables of flat rows: the JSON document and the CSV files hold the same
rows. Pure. The shape is documented in README.md ("Reports"); `VERSION` changes only
when a key is renamed or removed.
"""

from __future__ import annotations

from typing import Any

from ..clock import to_iso
from .build import Report
from .sessions import Totals

VERSION = 1
Row = dict[str, Any]

# Every table's columns, in order: the CSV header, and the keys of each JSON row.
COLUMNS: dict[str, tuple[str, ...]] = {
    "sessions": (
        "station", "evse", "transactionId", "idTag", "start", "stop", "durationS",
        "energyKwh", "peakPowerKw", "stopReason", "completed", "cost",
    ),
    "sessionsByStation": (
        "station", "sessions", "completed", "energyKwh", "energyInProgressKwh", "durationS",
    ),
    "sessionsByDay": (
        "day", "sessions", "completed", "energyKwh", "energyInProgressKwh", "durationS",
    ),
    "faults": (
        "kind", "station", "at", "until", "durationS", "evse", "connector", "transactionId",
        "code", "detail",
    ),
    "compliance": (
        "station", "action", "check", "subject", "count", "example", "minS", "medianS", "maxS",
    ),
    "connections": (
        "station", "connects", "disconnects", "refused", "offlineS", "reconnectLoops",
        "heartbeatGaps", "longestSilenceS", "firstFrame", "lastFrame",
    ),
    "connectionEpisodes": ("kind", "station", "start", "end", "durationS", "connects"),
}  # fmt: skip


def _iso(ts: float | None) -> str | None:
    return None if ts is None else to_iso(ts)


def _kwh(wh: float | None) -> float | None:
    return None if wh is None else round(wh / 1000.0, 6)


def _s(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)


def _totals(key: str, t: Totals) -> Row:
    return {
        key: t.key,
        "sessions": t.sessions,
        "completed": t.completed,
        "energyKwh": _kwh(t.energy_wh),
        "energyInProgressKwh": _kwh(t.energy_open_wh),
        "durationS": _s(t.duration_s),
    }


def tables(report: Report) -> dict[str, list[Row]]:
    """Each table's rows, keyed as COLUMNS names them."""
    return {
        "sessions": [
            {
                "station": s.station,
                "evse": s.evse,
                "transactionId": s.transaction_id,
                "idTag": s.id_tag,
                "start": _iso(s.start),
                "stop": _iso(s.stop),
                "durationS": _s(s.duration_s),
                "energyKwh": _kwh(s.energy_wh),
                "peakPowerKw": _kwh(s.peak_power_w),
                "stopReason": s.stop_reason,
                "completed": s.completed,
                "cost": s.cost,
            }
            for s in report.sessions
        ],
        "sessionsByStation": [_totals("station", t) for t in report.by_station],
        "sessionsByDay": [_totals("day", t) for t in report.by_day],
        "faults": [
            {
                "kind": x.kind,
                "station": x.station,
                "at": _iso(x.at),
                "until": _iso(x.until),
                "durationS": _s(x.duration_s),
                "evse": x.evse,
                "connector": x.connector,
                "transactionId": x.transaction_id,
                "code": x.code,
                "detail": x.detail,
            }
            for x in report.faults
        ],
        "compliance": [
            {
                "station": c.station,
                "action": c.action,
                "check": c.check,
                "subject": c.subject,
                "count": c.count,
                "example": c.example,
                "minS": _s(c.min_s),
                "medianS": _s(c.median_s),
                "maxS": _s(c.max_s),
            }
            for c in report.compliance
        ],
        "connections": [
            {
                "station": link.station,
                "connects": link.connects,
                "disconnects": link.disconnects,
                "refused": link.refused,
                "offlineS": _s(link.offline_s),
                "reconnectLoops": link.reconnect_loops,
                "heartbeatGaps": link.heartbeat_gaps,
                "longestSilenceS": _s(link.longest_silence_s),
                "firstFrame": _iso(link.first_frame),
                "lastFrame": _iso(link.last_frame),
            }
            for link in report.connections
        ],
        "connectionEpisodes": [
            {
                "kind": e.kind,
                "station": e.station,
                "start": _iso(e.start),
                "end": _iso(e.end),
                "durationS": _s(e.duration_s),
                "connects": e.count,
            }
            for e in report.episodes
        ],
    }


def document(report: Report, source: Row) -> Row:
    """The JSON document: what was read (`source`: path, format, frames, skipped, …),
    whether it was empty, the totals, the tables and what the bounds left off."""
    sessions = report.sessions
    completed = [s for s in sessions if s.completed]
    return {
        "version": VERSION,
        "source": source,
        "empty": report.empty,
        "note": "no frames in this source" if report.empty else None,
        "from": _iso(report.first),
        "to": _iso(report.last),
        "summary": {
            "stations": report.stations,
            "sessions": len(sessions),
            "completedSessions": len(completed),
            "energyKwh": _kwh(sum(s.energy_wh or 0.0 for s in completed)),
            "faults": len(report.faults),
            "complianceFindings": len(report.compliance),
        },
        "tables": tables(report),
        "leftOff": report.left_off,
    }
