"""Durations as scenario files write them: "90s", "5m", "1h30m", "250ms"."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
# Nothing in a scenario needs to wait longer than a day; a typo like "5000h" is refused.
LONGEST_S = 86_400.0


class DurationError(ValueError):
    """A duration that cannot be read; the message says what is expected."""


def parse_duration(text: object, signed: bool = False) -> float:
    """Seconds of a duration like "5s", "2m30s" or "1h"; a leading "-" when `signed`.

    Raises DurationError on anything else (a bare number too: the unit is never guessed).
    """
    expected = 'a duration like "5s", "2m30s", "1h" or "250ms"'
    if not isinstance(text, str):
        raise DurationError(f"expected {expected}, got {text!r}")
    body = text.strip()
    sign = 1.0
    if signed and body.startswith("-"):
        sign, body = -1.0, body[1:]
    parts = list(_PART.finditer(body))
    if not body or "".join(p.group(0) for p in parts) != body:
        raise DurationError(f"expected {expected}, got {text!r}")
    seconds = sum(float(p.group(1)) * _SECONDS[p.group(2)] for p in parts)
    if seconds > LONGEST_S:
        raise DurationError(f"{text!r} is longer than a day")
    return sign * seconds
