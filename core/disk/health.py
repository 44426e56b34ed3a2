"""What fails on disk and since when: loud on the screen, quiet in the log.

A full or read-only data dir must not stop the CSMS. Each writer (recording,
rotation, compression, retention, snapshot, store, transaction ids, command
journal) reports here when a write fails and when one works again, and keeps
trying by itself. The console's title bar and /metrics read this; the log
gets a line when a part starts failing, then at most one a minute while it
still fails, and one when it recovers: never one per frame.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from ..clock import Clock, SystemClock
from .files import Space

log = logging.getLogger("ocppdeck.disk")

LOG_EVERY = 60.0  # seconds between log lines about a part that keeps failing


class Part(StrEnum):
    """A writer of the data dir."""

    RECORDING = "recording"
    ROTATION = "rotation"
    COMPRESSION = "compression"
    RETENTION = "retention"
    SNAPSHOT = "snapshot"
    STORE = "store"
    TRANSACTION_IDS = "transaction_ids"
    COMMAND_JOURNAL = "command_journal"


@dataclass(slots=True)
class Fault:
    """A part that cannot write: the newest error, since when, how often."""

    part: Part
    error: str
    since: float
    logged_at: float
    failures: int = 1


def describe(exc: BaseException) -> str:
    """An error in a few words ("No space left on device"), for a title bar or a log line."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


class DiskHealth:
    """The parts failing now, frames the recording had to drop, and the data dir's size."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()
        self._faults: dict[Part, Fault] = {}
        self.dropped_frames = 0  # never written: the recording's buffer was full
        self.space: Space | None = None  # the newest measure of the data dir

    @property
    def faults(self) -> list[Fault]:
        """The parts failing now, the oldest failure first."""
        return sorted(self._faults.values(), key=lambda f: f.since)

    def failing(self, part: Part) -> bool:
        """Whether the part's last write failed."""
        return part in self._faults

    def failed(self, part: Part, exc: BaseException) -> None:
        """A write of `part` failed; it will be tried again by its owner."""
        now = self.clock.now()
        fault = self._faults.get(part)
        error = describe(exc)
        # An OSError is the disk's doing; anything else is a bug worth its traceback.
        trace = None if isinstance(exc, OSError) else exc
        if fault is None:
            self._faults[part] = Fault(part, error, now, now)
            log.warning(
                "%s: cannot write to the data dir (%s), retrying", part, exc, exc_info=trace
            )
            return
        fault.failures += 1
        fault.error = error
        if now - fault.logged_at >= LOG_EVERY:
            fault.logged_at = now
            log.warning(
                "%s: still cannot write (%s): %d failures in %.0f s, %d frames dropped",
                part,
                exc,
                fault.failures,
                now - fault.since,
                self.dropped_frames,
                exc_info=trace,
            )

    def ok(self, part: Part) -> None:
        """A write of `part` worked: it is no longer failing."""
        fault = self._faults.pop(part, None)
        if fault is not None:
            log.info(
                "%s: writing again after %.0f s (%d failures, %d frames dropped so far)",
                part,
                self.clock.now() - fault.since,
                fault.failures,
                self.dropped_frames,
            )

    def dropped(self, frames: int) -> None:
        """Frames the recording could not keep (counted, shown, never a crash)."""
        self.dropped_frames += frames
