"""The scenario's clock: what time it is for its stations, and how its timeline waits.

`RealPace` is the wall clock. `FastPace` keeps a ManualClock that jumps to each
step's time, waiting only `seconds / speed` of real time (nothing at speed inf), so
a day-long timeline runs in moments while every timestamp a station sends moves as
it would. Waits for the CSMS (answers, commands) are always real time.
"""

from __future__ import annotations

import asyncio
import math
from typing import Protocol

from ..clock import Clock, ManualClock, SystemClock


class Pace(Protocol):
    """A clock and the timeline's waits on it."""

    clock: Clock

    async def until(self, when: float) -> None:
        """Wait until the clock reads `when` (epoch seconds); at once if it is past."""
        ...


class RealPace:
    """Wall-clock time."""

    def __init__(self) -> None:
        self.clock: Clock = SystemClock()

    async def until(self, when: float) -> None:
        """Sleep until the wall clock reads `when`."""
        await asyncio.sleep(max(0.0, when - self.clock.now()))


class FastPace:
    """Simulated time, `speed` times faster than real (inf: no waiting at all)."""

    def __init__(self, start: float, speed: float = math.inf) -> None:
        if speed <= 0:
            raise ValueError("speed must be more than 0")
        self._manual = ManualClock(start)
        self.clock: Clock = self._manual
        self.speed = speed

    async def until(self, when: float) -> None:
        """Move the clock to `when`, after (when - now) / speed real seconds."""
        ahead = when - self._manual.now()
        if ahead <= 0:
            return
        await asyncio.sleep(0 if math.isinf(self.speed) else ahead / self.speed)
        self._manual.set(when)


def pace_for(speed: float) -> Pace:
    """Wall-clock time at speed 1; simulated time `speed` times faster otherwise (0 or
    less: no waiting at all)."""
    if speed == 1:
        return RealPace()
    return FastPace(SystemClock().now(), math.inf if speed <= 0 else speed)
