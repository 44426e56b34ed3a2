"""The frame bus: every source publishes here, every consumer subscribes.

Kept narrow on purpose (publish a frame, subscribe to frames) so a broker can
stand in for it when several CSMS nodes share one stream.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from .frame import Frame

log = logging.getLogger("ocppdeck.bus")

Subscriber = Callable[[Frame], None]


class FrameBus:
    """Numbers frames in publish order and hands each to every subscriber."""

    def __init__(self, next_seq: int = 1) -> None:
        self._subscribers: list[Subscriber] = []
        self.next_seq = next_seq

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add a subscriber; returns a function that removes it."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def publish(self, frame: Frame) -> Frame:
        """Give `frame` the next sequence number and deliver it; returns the numbered frame.

        A failing subscriber is logged and skipped: one broken consumer must not
        stop the recording or the projection.
        """
        f = frame  # the constructor is several times cheaper than dataclasses.replace
        frame = Frame(
            f.ts,
            f.station,
            f.direction,
            f.kind,
            f.unique_id,
            f.action,
            f.payload,
            f.protocol,
            f.text,
            self.next_seq,
        )
        self.next_seq += 1
        for subscriber in self._subscribers:
            try:
                subscriber(frame)
            except Exception:
                log.exception("frame subscriber failed on seq %s", frame.seq)
        return frame
