"""The kinds of value a scenario field may hold, each a checker: value in, typed value
out, or FieldError saying what was expected."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .durations import DurationError, parse_duration

Checker = Callable[[Any], Any]
# Bounds on what a file may ask for, so a typo cannot make a station send a flood.
MAX_CONNECTORS = 32
MAX_POWER_W = 1_000_000.0
MAX_TEXT = 65_536
MAX_FIRMWARE = 50  # BootNotification's firmwareVersion, in every version


class FieldError(ValueError):
    """A value of the wrong kind; the message says what was expected."""


def text(value: Any) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise FieldError(f"expected a non-empty string, got {value!r}")
    return value


def statuses(value: Any) -> tuple[str, ...]:
    """A status, or an array of the statuses any of which will do."""
    if isinstance(value, list) and value:
        return tuple(text(item) for item in value)
    return (text(value),)


def firmware(value: Any) -> str:
    """A firmware version: a non-empty string of at most 50 characters (OCPP's limit)."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_FIRMWARE:
        raise FieldError(f"expected a firmware version of 1 to {MAX_FIRMWARE} characters")
    return value


def raw_text(value: Any) -> str:
    """Any string, empty included: what a malformed frame may be."""
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise FieldError(f"expected a string, got {value!r}")
    return value


def flag(value: Any) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        raise FieldError(f"expected true or false, got {value!r}")
    return value


def connector(value: Any) -> int:
    """A connector (2.x: EVSE) number from 1."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CONNECTORS:
        raise FieldError(f"expected a connector number from 1 to {MAX_CONNECTORS}, got {value!r}")
    return value


def power(value: Any) -> float:
    """Watts, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldError(f"expected a power in W, got {value!r}")
    if not 0 <= value <= MAX_POWER_W:
        raise FieldError(f"expected a power from 0 to {MAX_POWER_W:g} W, got {value!r}")
    return float(value)


def energy(value: Any) -> float:
    """Wh, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise FieldError(f"expected an energy in Wh (0 or more), got {value!r}")
    return float(value)


def duration(value: Any) -> float:
    """A duration such as "5s" (never negative)."""
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise FieldError(str(exc)) from None


def positive_duration(value: Any) -> float:
    """A duration longer than zero."""
    seconds = duration(value)
    if seconds <= 0:
        raise FieldError(f"expected a duration longer than 0, got {value!r}")
    return seconds


def signed_duration(value: Any) -> float:
    """A duration that may start with "-" (a clock behind)."""
    try:
        return parse_duration(value, signed=True)
    except DurationError as exc:
        raise FieldError(str(exc)) from None


def table(value: Any) -> dict[str, Any]:
    """A TOML table (inline or not)."""
    if not isinstance(value, dict):
        raise FieldError(f"expected a table like {{ key = value }}, got {value!r}")
    return value


def array(value: Any) -> list[Any]:
    """A TOML array: an OCPP-J message written as TOML."""
    if not isinstance(value, list):
        raise FieldError(f"expected an array, got {value!r}")
    return value


def id_tag(value: Any) -> dict[str, Any]:
    """An id tag as the operator keeps it: { idTag = "T", status = "Blocked", expiry = … }."""
    allowed = {"idTag", "status", "parent", "expiry", "type"}
    if not isinstance(value, dict) or not isinstance(value.get("idTag"), str):
        raise FieldError(
            f'expected a table like {{ idTag = "TAG-1", status = "Blocked" }}, got {value!r}'
        )
    if unknown := set(value) - allowed:
        raise FieldError(
            f"unknown id tag field(s) {', '.join(sorted(unknown))}: of {', '.join(sorted(allowed))}"
        )
    return value


def profile(value: Any) -> tuple[tuple[float, float], ...]:
    """A power profile: [{ power_w = 11000, for = "10m" }, ...] as (W, seconds) pairs."""
    if not isinstance(value, list) or not value:
        raise FieldError('expected a list like [{ power_w = 11000, for = "10m" }]')
    parts = []
    for part in value:
        if not isinstance(part, dict) or set(part) != {"power_w", "for"}:
            raise FieldError(f'each part of a profile is {{ power_w = W, for = "D" }}: {part!r}')
        parts.append((power(part["power_w"]), positive_duration(part["for"])))
    return tuple(parts)
