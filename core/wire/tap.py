"""The wire tap: wraps a websocket so every text frame in and out becomes a Frame.

The `ocpp` library's ChargePoint reads and writes through this object as if
it were the websocket; the tap publishes each message once, as it passes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocpp.exceptions import OCPPError
from ocpp.messages import CallError, unpack
from websockets.asyncio.server import ServerConnection

from ..clock import Clock
from .codec import from_wire
from .frame import Direction, Frame, Kind

_ANSWERS = (Kind.RESULT, Kind.ERROR)


class WireTap:
    """A websocket stand-in that captures frames and answers unreadable ones."""

    def __init__(
        self,
        ws: ServerConnection,
        station_id: str,
        protocol: str,
        clock: Clock,
        publish: Callable[[Frame], Any],
    ) -> None:
        self.ws = ws
        self.station_id = station_id
        self.protocol = protocol
        self._clock = clock
        self._publish = publish
        self._last_call = ""  # message id of the last call sent to the station
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
        """The next message the library can route; unreadable ones are answered here."""
        while True:
            text = await self.ws.recv()
            frame = self._frame(text, Direction.IN)
            self._publish(frame)
            if frame.kind in _ANSWERS and frame.unique_id == self._last_call:
                self.last_call_answered = True
            if frame.kind is not Kind.MALFORMED:
                return text
            answer = call_error_for(text, frame.unique_id)
            if answer is None:
                return text  # the library reads it after all; let it decide
            await self.send(answer)

    async def send(self, text: str) -> None:
        """Capture, then send, one message to the station."""
        frame = self._frame(text, Direction.OUT)
        self._publish(frame)
        if frame.kind is Kind.CALL:
            self._last_call, self.last_call_answered = frame.unique_id, False
        await self.ws.send(text)


def call_error_for(text: str | bytes, unique_id: str) -> str | None:
    """The library's CallError for text it cannot unpack, or None if it can.

    The library logs such text and drops it; the station would wait for an
    answer that never comes. OCPP-J answers with the message id when one is
    readable and "-1" when not. Broken answers (type 3 or 4) get no reply.
    """
    try:
        unpack(text)
    except OCPPError as exc:
        if unique_id and _looks_like_answer(text):
            return None
        details = {k: v for k, v in (exc.details or {}).items() if k != "ocpp_message"}
        return CallError(unique_id or "-1", exc.code, exc.description or "", details).to_json()
    return None


def _looks_like_answer(text: str | bytes) -> bool:
    head = text[:8].lstrip() if isinstance(text, str) else text[:8].decode("ascii", "replace")
    return head.startswith(("[3", "[4"))
