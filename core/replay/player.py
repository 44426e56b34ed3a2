"""The player: a recording as a seekable sequence of frames folded into a fresh projection.

Indexing streams the source once into a spool file in time order, noting
each frame's byte offset, its request/answer partner and the frames worth
jumping to (errors, faults, rejected tags, transaction starts). A checkpoint
of the projection is pickled to disk every CHECKPOINT_EVERY frames, so moving
anywhere costs one unpickle and at most that many folds, and memory stays
flat whatever the recording's size.
"""

from __future__ import annotations

import bisect
import pickle
import shutil
import tempfile
import weakref
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from ..model.facts import Fact
from ..model.projection import Projection, fold
from ..wire.codec import decode, encode
from ..wire.frame import Frame, Kind
from ..wire.join import Joiner
from .marks import Mark, mark_of

CHECKPOINT_EVERY = 5_000
_PENDING_CALLS = 100_000  # unanswered calls remembered while pairing
_NO_PARTNER = -1


@dataclass(frozen=True, slots=True)
class Progress:
    """How far indexing has come."""

    stage: str
    done: int
    total: int | None = None


class Player:
    """A recording indexed for playback; `position` frames of it are folded into `projection`."""

    def __init__(self, name: str = "recording") -> None:
        self.name = name
        self._dir = Path(tempfile.mkdtemp(prefix="ocppdeck-replay-"))
        # The spool goes with the player even if nobody calls close (a crash, a test).
        self._cleanup = weakref.finalize(self, shutil.rmtree, self._dir, ignore_errors=True)
        self._spool_path = self._dir / "frames.jsonl"
        self._offsets = array("q")
        self._times = array("d")
        self._partners = array("q")
        self.marks: list[tuple[int, Mark]] = []
        self.projection = Projection()
        self.position = 0
        self._reader: BinaryIO | None = None

    # --- indexing ---------------------------------------------------------
    def index(
        self, frames: Iterable[Frame], progress: Callable[[Progress], None] | None = None
    ) -> None:
        """Take in the whole source: order by time, pair, mark and checkpoint."""
        report = progress or (lambda _: None)
        raw = self._dir / "raw.jsonl"
        times = array("d")
        offsets = array("q")
        in_order = True
        last = float("-inf")
        with open(raw, "wb") as out:
            for count, frame in enumerate(frames):
                offsets.append(out.tell())
                out.write(encode(frame) + b"\n")
                times.append(frame.ts)
                in_order = in_order and frame.ts >= last
                last = max(last, frame.ts)
                if count % 20_000 == 0:
                    report(Progress("reading", count))
        if in_order:
            raw.replace(self._spool_path)
            self._offsets, self._times = offsets, times
        else:  # event logs come unordered: play them by their own time
            self._reorder(raw, times, offsets, report)
        self._fold_all(report)

    def _reorder(
        self,
        raw: Path,
        times: array[float],
        offsets: array[int],
        report: Callable[[Progress], None],
    ) -> None:
        order = sorted(range(len(times)), key=times.__getitem__)  # stable: ties keep file order
        total = len(order)
        with open(raw, "rb") as src, open(self._spool_path, "wb") as out:
            for position, original in enumerate(order):
                src.seek(offsets[original])
                self._offsets.append(out.tell())
                out.write(src.readline())
                if position % 20_000 == 0:
                    report(Progress("ordering", position, total))
        self._times = array("d", (times[i] for i in order))
        raw.unlink()

    def _fold_all(self, report: Callable[[Progress], None]) -> None:
        total = len(self._offsets)
        self._partners = array("q", [_NO_PARTNER]) * total
        joins: Joiner[int] = Joiner(_PENDING_CALLS, stationless=True)
        projection = Projection()
        self._save_checkpoint(0, projection)
        folded = 0

        def after(frame: Frame, facts: Sequence[Fact]) -> None:
            nonlocal folded
            position = folded
            folded += 1
            self._pair(position, frame, joins)
            mark = mark_of(frame, facts)
            if mark is not None:
                self.marks.append((position, mark))
            if folded % CHECKPOINT_EVERY == 0:
                self._save_checkpoint(folded, projection)
                report(Progress("folding", folded, total))

        fold(self._scan(0), projection, after)
        self.projection = Projection()
        self.position = 0

    def _pair(self, position: int, frame: Frame, joins: Joiner[int]) -> None:
        """Note a frame's request or answer once both have been read."""
        kind = frame.kind
        if kind is Kind.CALL:
            partner = joins.call(frame, position)
        elif kind is Kind.RESULT or kind is Kind.ERROR:
            partner = joins.answer(frame, position)
        else:
            return
        if partner is not None:
            self._partners[position], self._partners[partner] = partner, position

    def _checkpoint_path(self, position: int) -> Path:
        return self._dir / f"checkpoint-{position // CHECKPOINT_EVERY:08d}.pickle"

    def _save_checkpoint(self, position: int, projection: Projection) -> None:
        with open(self._checkpoint_path(position), "wb") as fh:
            pickle.dump(projection, fh, protocol=pickle.HIGHEST_PROTOCOL)

    # --- reading ------------------------------------------------------------
    def __len__(self) -> int:
        """Frames in the recording."""
        return len(self._offsets)

    def _scan(self, start: int) -> Iterator[Frame]:
        with open(self._spool_path, "rb") as fh:
            if start < len(self._offsets):
                fh.seek(self._offsets[start])
            for _ in range(start, len(self._offsets)):
                yield decode(fh.readline())

    def frame(self, position: int) -> Frame:
        """The frame at a position (0-based, in play order)."""
        if self._reader is None:
            self._reader = open(self._spool_path, "rb")  # noqa: SIM115 - kept for random reads
        self._reader.seek(self._offsets[position])
        return decode(self._reader.readline())

    def partner_position(self, position: int) -> int | None:
        """The position of a frame's request or answer, if the recording has it."""
        found = self._partners[position] if 0 <= position < len(self._partners) else -1
        return None if found == _NO_PARTNER else found

    def time_at(self, position: int) -> float:
        """The time of the frame at a position."""
        return self._times[position]

    @property
    def start_time(self) -> float | None:
        """Time of the first frame."""
        return self._times[0] if self._times else None

    @property
    def end_time(self) -> float | None:
        """Time of the last frame."""
        return self._times[-1] if self._times else None

    # --- moving -------------------------------------------------------------
    def seek(self, position: int) -> None:
        """Make the state that after folding the first `position` frames."""
        position = max(0, min(len(self), position))
        if position >= self.position and position - self.position <= CHECKPOINT_EVERY:
            self._advance(position)
            return
        base = (position // CHECKPOINT_EVERY) * CHECKPOINT_EVERY
        with open(self._checkpoint_path(base), "rb") as fh:
            self.projection = pickle.load(fh)
        self.position = base
        self._advance(position)

    def _advance(self, position: int) -> None:
        if position <= self.position:
            return
        fold(islice(self._scan(self.position), position - self.position), self.projection)
        self.position = position

    def step(self, frames: int = 1) -> None:
        """Move forward (or back, when negative) by some frames."""
        self.seek(self.position + frames)

    def position_at(self, ts: float) -> int:
        """How many frames happened at or before a time."""
        return bisect.bisect_right(self._times, ts)

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
        """Remove the spool and checkpoints."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self._cleanup()
