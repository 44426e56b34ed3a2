"""The title bar's word on the data dir: its size, or what fails to be written there."""

from __future__ import annotations

from rich.text import Text

from ..core.disk.health import DiskHealth
from .formatting import clock_time

_UNITS = ("B", "KB", "MB", "GB", "TB")


def size(n: int) -> str:
    """Bytes for a person: 1.2 MB, 340 KB, 12 GB."""
    value, step = float(n), 0
    while value >= 1000 and step < len(_UNITS) - 1:
        value /= 1000
        step += 1
    unit = _UNITS[step]
    return f"{value:.0f} {unit}" if value >= 10 or unit == "B" else f"{value:.1f} {unit}"


def disk_note(health: DiskHealth) -> Text:
    """`data 12 MB, 40 GB free`; while a write fails, the error in red, since when, and
    what it cost (frames the recording dropped)."""
    faults = health.faults
    dropped = f", {health.dropped_frames} frames not recorded" if health.dropped_frames else ""
    if faults:
        first = faults[0]
        parts = ", ".join(f.part.value for f in faults)
        return Text(
            f"⚠ disk: {first.error} ({parts}) since {clock_time(first.since)}{dropped}",
            style="bold red",
        )
    space = health.space
    shown = "data …" if space is None else f"data {size(space.used)}, {size(space.free)} free"
    return Text(shown + dropped, style="yellow" if dropped else "")
