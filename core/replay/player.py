"""The player: a recording as a seekable sequence of frames folded into a fresh projection.

Indexing takes the source in one pass: each frame goes to the spool (on disk,
in time order) and, while the frames come in time order (a recording always
does), is folded at once, noting its request/answer partner and whether it is
worth jumping to (errors, faults, rejected tags, transaction starts), with a
checkpoint of the projection every CHECKPOINT_EVERY frames. A source out of
time order (event logs) is spooled whole, put in order, then folded. Moving
anywhere costs one checkpoint load and at most CHECKPOINT_EVERY folds, and
memory stays flat whatever the recording's size.
"""

from __future__ import annotations

import bisect
import shutil
import tempfile
import weakref
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from ..model.projection import Projection, fold
from ..wire.frame import Frame, Kind
from ..wire.join import Joiner
from .checkpoints import Checkpoints
from .marks import Mark, mark_of
from .spool import REPORT_EVERY, Spool

# Frames between checkpoints: a far seek folds at most this many after loading one.
# Fewer checkpoints index faster and take less disk; each is a few hundred kB.
CHECKPOINT_EVERY = 10_000
_PENDING_CALLS = 100_000  # unanswered calls remembered while pairing
_NO_PARTNER = -1


@dataclass(frozen=True, slots=True)
class Progress:
    """How far indexing has come: `done` of `total` frames (total unknown while reading),
    and `share` of the stage done, 0 to 1, when that can be told."""

    stage: str
    done: int
    total: int | None = None
    share: float | None = None

    def describe(self) -> str:
        """In words, e.g. "indexing 120,000 frames · 42%" (the share when it is known)."""
        of = f" of {self.total:,}" if self.total else ""
        text = f"{self.stage} {self.done:,}{of} frames"
        return text if self.share is None else f"{text} · {self.share:.0%}"


class IndexClosed(Exception):
    """The player was closed while it indexed."""


class _Indexer:
    """Folds frames in play order, noting partners and marks and saving checkpoints."""

    def __init__(self, checkpoints: Checkpoints) -> None:
        self.projection = Projection()
        self.partners = array("q")
        self.marks: list[tuple[int, Mark]] = []
        self._joins: Joiner[int] = Joiner(_PENDING_CALLS, stationless=True)
        self._checkpoints = checkpoints
        checkpoints.save(0, self.projection)

    def take(self, frame: Frame) -> None:
        """Fold the next frame."""
        position = len(self.partners)
        self.partners.append(_NO_PARTNER)
        facts = self.projection.apply(frame)
        kind = frame.kind
        partner = None
        if kind is Kind.CALL:
            partner = self._joins.call(frame, position)
        elif kind is Kind.RESULT or kind is Kind.ERROR:
            partner = self._joins.answer(frame, position)
        if partner is not None:
            self.partners[position], self.partners[partner] = partner, position
        mark = mark_of(frame, facts)
        if mark is not None:
            self.marks.append((position, mark))
        folded = position + 1
        if folded % self._checkpoints.every == 0:
            self._checkpoints.save(folded, self.projection)


def _quiet(_: Progress) -> None:
    pass


