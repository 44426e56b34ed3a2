"""The frame log's filter: what a user types after `/`, read into a query. Pure.

A kind is named by the word the log shows (RESULT, ERROR, CLOSE…) or by the
frame's own kind (CALLRESULT, CALLERROR, DISCONNECTED…), in any case.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from .frame import Frame, Kind

# The word the frame log shows for each kind (seven letters at most: its column).
KIND_LABELS: dict[Kind, str] = {
    Kind.CALL: "CALL",
    Kind.RESULT: "RESULT",
    Kind.ERROR: "ERROR",
    Kind.MALFORMED: "BAD",
    Kind.CONNECTED: "CONNECT",
    Kind.DISCONNECTED: "CLOSE",
    Kind.REFUSED: "REFUSED",
    Kind.SERVER_START: "START",
    Kind.AUTOMATION: "AUTO",
}

_KIND_WORDS: dict[str, Kind] = {
    **{kind.value.lower(): kind for kind in Kind},
    **{label.lower(): kind for kind, label in KIND_LABELS.items()},
}


class QueryError(ValueError):
    """A filter that cannot be read; the message says what would be."""


def kind_named(word: str) -> Kind:
    """The kind a word names (as shown in the log, or the frame kind), in any case."""
    found = _KIND_WORDS.get(word.lower())
    if found is None:
        known = ", ".join(KIND_LABELS.values())
        raise QueryError(f"no kind {word!r}: kinds are {known}")
    return found


@dataclass(frozen=True, slots=True)
class FrameQuery:
    """A frame-log filter: `station:ID`, `action:NAME`, `kind:RESULT`, and free words.

    Every term must match (AND); station and action match a part of the name,
    free words match station, action, kind, message id and payload text,
    case-insensitively.
    """

    station: str = ""
    action: str = ""
    kind: Kind | None = None
    words: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> FrameQuery:
        """Read a filter typed by the user; QueryError when a kind names none."""
        station = action = ""
        kind: Kind | None = None
        words: list[str] = []
        for term in text.split():
            name, sep, value = term.partition(":")
            name = name.lower()
            if sep and value and name in {"station", "st", "s"}:
                station = value.lower()
            elif sep and value and name in {"action", "a"}:
                action = value.lower()
            elif sep and value and name in {"kind", "type", "k"}:
                kind = kind_named(value)
            else:
                words.append(term.lower())
        return cls(station, action, kind, tuple(words))

    @property
    def empty(self) -> bool:
        """True when the query matches everything."""
        return not (self.station or self.action or self.kind or self.words)

    def describe(self) -> str:
        """The query as it can be typed again, kinds in the log's words."""
        parts = [f"station:{self.station}"] if self.station else []
        parts += [f"action:{self.action}"] if self.action else []
        parts += [f"kind:{KIND_LABELS[self.kind]}"] if self.kind else []
        return " ".join([*parts, *self.words])

    def matches(self, frame: Frame, partner_action: str = "") -> bool:
        """Does a frame pass? `partner_action` names the CALL an answer belongs to."""
        if self.station and self.station not in frame.station.lower():
            return False
        action = (frame.action if frame.kind is Kind.CALL else partner_action).lower()
        if self.action and self.action not in action:
            return False
        if self.kind is not None and frame.kind is not self.kind:
            return False
        if not self.words:
            return True
        haystack = " ".join(
            (
                frame.station,
                action,
                frame.action,
                frame.kind.value,
                KIND_LABELS[frame.kind],
                frame.unique_id,
                frame.text,
                orjson.dumps(frame.payload).decode(),
            )
        ).lower()
        return all(w in haystack for w in self.words)
