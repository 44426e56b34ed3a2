"""How values read on screen: times in UTC, energy in kWh, power in kW. Pure."""

from __future__ import annotations

from datetime import UTC, datetime


def clock_time(ts: float | None) -> str:
    """HH:MM:SS in UTC, or a dash."""
    if ts is None:
        return "—"
    return datetime.fromtimestamp(ts, UTC).strftime("%H:%M:%S")


def precise_time(ts: float) -> str:
    """HH:MM:SS.mmm in UTC, for the frame log."""
    dt = datetime.fromtimestamp(ts, UTC)
    return dt.strftime("%H:%M:%S.") + f"{dt.microsecond // 1000:03d}"


def full_time(ts: float | None) -> str:
    """YYYY-MM-DD HH:MM:SS.mmm UTC, for the inspector."""
    if ts is None:
        return "—"
    dt = datetime.fromtimestamp(ts, UTC)
    return dt.strftime("%Y-%m-%d %H:%M:%S.") + f"{dt.microsecond // 1000:03d} UTC"


def kwh(wh: float | None) -> str:
    """Energy in kWh with three decimals, or a dash."""
    return "—" if wh is None else f"{wh / 1000:,.3f} kWh"


def kw(watts: float | None) -> str:
    """Power in kW with one decimal, or a dash."""
    return "—" if watts is None else f"{watts / 1000:.1f} kW"
