"""The garbage collector tuned for a long run holding thousands of stations.

A full (generation 2) collection walks every container object alive: with
10,000 stations connected that is close to two million, and the event loop
stops for a second while the collector walks them, so every station waits.
Almost all of those objects live as long as their station: the collector can
free nothing there, it only looks.

So what has survived a full collection is frozen (`gc.freeze()`): later
collections skip it, and a full collection walks only what came after. Frozen
objects are still freed by reference counting when their station leaves; only
garbage cycles among them wait. Those are swept when the frozen set has doubled
since the last sweep (at most once a minute): everything is unfrozen, the next
full collection walks it all once, and it is frozen again. A station that leaves
leaves about 90 objects in cycles, so a fleet that churns is swept now and then;
a steady one never pays for it.

The youngest generation is collected every `YOUNG_THRESHOLD` allocations rather
than 700, so the objects of a call in flight are freed before a collection finds
them alive and promotes them towards the old generation.

Python counts allocations minus deallocations, of any generation, towards that
threshold. A CSMS in its steady state frees an old object (a frame leaving a bounded
history, a closed connection) for about every new one, so the count stays low while
the young generation fills with survivors (10,000 stations connecting left 200,000 in
it), and the collection that comes at last stops the loop for over 100 ms. So a run's
owner calls `collect_due` every `DUE_EVERY_S` (the engine does): the young
generation is collected whatever the count says, and the older ones when theirs are
due, as Python would.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

YOUNG_THRESHOLD = 10_000  # allocations between collections of generation 0 (Python: 700)
SWEEP_MIN_S = 60.0  # a sweep walks everything: at most one a minute, however fast the churn
DUE_EVERY_S = 0.25  # between collections of the young generation in a steady state
MIDDLE_THRESHOLD = 2  # young collections between two of the middle generation (Python: 10)
_tuned = False  # whether a run has tuned the collector (`tuned`): it is the process's


class Collector:
    """Freezes the survivors of each full collection; sweeps when the frozen set doubles."""

    def __init__(self, sweep_min_s: float = SWEEP_MIN_S) -> None:
        # Objects frozen after the last collection that walked everything; 0 until one has.
        self.swept_at = 0
        self.sweeps = 0  # sweeps begun (each unfreezes everything once)
        self.sweep_min_s = sweep_min_s
        self._last_sweep = time.monotonic()

    def settle(self) -> None:
        """Collect everything now and freeze what start-up made (modules, the restored state)."""
        gc.collect()
        gc.freeze()
        self.swept_at = gc.get_freeze_count()

    def after(self, phase: str, info: dict[str, Any]) -> None:
        """A `gc.callbacks` hook: after a full collection, freeze its survivors, or unfreeze
        everything when the frozen set has doubled, so that the next one sweeps it all."""
        if phase != "stop" or info["generation"] != 2:
            return
        now = time.monotonic()
        doubled = self.swept_at and gc.get_freeze_count() > 2 * self.swept_at
        if doubled and now - self._last_sweep >= self.sweep_min_s:
            gc.unfreeze()
            self.swept_at = 0  # the next full collection walks everything
            self.sweeps += 1
            self._last_sweep = now
            return
        gc.freeze()
        if not self.swept_at:
            self.swept_at = gc.get_freeze_count()


def collect_due() -> None:
    """Collect the oldest generation that is due, at least the youngest: what Python does
    when its allocation count passes the threshold, which a steady state never makes it.
    A full collection only when the collector is tuned (something is frozen): untuned,
    Python keeps its own rule for those, which this cannot see."""
    if not gc.isenabled():
        return
    counts, thresholds = gc.get_count(), gc.get_threshold()
    if counts[2] >= thresholds[2] and _tuned:
        gc.collect(2)
    elif counts[1] >= thresholds[1]:
        gc.collect(1)
        if _tuned:
            gc.freeze()
    else:
        gc.collect(0)


@contextmanager
def tuned(sweep_min_s: float = SWEEP_MIN_S) -> Iterator[Collector]:
    """The collector tuned for the duration of a run, then as it was."""
    global _tuned
    collector = Collector(sweep_min_s)
    thresholds = gc.get_threshold()
    _tuned = True
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, thresholds[2])
    gc.callbacks.append(collector.after)
    try:
        yield collector
    finally:
        _tuned = False
        gc.callbacks.remove(collector.after)
        gc.set_threshold(*thresholds)
        gc.unfreeze()
