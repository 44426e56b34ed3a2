"""Marks: the frames a replay can jump to, told by the facts they gave. Pure.

Facts are the same for every version, so `n` / `p` and the timeline's ✕ work
alike on 1.6, 2.0.1, 2.1 and event-log recordings.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from ..model import facts as f
from ..wire.frame import Frame, Kind


class Mark(StrEnum):
    """Frames the transport can jump to."""

    # A CallError, unreadable text, a refused handshake, a fault, a refused id tag.
    ERROR = "error"
    TX_START = "tx"
    # Something an automation did. Named to sort after "error": the mark searches
    # bisect with ERROR as the lowest mark of a position.
    AUTOMATION = "noted"


_ERRORS = (f.CallFailed, f.Malformed, f.Refused, f.Faulted, f.AuthRejected)


def mark_of(frame: Frame, facts: Sequence[f.Fact]) -> Mark | None:
    """Why a frame is worth jumping to, if it is: an error outranks a transaction start."""
    if frame.kind is Kind.AUTOMATION:
        return Mark.AUTOMATION
    started = False
    for fact in facts:
        if isinstance(fact, _ERRORS):
            return Mark.ERROR
        started = started or isinstance(fact, f.TxStarted)
    return Mark.TX_START if started else None
