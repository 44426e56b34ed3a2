"""The collector as `ocppdeck serve` and the console tune it (core/collector.py): what
survives a full collection is left out of later ones, garbage cycles among those
objects are still freed once the frozen set has doubled, and leaving a run gives
Python's collector back as it was."""

from __future__ import annotations

import gc
import weakref
from collections import deque

from ocppdeck.core.collector import YOUNG_THRESHOLD, collect_due, tuned


class Node:
    """Half of a reference cycle: only the cyclic collector can free it."""

    __slots__ = ("__weakref__", "other")

    def __init__(self) -> None:
        self.other: Node | None = None


def pairs(count: int) -> list[Node]:
    """`count` two-node cycles (one node of each kept)."""
    kept = []
    for _ in range(count):
        a, b = Node(), Node()
        a.other, b.other = b, a
        kept.append(a)
    return kept


def test_what_survives_a_full_collection_is_left_out_of_later_ones() -> None:
    with tuned() as collector:
        collector.settle()
        start = gc.get_freeze_count()
        live = pairs(10_000)
        gc.collect()
        # The survivors are frozen: later full collections no longer walk them.
        assert gc.get_freeze_count() >= start + 20_000
        assert all(node.other is not None for node in live)
    assert gc.get_freeze_count() == 0  # leaving the run unfreezes everything


def test_cycles_among_frozen_objects_are_swept_once_the_frozen_set_doubles() -> None:
    with tuned(sweep_min_s=0) as collector:
        collector.settle()
        gc.disable()  # only the collections below: none of their own while the pairs are made
        try:
            live = pairs(collector.swept_at * 2)  # enough to more than double the frozen set
        finally:
            gc.enable()
        freed = []
        watch = weakref.finalize(live[0], freed.append, True)
        gc.collect()  # frozen with their survivors
        del live  # now garbage, but frozen: reference counting cannot free cycles
        gc.collect()
        assert not freed
        assert collector.sweeps == 1  # the frozen set doubled: the next collection sweeps
        gc.collect()
        assert freed == [True]
        assert not watch.alive


def test_leaving_a_run_restores_the_thresholds() -> None:
    before = gc.get_threshold()
    with tuned():
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    assert gc.get_threshold() == before


def test_in_a_steady_state_the_young_generation_is_still_collected() -> None:
    """Each new object replaces an old one (a bounded history at its bound): Python's
    count of allocations minus deallocations stays low, so it never collects, and the
    young generation fills with survivors until a collection stops the loop for long.
    `collect_due` (the engine calls it twice a second) collects it anyway."""
    with tuned() as collector:
        window: deque[list[int]] = deque(([n] for n in range(30_000)), maxlen=30_000)
        collector.settle()  # the window's lists are old now
        for n in range(30_000):
            window.append([n])  # in with a new one, out with an old one
        assert len(gc.get_objects(0)) > YOUNG_THRESHOLD  # Python's rule never fired
        collect_due()
        assert len(gc.get_objects(0)) < 100
        assert len(window) == 30_000
