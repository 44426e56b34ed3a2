"""The frame log: the newest frames in memory, indexed for the console.

Frames are addressed by position (0 = first frame ever appended), so a view
can hold positions while old frames fall out of the window. The whole
history stays in the recording; this is what the console scrolls and joins.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

import orjson

from .frame import Direction, Frame, Kind, decode, encode


def _join_key(frame: Frame) -> str:
    """Station, direction of the CALL and message id, as one string."""
    call_dir = frame.direction
    if frame.kind is not Kind.CALL:
        call_dir = Direction.OUT if frame.direction is Direction.IN else Direction.IN
    return f"{frame.station}\x1f{call_dir.value}\x1f{frame.unique_id}"


class FrameWindow(Protocol):
    """What the frame-log pane reads: positions from `base` to `len()`, and joins."""

    base: int

    def __len__(self) -> int: ...

    def get(self, pos: int) -> Frame | None: ...

    def partner(self, frame: Frame) -> Frame | None: ...


class FrameLog:
    """A bounded, append-only window of frames with request/answer joins.

    Frames are kept encoded (about 300 bytes each, and bytes are no work for
    the garbage collector) and decoded on demand through a small cache, so
    the default window of 200,000 frames stays near 60 MB however long the
    run. Older frames are in the recording.
    """

    def __init__(self, capacity: int = 200_000, cache_size: int = 4096) -> None:
        self.capacity = capacity
        self._lines: list[bytes] = []
        self.base = 0  # position of self._lines[0]
        # Join keys are flat strings, not tuples: nothing here for the GC to walk.
        self._calls: dict[str, int] = {}
        self._answers: dict[str, int] = {}
        self._cache: OrderedDict[int, Frame] = OrderedDict()
        self._cache_size = cache_size

    def __len__(self) -> int:
        """Positions handed out so far (one past the newest)."""
        return self.base + len(self._lines)

    def append(self, frame: Frame, line: bytes | None = None) -> None:
        """Add the newest frame; `line` is its encoding when the caller has it already."""
        pos = len(self)
        self._lines.append(encode(frame) if line is None else line)
        if frame.kind is Kind.CALL:
            self._calls[_join_key(frame)] = pos
        elif frame.kind is Kind.RESULT or frame.kind is Kind.ERROR:
            self._answers[_join_key(frame)] = pos
        self._remember(pos, frame)
        if len(self._lines) > self.capacity:
            self._trim()

    def _remember(self, pos: int, frame: Frame) -> None:
        self._cache[pos] = frame
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _trim(self) -> None:
        # Drop a tenth at a time so the index rebuild is paid rarely.
        drop = max(1, self.capacity // 10)
        del self._lines[:drop]
        self.base += drop
        self._calls = {k: p for k, p in self._calls.items() if p >= self.base}
        self._answers = {k: p for k, p in self._answers.items() if p >= self.base}

    def get(self, pos: int) -> Frame | None:
        """The frame at a position, or None if it left the window."""
        i = pos - self.base
        if not 0 <= i < len(self._lines):
            return None
        found = self._cache.get(pos)
        if found is None:
            found = decode(self._lines[i])
            self._remember(pos, found)
        else:
            self._cache.move_to_end(pos)
        return found

    def positions(self, start: int = 0) -> range:
        """Positions still in the window, from `start` on."""
        return range(max(start, self.base), len(self))

    def partner(self, frame: Frame) -> Frame | None:
        """The answer of a CALL, or the CALL of an answer, when both are in the window."""
        if frame.kind is Kind.CALL:
            pos = self._answers.get(_join_key(frame))
        elif frame.kind is Kind.RESULT or frame.kind is Kind.ERROR:
            pos = self._calls.get(_join_key(frame))
        else:
            return None
        return None if pos is None else self.get(pos)


@dataclass(frozen=True, slots=True)
class FrameQuery:
    """A frame-log filter: `station:ID`, `action:NAME`, `kind:CALLERROR`, and free words.

    Every term must match (AND); free words match station, action, kind,
    message id and payload text, case-insensitively.
    """

    station: str = ""
    action: str = ""
    kind: str = ""
    words: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> FrameQuery:
        """Read a filter typed by the user."""
        station = action = kind = ""
        words: list[str] = []
        for term in text.split():
            name, sep, value = term.partition(":")
            name = name.lower()
            if sep and value and name in {"station", "st", "s"}:
                station = value.lower()
            elif sep and value and name in {"action", "a"}:
                action = value.lower()
            elif sep and value and name in {"kind", "type", "k"}:
                kind = value.lower()
            else:
                words.append(term.lower())
        return cls(station, action, kind, tuple(words))

    @property
    def empty(self) -> bool:
        """True when the query matches everything."""
        return not (self.station or self.action or self.kind or self.words)

    def matches(self, frame: Frame, partner_action: str = "") -> bool:
        """Does a frame pass? `partner_action` names the CALL an answer belongs to."""
        if self.station and self.station not in frame.station.lower():
            return False
        action = (frame.action if frame.kind is Kind.CALL else partner_action).lower()
        if self.action and self.action not in action:
            return False
        if self.kind and not frame.kind.value.lower().startswith(self.kind):
            return False
        if not self.words:
            return True
        haystack = " ".join(
            (
                frame.station,
                action,
                frame.action,
                frame.kind.value,
                frame.unique_id,
                frame.text,
                orjson.dumps(frame.payload).decode(),
            )
        ).lower()
        return all(w in haystack for w in self.words)
