"""The player's spool: every frame of a recording on disk, in play order, read back by position.

A spool line is a compact JSON array of a frame's fields rather than a
recording line: the spool is private to one player, and the array costs half
the time of a recording line to write and two thirds to read, for each of a
million frames. Only the byte offset and the time of each frame stay in memory.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import orjson

from ..wire.frame import Direction, Frame, Kind

_KIND_BY_VALUE = {k.value: k for k in Kind}
_DIRECTION_BY_VALUE = {d.value: d for d in Direction}
REPORT_EVERY = 10_000  # frames between two reports of progress


def _line(frame: Frame) -> bytes:
    return orjson.dumps(
        (
            frame.ts,
            frame.station,
            frame.direction,
            frame.kind,
            frame.unique_id,
            frame.action,
            frame.payload,
            frame.protocol,
            frame.text,
            frame.seq,
        ),
        option=orjson.OPT_APPEND_NEWLINE,
    )


def _frame(line: bytes) -> Frame:
    ts, station, direction, kind, uid, action, payload, protocol, text, seq = orjson.loads(line)
    return Frame(
        ts,
        station,
        _DIRECTION_BY_VALUE[direction],
        _KIND_BY_VALUE[kind],
        uid,
        action,
        payload,
        protocol,
        text,
        seq,
    )


class Spool:
    """Frames appended once, then read back by position (0-based, in time order)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._out: BinaryIO | None = open(path, "wb")  # noqa: SIM115 - open until `finish`
        self._offsets = array("q")
        self._times = array("d")
        self._end = 0
        self._last = float("-inf")
        self.in_order = True  # every frame so far at or after the one before it
        self._reader: BinaryIO | None = None

    def append(self, frame: Frame) -> None:
        """Write a frame after the others."""
        line = _line(frame)
        if self._out is None:
            raise ValueError("the spool is finished")
        self._out.write(line)
        ts = frame.ts
        if ts < self._last:
            self.in_order = False
        else:
            self._last = ts
        self._offsets.append(self._end)
        self._end += len(line)
        # Last: the length others read while this grows (the console, as it indexes).
        self._times.append(ts)

    def finish(self) -> None:
        """No more frames: the spool is read from now on."""
        if self._out is not None:
            self._out.close()
            self._out = None

    def put_in_order(self, report: Callable[[int, int], None]) -> None:
        """Rewrite the spool in time order (ties keep their order); `report(done, total)`."""
        self.finish()
        times, offsets = self._times, self._offsets
        order = sorted(range(len(times)), key=times.__getitem__)  # stable
        ordered = self._path.with_suffix(".ordered")
        new_offsets = array("q")
        total = len(order)
        with open(self._path, "rb") as src, open(ordered, "wb") as out:
            for done, original in enumerate(order):
                src.seek(offsets[original])
                new_offsets.append(out.tell())
                out.write(src.readline())
                if done % REPORT_EVERY == 0:
                    report(done, total)
        ordered.replace(self._path)
        self._offsets = new_offsets
        self._times = array("d", (times[i] for i in order))
        self.in_order = True

    def __len__(self) -> int:
        return len(self._times)

    def scan(self, start: int) -> Iterator[Frame]:
        """The frames from a position to the end."""
        offsets = self._offsets
        with open(self._path, "rb") as fh:
            if start < len(offsets):
                fh.seek(offsets[start])
            for _, line in zip(range(start, len(offsets)), fh, strict=False):
                yield _frame(line)

    def frame(self, position: int) -> Frame:
        """The frame at a position."""
        if self._reader is None:
            self._reader = open(self._path, "rb")  # noqa: SIM115 - kept for random reads
        self._reader.seek(self._offsets[position])
        return _frame(self._reader.readline())

    def time_at(self, position: int) -> float:
        """The time of the frame at a position."""
        return self._times[position]

    def position_at(self, ts: float) -> int:
        """How many frames happened at or before a time."""
        return bisect.bisect_right(self._times, ts)

    @property
    def size(self) -> int:
        """Bytes on disk."""
        return self._end

    def close(self) -> None:
        """Close the files (the player removes its folder)."""
        self.finish()
        if self._reader is not None:
            self._reader.close()
            self._reader = None
