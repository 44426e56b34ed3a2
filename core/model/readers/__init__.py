"""Readers: one per OCPP version (and one for event logs), each turning frames into facts.

A reader is a module with these four functions; the dialect registry
(core/dialects.py) names the reader of each protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ...wire.frame import Frame
from ..facts import Fact, MeterSample


class Reader(Protocol):
    """What the projection asks of a version's reader. Pure functions of frames."""

    def call_facts(self, frame: Frame) -> Sequence[Fact]:
        """Facts a CALL says by itself, before any answer."""
        ...

    def answer_facts(self, call: Frame, answer: Frame) -> Sequence[Fact]:
        """Facts that need a CALL joined to its answer."""
        ...

    def expects_answer(self, call: Frame) -> bool:
        """Whether an answer will come (an event log's notification gets none)."""
        ...

    def stop_samples(self, call: Frame, evse: int) -> Sequence[MeterSample]:
        """Readings a transaction's stop carries, once its EVSE is known."""
        ...
