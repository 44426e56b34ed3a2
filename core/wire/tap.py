"""The wire tap: wraps a websocket so every text frame in and out becomes a Frame.

The `ocpp` library's ChargePoint reads and writes through this object as if
it were the websocket; the tap publishes each message once, as it passes. A
reader that wants the message parsed takes it with `receive`, frame and text
together, so nothing on the way in is parsed twice.

An answer (CALLRESULT / CALLERROR) goes on to the library only when it answers
the call in flight: the CSMS sends one call at a time per station, and the tap
sees it go. Any other answer is a stray. The library would queue it for a caller
that never asks (and recurse once per stray on its next call), so the tap drops
it here: it is recorded as a MALFORMED frame that keeps only a preview of the
text, and core/csms/metrics.py counts it. Everything else goes on to the library,
whose session answers what is unreadable (core/csms/call_errors.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from ..clock import Clock
from .codec import from_wire, preview
from .frame import Direction, Frame, Kind

STRAY_ANSWER = "answers no call in flight"  # the error a dropped answer is recorded with


class Socket(Protocol):
    """What the tap reads and writes: a websocket, or one that paces its reads."""

    async def recv(self) -> str | bytes:
        """The next message."""
        ...

    async def send(self, message: str) -> None:
        """Send one message."""
        ...


class WireTap:
    """A websocket stand-in that captures frames and drops answers to no call in flight."""

    def __init__(
        self,
        ws: Socket,
        station_id: str,
        protocol: str,
        clock: Clock,
        publish: Callable[[Frame], Any],
        before_answer: Callable[[], object] | None = None,
    ) -> None:
        self.ws = ws
        self.station_id = station_id
        self.protocol = protocol
        self._clock = clock
        self._publish = publish
        # Hands what was recorded so far to the OS: a station never holds an answer (a
        # transaction id) whose request a kill -9 could still take from the recording.
        self._before_answer = before_answer
        self._awaited: str | None = None  # message id of the call sent and not yet answered
        self.last_call_answered = False  # its answer came in (the library may not have read it)

    def _frame(self, text: str | bytes, direction: Direction) -> Frame:
        return from_wire(
            text,
            ts=self._clock.now(),
            station=self.station_id,
            direction=direction,
            protocol=self.protocol,
        )

    async def recv(self) -> str | bytes:
        """The next message for the library; stray answers are recorded cut short and dropped."""
        return (await self.receive())[1]

    async def receive(self) -> tuple[Frame, str | bytes]:
        """The next message with its frame, so a reader need not parse it again (a
        MALFORMED frame keeps only a preview: the text is what was sent). Stray answers
        are recorded cut short and dropped."""
        while True:
            text = await self.ws.recv()
            frame = self._frame(text, Direction.IN)
            if frame.kind is Kind.RESULT or frame.kind is Kind.ERROR:
                if frame.unique_id != self._awaited:
                    self._publish(self._stray(frame, text))
                    continue
                self._awaited, self.last_call_answered = None, True
            self._publish(frame)
            return frame, text

    async def send(self, text: str) -> None:
        """Capture, then send, one message to the station."""
        frame = self._frame(text, Direction.OUT)
        self._publish(frame)
        if frame.kind is Kind.CALL:
            self._awaited, self.last_call_answered = frame.unique_id, False
        elif self._before_answer is not None:
            self._before_answer()
        await self.ws.send(text)

    def _stray(self, answer: Frame, text: str | bytes) -> Frame:
        return Frame(
            answer.ts,
            answer.station,
            answer.direction,
            Kind.MALFORMED,
            answer.unique_id,
            "",
            {"error": STRAY_ANSWER, "kind": answer.kind.value},
            answer.protocol,
            preview(text),
        )


def is_stray(frame: Frame) -> bool:
    """Whether a frame records an answer the tap dropped because no call awaited it."""
    return (
        frame.kind is Kind.MALFORMED
        and isinstance(frame.payload, dict)
        and frame.payload.get("error") == STRAY_ANSWER
    )
