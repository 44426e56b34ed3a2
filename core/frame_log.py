"""The frame log: the newest frames in memory, indexed for the console.

Frames are addressed by position (0 = first frame ever appended), so a view
can hold positions while old frames fall out of the window. The whole
history stays in the recording; this is what the console scrolls and joins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import orjson

from .frame import Direction, Frame, Kind

_Key = tuple[str, Direction, str]  # (station, direction of the CALL, message id)


def _call_key(frame: Frame) -> _Key:
    if frame.kind is Kind.CALL:
        return (frame.station, frame.direction, frame.unique_id)
    call_dir = Direction.OUT if frame.direction is Direction.IN else Direction.IN
    return (frame.station, call_dir, frame.unique_id)


class FrameWindow(Protocol):
    """What the frame-log pane reads: positions from `base` to `len()`, and joins."""

    base: int

    def __len__(self) -> int: ...

    def get(self, pos: int) -> Frame | None: ...

    def partner(self, frame: Frame) -> Frame | None: ...


class FrameLog:
    """A bounded, append-only window of frames with request/answer joins.

    A frame costs about 1 KB in memory, so the default window (50,000 frames)
    stays near 50 MB however long the run; older frames are in the recording.
    """

    def __init__(self, capacity: int = 50_000) -> None:
        self.capacity = capacity
        self._frames: list[Frame] = []
        self.base = 0  # position of self._frames[0]
        self._calls: dict[_Key, int] = {}
        self._answers: dict[_Key, int] = {}

    def __len__(self) -> int:
        """Positions handed out so far (one past the newest)."""
        return self.base + len(self._frames)

    def append(self, frame: Frame) -> None:
        """Add the newest frame."""
        pos = len(self)
        self._frames.append(frame)
        if frame.kind is Kind.CALL:
            self._calls[_call_key(frame)] = pos
        elif frame.kind is Kind.RESULT or frame.kind is Kind.ERROR:
            self._answers[_call_key(frame)] = pos
        if len(self._frames) > self.capacity:
            self._trim()

    def _trim(self) -> None:
        # Drop a tenth at a time so the index rebuild is paid rarely.
        drop = max(1, self.capacity // 10)
        self._frames = self._frames[drop:]
        self.base += drop
        self._calls = {k: p for k, p in self._calls.items() if p >= self.base}
        self._answers = {k: p for k, p in self._answers.items() if p >= self.base}

    def get(self, pos: int) -> Frame | None:
        """The frame at a position, or None if it left the window."""
        i = pos - self.base
        if 0 <= i < len(self._frames):
            return self._frames[i]
        return None

    def positions(self, start: int = 0) -> range:
        """Positions still in the window, from `start` on."""
        return range(max(start, self.base), len(self))

    def partner(self, frame: Frame) -> Frame | None:
        """The answer of a CALL, or the CALL of an answer, when both are in the window."""
        if frame.kind is Kind.CALL:
            pos = self._answers.get(_call_key(frame))
        elif frame.kind is Kind.RESULT or frame.kind is Kind.ERROR:
            pos = self._calls.get(_call_key(frame))
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