class Player:
    """A recording indexed for playback; `position` frames of it are folded into `projection`."""

    def __init__(self, name: str = "recording") -> None:
        self.name = name
        self._dir = Path(tempfile.mkdtemp(prefix="ocppdeck-replay-"))
        # The spool goes with the player even if nobody calls close (a crash, a test).
        self._cleanup = weakref.finalize(self, shutil.rmtree, self._dir, ignore_errors=True)
        self._spool = Spool(self._dir / "frames.spool")
        self._checkpoints = Checkpoints(self._dir, CHECKPOINT_EVERY)
        self._partners = array("q")
        self.marks: list[tuple[int, Mark]] = []
        self.projection = Projection()
        self.position = 0
        self._closed = False

    # --- indexing ---------------------------------------------------------
    def index(
        self, frames: Iterable[Frame], progress: Callable[[Progress], None] | None = None
    ) -> None:
        """Take in the whole source: spool, order by time, fold, pair, mark and checkpoint.

        Raises IndexClosed when `close` is called meanwhile (from another thread)."""
        report = progress or _quiet
        try:
            indexer = self._take_in(frames, report)
            self._checkpoints.flush()
        except BaseException as exc:
            self._checkpoints.abandon()
            if isinstance(exc, Exception) and self._closed:
                raise IndexClosed(self.name) from None  # its files went from under it
            raise
        self._partners, self.marks = indexer.partners, indexer.marks
        self.projection = Projection()
        self.position = 0

    def _take_in(self, frames: Iterable[Frame], report: Callable[[Progress], None]) -> _Indexer:
        spool = self._spool
        indexer: _Indexer | None = _Indexer(self._checkpoints)
        report(Progress("indexing", 0))
        for count, frame in enumerate(frames, 1):
            spool.append(frame)
            if indexer is not None:
                if spool.in_order:
                    indexer.take(frame)
                else:
                    indexer = None  # out of time order: fold once it is sorted
            if count % REPORT_EVERY == 0:
                self._check_open()
                report(Progress("indexing", count))
        spool.finish()
        return indexer if indexer is not None else self._fold_in_order(report)

    def _fold_in_order(self, report: Callable[[Progress], None]) -> _Indexer:
        """Event logs come unordered: play them by their own time."""
        spool = self._spool
        total = len(spool)

        def ordering(done: int, _: int) -> None:
            self._check_open()
            report(Progress("ordering", done, total, done / total))

        spool.put_in_order(ordering)
        indexer = _Indexer(self._checkpoints)
        for count, frame in enumerate(spool.scan(0), 1):
            indexer.take(frame)
            if count % REPORT_EVERY == 0:
                self._check_open()
                report(Progress("folding", count, total, count / total))
        return indexer

    def _check_open(self) -> None:
        if self._closed:
            raise IndexClosed(self.name)

    # --- reading ------------------------------------------------------------
    def __len__(self) -> int:
        """Frames in the recording."""
        return len(self._spool)

    def frame(self, position: int) -> Frame:
        """The frame at a position (0-based, in play order)."""
        return self._spool.frame(position)

    def frames(self) -> Iterator[Frame]:
        """Every frame in play order, on a reader of its own: safe in another thread."""
        return self._spool.scan(0)

    def partner_position(self, position: int) -> int | None:
        """The position of a frame's request or answer, if the recording has it."""
        found = self._partners[position] if 0 <= position < len(self._partners) else -1
        return None if found == _NO_PARTNER else found

    def time_at(self, position: int) -> float:
        """The time of the frame at a position."""
        return self._spool.time_at(position)

    @property
    def start_time(self) -> float | None:
        """Time of the first frame."""
        return self._spool.time_at(0) if len(self._spool) else None

    @property
    def end_time(self) -> float | None:
        """Time of the last frame."""
        return self._spool.time_at(len(self._spool) - 1) if len(self._spool) else None

    # --- moving -------------------------------------------------------------
    def seek(self, position: int) -> None:
        """Make the state that after folding the first `position` frames."""
        position = max(0, min(len(self), position))
        if position >= self.position and position - self.position <= CHECKPOINT_EVERY:
            self._advance(position)
            return
        base = self._checkpoints.base(position)
        if not (self.position >= base and position >= self.position):
            self.projection = self._checkpoints.load(base)
            self.position = base
        self._advance(position)

    def _advance(self, position: int) -> None:
        if position <= self.position:
            return
        frames = islice(self._spool.scan(self.position), position - self.position)
        fold(frames, self.projection)
        self.position = position

    def step(self, frames: int = 1) -> None:
        """Move forward (or back, when negative) by some frames."""
        self.seek(self.position + frames)

    def position_at(self, ts: float) -> int:
        """How many frames happened at or before a time."""
        return self._spool.position_at(ts)

    def next_mark(self, kinds: set[Mark] | None = None) -> int | None:
        """The position just past the next marked frame after the current one."""
        i = bisect.bisect_left(self.marks, (self.position, Mark.ERROR))
        for position, mark in self.marks[i:]:
            if position >= self.position and (kinds is None or mark in kinds):
                return position + 1
        return None

    def previous_mark(self, kinds: set[Mark] | None = None) -> int | None:
        """The position just past the previous marked frame before the current one."""
        i = bisect.bisect_left(self.marks, (self.position - 1, Mark.ERROR))
        for position, mark in reversed(self.marks[:i]):
            if kinds is None or mark in kinds:
                return position + 1
        return None

    def close(self) -> None:
        """Remove the spool and checkpoints; an index under way stops."""
        self._closed = True
        self._spool.close()
        self._cleanup()
