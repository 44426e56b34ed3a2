"""The frame log: the newest frames in memory, indexed for the console.

Frames are addressed by position (0 = first frame ever appended), so a view
can hold positions while old frames fall out of the window. The whole
history stays in the recording; this is what the console scrolls and joins.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from typing import Protocol

from .codec import decode, encode
from .frame import Frame, Kind
from .join import Joiner

_NO_PARTNER = -1


class FrameWindow(Protocol):
    """What the frame-log pane reads: positions from `base` to `len()`, and joins."""

    base: int

    def __len__(self) -> int: ...

    def get(self, pos: int) -> Frame | None:
        """The frame at a position, or None when it is not in the window."""
        ...

    def partner(self, pos: int) -> Frame | None:
        """The answer of the CALL at `pos`, or the CALL of the answer there, if in the window."""
        ...


def frame_action(frame: Frame, pos: int, log: FrameWindow) -> str:
    """The action a frame (at `pos`) belongs to: its own for a CALL, its CALL's for an
    answer (a CallError's with its code); an event (a close, an automation) has none."""
    if frame.kind is Kind.CALL:
        return frame.action
    if frame.kind is Kind.RESULT or frame.kind is Kind.ERROR:
        partner = log.partner(pos)
        base = partner.action if partner is not None else "?"
        return f"{base} {frame.action}".strip() if frame.kind is Kind.ERROR else base
    return ""


class FrameLog:
    """A bounded, append-only window of frames with request/answer joins.

    Frames are kept encoded (about 300 bytes each, and bytes are no work for
    the garbage collector) and decoded on demand through a small cache, so
    the default window of 200,000 frames stays near 60 MB however long the
    run. Both the window and the cache are bounded by bytes as well as by
    count (a line's length is its size: no second encoding), so stations
    sending large messages shorten the window instead of growing it. Older
    frames are in the recording. Each position knows its partner's position
    (a flat array), joined as the frames arrive.
    """

    def __init__(
        self,
        capacity: int = 200_000,
        cache_size: int = 4096,
        max_bytes: int = 128 * 1024 * 1024,
        cache_bytes: int = 8 * 1024 * 1024,
    ) -> None:
        self.capacity = capacity
        self.max_bytes = max_bytes
        self.bytes = 0  # encoded size of the frames in the window
        self._lines: list[bytes] = []
        self._partners = array("q")
        self.base = 0  # position of self._lines[0]
        self._joins: Joiner[int] = Joiner(capacity)
        # Decoded frames by position, with their encoded size.
        self._cache: OrderedDict[int, tuple[Frame, int]] = OrderedDict()
        self._cache_size = cache_size
        self._cache_max_bytes = cache_bytes
        self.cache_bytes = 0  # encoded size of the frames in the cache

    def __len__(self) -> int:
        """Positions handed out so far (one past the newest)."""
        return self.base + len(self._lines)

    def append(self, frame: Frame, line: bytes | None = None) -> None:
        """Add the newest frame; `line` is its encoding when the caller has it already."""
        pos = len(self)
        if line is None:
            line = encode(frame)
        size = len(line)
        self._lines.append(line)
        self.bytes += size
        self._partners.append(_NO_PARTNER)
        kind = frame.kind
        if kind is Kind.CALL:
            partner = self._joins.call(frame, pos)
        elif kind is Kind.RESULT or kind is Kind.ERROR:
            partner = self._joins.answer(frame, pos)
        else:
            partner = None
        if partner is not None and partner >= self.base:
            self._partners[pos - self.base] = partner
            self._partners[partner - self.base] = pos
        self._remember(pos, frame, size)
        if len(self._lines) > self.capacity or self.bytes > self.max_bytes:
            self._trim()

    def _remember(self, pos: int, frame: Frame, size: int) -> None:
        cache = self._cache
        cache[pos] = (frame, size)
        held = self.cache_bytes + size
        count, most = self._cache_size, self._cache_max_bytes
        while (len(cache) > count or held > most) and len(cache) > 1:
            held -= cache.popitem(last=False)[1][1]
        self.cache_bytes = held

    def _trim(self) -> None:
        # Drop a tenth of the count, or enough for nine tenths of the bytes, at a time, so
        # the slices are paid rarely; the newest frame always stays.
        lines = self._lines
        count = max(1, self.capacity // 10) if len(lines) > self.capacity else 0
        drop = min(count, len(lines) - 1)
        left = self.bytes - sum(len(line) for line in lines[:drop])
        target = self.max_bytes * 9 // 10
        while left > target and drop < len(lines) - 1:
            left -= len(lines[drop])
            drop += 1
        del lines[:drop]
        del self._partners[:drop]
        self.base += drop
        self.bytes = left

    def get(self, pos: int) -> Frame | None:
        """The frame at a position, or None if it left the window."""
        i = pos - self.base
        if not 0 <= i < len(self._lines):
            return None
        cached = self._cache.get(pos)
        if cached is None:
            line = self._lines[i]
            found = decode(line)
            self._remember(pos, found, len(line))
            return found
        self._cache.move_to_end(pos)
        return cached[0]

    def positions(self, start: int = 0) -> range:
        """Positions still in the window, from `start` on."""
        return range(max(start, self.base), len(self))

    def partner(self, pos: int) -> Frame | None:
        """The answer of a CALL, or the CALL of an answer, when both are in the window."""
        i = pos - self.base
        if not 0 <= i < len(self._partners):
            return None
        found = self._partners[i]
        return None if found == _NO_PARTNER else self.get(found)
