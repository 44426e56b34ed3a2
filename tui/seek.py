"""What the replay's "go to" prompt understands. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from ..core.clock import parse_iso

_OFFSET = re.compile(r"^([+-])\s*(\d+(?:\.\d+)?)\s*([smh]?)$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True, slots=True)
class SeekTarget:
    """A time (epoch seconds) or a frame position to go to."""

    time: float | None = None
    frame: int | None = None


def parse_seek(text: str, now: float) -> SeekTarget:
    """Read `#1200`, `+30s` / `-5m` / `+1h`, `HH:MM[:SS[.fff]]` (UTC, the day of `now`)
    or a full ISO-8601 time. Raises ValueError saying what is understood."""
    text = text.strip()
    if text.startswith("#"):
        if not text[1:].isdigit():
            raise ValueError(f"{text!r}: a frame is # and a number, like #1200")
        return SeekTarget(frame=int(text[1:]))
    offset = _OFFSET.match(text)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        return SeekTarget(time=now + sign * float(offset.group(2)) * _UNIT[offset.group(3)])
    clock = _CLOCK.match(text)
    if clock:
        hours, minutes = int(clock.group(1)), int(clock.group(2))
        seconds = int(clock.group(3) or 0)
        fraction = float(f"0.{clock.group(4)}") if clock.group(4) else 0.0
        if hours > 23 or minutes > 59 or seconds > 59:
            raise ValueError(f"{text!r} is not a time of day")
        day = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return SeekTarget(time=day.timestamp() + hours * 3600 + minutes * 60 + seconds + fraction)
    ts = parse_iso(text)
    if ts is None:
        raise ValueError(f"{text!r}: try 10:42:05, 2024-05-01T10:42:05Z, +30s, -5m or #1200")
    return SeekTarget(time=ts)
