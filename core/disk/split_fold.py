"""A recording folded on several cores: its stations split between forked processes.

All of the state is kept by station (core/model/state.py), and a station's state
comes from its own frames alone, in their order. So each process reads the whole
source but decodes and folds only its share of the stations (`formats.Share`),
and the states are merged: the same state as one process folding everything, up
to the order of dict keys. Reading (gunzip, splitting lines, finding each line's
station) is done in every process; decoding and folding, nearly all of the time,
are split.

The unanswered calls a projection keeps are bounded as a whole (core/wire/join.py);
split, each process keeps its own, so a file past that bound keeps a little more.

Only where a process can fork (Linux), and for a recording big enough to be worth
it; otherwise one process folds it all, as it does a recording whose lines name their
stations in ways a glance misreads (core/disk/station_share.py).
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from pathlib import Path

from ..model.projection import Projection, fold
from ..model.state import State
from ..wire.frame import Frame
from .forked import FORKS, ForkedError, forked_result
from .formats import (
    MAX_LISTED,
    UNREADABLE,
    ImportReport,
    SourceError,
    read_batches,
    source_files,
)
from .station_share import Misrouted, Share

SPLIT_FROM_BYTES = 4 * 1024 * 1024  # on disk; below, the forks cost more than they save
MAX_JOBS = 16

log = logging.getLogger("ocppdeck.formats")

# What a share's process tells the parent of its reading (bytes the parent read itself).
Counts = tuple[int, list[tuple[str, int, str]], Counter[str]]


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def _quietly() -> Iterator[Callable[[], None]]:
    yield lambda: None


def fold_source(
    path: Path,
    fmt: str | None,
    report: ImportReport,
    jobs: int = 1,
    progress: Callable[[], AbstractContextManager[Callable[[], None]]] = _quietly,
) -> State:
    """The state a source folds into, read in up to `jobs` processes. `progress()` is
    entered once the reading is set up (`report.source_bytes` known, the processes
    forked) and what it gives is called after each batch this process folds: it reads
    the whole source, so `report.bytes_read` goes from 0 to all. Raises SourceError
    when the source cannot be read."""
    probe = ImportReport()
    read_batches(path, fmt, probe)  # checks the source and tells its format; reads nothing
    jobs = min(jobs, MAX_JOBS)
    if (
        jobs >= 2
        and FORKS
        and probe.format == "recording"
        and probe.source_bytes >= SPLIT_FROM_BYTES
    ):
        try:
            return _split(path, report, jobs, progress)
        except Misrouted as exc:
            log.warning("%s: %s; folding it in one process", path, exc)
            report.restart()
    batches = read_batches(path, probe.format, report)
    with progress() as tick:
        return _fold(batches, tick)


def _split(
    path: Path,
    report: ImportReport,
    jobs: int,
    progress: Callable[[], AbstractContextManager[Callable[[], None]]],
) -> State:
    # Forked before progress() may start a thread: a child must not copy its locks.
    children = [forked_result(partial(_share_of, path, Share(n, jobs))) for n in range(1, jobs)]
    try:
        batches = read_batches(path, "recording", report, Share(0, jobs))
        with progress() as tick:
            parts = [_fold(batches, tick)]
        order = [file.name for file in source_files(path)]
        for child in children:
            done = child.result()
            if isinstance(done, Misrouted):
                raise done
            state, counts = done
            parts.append(state)
            _add(report, counts, order)
    except ForkedError as exc:
        raise SourceError(f"reading in {jobs} processes failed: {exc}") from None
    finally:
        for child in children:
            child.kill()
    return merged(parts)


def _fold(batches: Iterable[list[Frame]], tick: Callable[[], None]) -> State:
    projection = Projection()
    for batch in batches:
        fold(batch, projection)
        tick()
    return projection.state


def _share_of(path: Path, share: Share) -> tuple[State, Counts] | Misrouted:
    """In a forked process: the state of one share, and what its reading met. A file's
    unreadable tail is left to share 0, which reads the same bytes: said once."""
    logging.disable(logging.CRITICAL)
    report = ImportReport()
    try:
        state = _fold(read_batches(path, "recording", report, share), lambda: None)
    except Misrouted as exc:
        return exc
    reasons = report.reasons.copy()
    del reasons[UNREADABLE]
    skipped = [skip for skip in report.skipped if not skip[2].startswith(UNREADABLE)]
    return state, (report.frames, skipped, reasons)


def _add(report: ImportReport, counts: Counts, order: list[str]) -> None:
    """Add a share's frames and skips to the parent's report, skips in file order."""
    frames, skipped, reasons = counts
    report.frames += frames
    report.reasons.update(reasons)
    place = {name: n for n, name in enumerate(order)}
    listed = sorted([*report.skipped, *skipped], key=lambda s: (place.get(s[0], -1), s[1]))
    report.skipped[:] = listed[:MAX_LISTED]


def merged(parts: list[State]) -> State:
    """One state of the states of disjoint shares of stations."""
    state = State()
    for part in parts:
        state.stations.update(part.stations)
        state.transactions.update(part.transactions)
        state.open.update(part.open)
        state.by_station.update(part.by_station)
        state.frames += part.frames
        state.server_started_at = _latest(state.server_started_at, part.server_started_at)
        state.last_ts = _latest(state.last_ts, part.last_ts)
    return state


def _latest(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else max(a, b)
