"""Marks: the frames a replay can jump to, told by the facts they gave. Pure.

Facts are the same for every version, so `n` / `p` and the timeline's ✕ work
alike on 1.6, 2.0.1, 2.1 and event-log recordings.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from ..model import facts as f
from ..model.state import Notice, Topic
from ..wire.frame import Frame, Kind


class Mark(StrEnum):
    """Frames the transport can jump to. Each is named to sort after "error": the mark
    searches bisect with ERROR as the lowest mark of a position."""

    # A CallError, unreadable text, a refused handshake, a fault, a refused id tag, a
    # critical security event.
    ERROR = "error"
    # Something lost: a gap in a transaction's seqNos, a stop whose start is not known.
    LOST = "lost"
    TX_START = "tx"
    # Something an automation did.
    AUTOMATION = "noted"


_ERRORS = (f.CallFailed, f.Malformed, f.Refused, f.Faulted, f.AuthRejected)
_LOST = (f.SeqGap, f.OrphanStop)


def _critical(fact: f.Fact) -> bool:
    """A security event the spec calls critical: a fault, as the report counts it."""
    return isinstance(fact, Notice) and fact.topic is Topic.SECURITY and fact.flag


def mark_of(frame: Frame, facts: Sequence[f.Fact]) -> Mark | None:
    """Why a frame is worth jumping to, if it is: an error outranks a loss, a loss outranks
    a transaction start."""
    if frame.kind is Kind.AUTOMATION:
        return Mark.AUTOMATION
    found: Mark | None = None
    for fact in facts:
        if isinstance(fact, _ERRORS) or _critical(fact):
            return Mark.ERROR
        if isinstance(fact, _LOST):
            found = Mark.LOST
        elif found is None and isinstance(fact, f.TxStarted):
            found = Mark.TX_START
    return found
