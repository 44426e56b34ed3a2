"""Injected time: every timestamp in the core comes from a Clock."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """A source of wall-clock time as epoch seconds (UTC)."""

    def now(self) -> float: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that only moves when told to: for tests, snapshots and replays."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def set(self, value: float) -> None:
        """Jump to an absolute time."""
        self._now = value


def to_iso(ts: float) -> str:
    """Epoch seconds to an OCPP timestamp (UTC, millisecond precision, `Z`)."""
    dt = datetime.fromtimestamp(ts, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> float | None:
    """An OCPP/ISO-8601 timestamp to epoch seconds; None when it cannot be read.

    A timestamp without an offset is taken as UTC, as chargers in the field send it.
    """
    if not isinstance(text, str) or not text:
        return None
    try:
        dt = datetime.fromisoformat(text)  # Python 3.11 reads "Z" itself
    except ValueError:
        try:
            dt = datetime.fromisoformat(text.replace("z", "+00:00"))
        except ValueError:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()
