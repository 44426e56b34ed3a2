"""Checkpoints: the projection as it stood every so many frames, on disk, small.

A projection's bulk is its meter histories (rows of time, energy and power
as doubles). Pickled as they are, a 1M-frame recording's checkpoints took
1 GB. Each history is stored by column instead, byte plane by byte plane
(the same byte of every timestamp side by side, then the next...): times
that step evenly and meters that climb slowly then hold long runs of equal
bytes, which the fastest zlib level shrinks about twenty times.

A forked child pickles, compresses and writes each checkpoint (core/disk/forked.py):
the fold goes on meanwhile, paying for the fork alone (about 1 ms) rather than the
pickle (about 20 ms of a 200-station recording, holding the interpreter, so the
console's screen too), and the pickle's buffers are the child's. Where there is no
fork, a thread compresses and writes (zlib lets go of the GIL) after the fold has
pickled. One checkpoint is in writing at a time.
"""

from __future__ import annotations

import copyreg
import io
import pickle
import threading
import zlib
from pathlib import Path
from typing import Any

from ..disk.forked import FORKS, Forked, ForkedError, forked_result
from ..model.projection import Projection
from ..model.state import MeterHistory

_ROW = 24  # bytes per history row: three doubles
_LEVEL = 1  # zlib: the fastest; byte planes already did most of the work


def _by_planes(history: MeterHistory) -> tuple[Any, tuple[bytes]]:
    rows = history.to_bytes()
    return _history_from_planes, (b"".join(rows[i::_ROW] for i in range(_ROW)),)


def _history_from_planes(planes: bytes) -> MeterHistory:
    count = len(planes) // _ROW
    rows = bytearray(len(planes))
    for i in range(_ROW):
        rows[i::_ROW] = planes[i * count : (i + 1) * count]
    return MeterHistory.from_bytes(bytes(rows))


_DISPATCH = {**copyreg.dispatch_table, MeterHistory: _by_planes}


def _pickled(projection: Projection) -> io.BytesIO:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(projection)
    return buffer


def _write(path: Path, pickled: io.BytesIO) -> None:
    path.write_bytes(zlib.compress(pickled.getbuffer(), _LEVEL))


class Checkpoints:
    """Projections saved at multiples of `every` frames in a folder, loaded back by position.

    Used by one thread at a time (the one indexing, then the one seeking)."""

    def __init__(self, folder: Path, every: int) -> None:
        self.folder = folder
        self.every = every
        self._child: Forked[None] | None = None
        self._writer: threading.Thread | None = None
        self._failed: BaseException | None = None

    def _path(self, position: int) -> Path:
        return self.folder / f"checkpoint-{position // self.every:08d}.zpickle"

    def save(self, position: int, projection: Projection) -> None:
        """Keep the projection as it is after `position` frames (a multiple of `every`)."""
        self.flush()
        path = self._path(position)
        if FORKS:
            # The child has the projection as it was at the fork, whatever the fold does next.
            self._child = forked_result(lambda: _write(path, _pickled(projection)), collect=False)
            return
        self._writer = threading.Thread(
            target=self._write,
            args=(path, _pickled(projection)),
            name="replay-checkpoint",
            daemon=True,  # a process quitting mid-index does not wait for its checkpoints
        )
        self._writer.start()

    def _write(self, path: Path, pickled: io.BytesIO) -> None:
        try:
            _write(path, pickled)
        except BaseException as exc:  # raised in the folding thread, by the next flush
            self._failed = exc

    def flush(self) -> None:
        """Wait until every checkpoint saved is on disk; raises what writing one raised
        (OSError from a forked child)."""
        if self._child is not None:
            child, self._child = self._child, None
            try:
                child.result()
            except ForkedError as exc:
                raise OSError(f"a replay checkpoint could not be written: {exc}") from None
        if self._writer is not None:
            self._writer.join()
            self._writer = None
        if self._failed is not None:
            failed, self._failed = self._failed, None
            raise failed

    def abandon(self) -> None:
        """Stop writing the checkpoint under way, if any (indexing gave up)."""
        if self._child is not None:
            child, self._child = self._child, None
            child.kill()

    def base(self, position: int) -> int:
        """The position of the last checkpoint at or before `position`."""
        return position - position % self.every

    def load(self, position: int) -> Projection:
        """A fresh copy of the projection saved at `position` (a multiple of `every`)."""
        self.flush()
        # Only this player's own files, in its private temporary folder, are unpickled.
        found = pickle.loads(zlib.decompress(self._path(position).read_bytes()))
        if not isinstance(found, Projection):
            raise TypeError(f"checkpoint {position} holds no projection")
        return found
