"""What a scenario station said and heard: its websocket wrapped so every text frame
in and out is kept as a Frame (station -> CSMS is IN, as the CSMS records it), with a
way to wait for an answer."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from websockets.asyncio.client import ClientConnection

from ..clock import Clock
from ..wire.codec import from_wire
from ..wire.frame import Direction, Frame, Kind

MAX_FRAMES = 20_000  # per station: a long scenario keeps its most recent frames
ANSWERS = frozenset({Kind.RESULT, Kind.ERROR})


class FrameRecord:
    """The frames of one station across its connections, numbered from 0."""

    def __init__(self, station_id: str, protocol: str, clock: Clock) -> None:
        self.station_id = station_id
        self.protocol = protocol
        self._clock = clock
        self._frames: deque[Frame] = deque(maxlen=MAX_FRAMES)
        self.count = 0  # frames seen so far: a mark to read "since"
        self._arrived = asyncio.Event()

    def keep(self, text: str | bytes, direction: Direction) -> Frame:
        """Record one message as it passes."""
        frame = from_wire(
            text,
            ts=self._clock.now(),
            station=self.station_id,
            direction=direction,
            protocol=self.protocol,
        )
        self._frames.append(frame)
        self.count += 1
        self._arrived.set()
        return frame

    def since(self, mark: int) -> list[Frame]:
        """The frames recorded from `mark` on (those still kept)."""
        skip = max(0, mark - (self.count - len(self._frames)))
        return list(self._frames)[skip:]

    async def answer(self, mark: int, unique_id: str | None, timeout: float) -> Frame | None:
        """The CSMS's answer to the message sent with `unique_id` (None: any answer) after
        `mark`; None when none came within `timeout` seconds."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    found = answer_in(self.since(mark), unique_id)
                    if found is not None:
                        return found
                    self._arrived.clear()
                    await self._arrived.wait()
        except TimeoutError:
            return None

    async def settled(self, mark: int, timeout: float) -> None:
        """Wait (up to `timeout` seconds each) for the answers to the station's calls
        since `mark`: one the station made on its own may still be in flight."""
        for frame in self.since(mark):
            if frame.kind is Kind.CALL and frame.direction is Direction.IN:
                await self.answer(mark, frame.unique_id, timeout)


def answer_in(frames: list[Frame], unique_id: str | None) -> Frame | None:
    """The first answer from the CSMS among `frames` to `unique_id` (None: to anything)."""
    return next(
        (
            f
            for f in frames
            if f.direction is Direction.OUT
            and f.kind in ANSWERS
            and unique_id in (None, f.unique_id)
        ),
        None,
    )


class RecordedSocket:
    """A client websocket stand-in for the `ocpp` library's ChargePoint, recording as it goes."""

    def __init__(self, ws: ClientConnection, record: FrameRecord) -> None:
        self.ws = ws
        self.record = record

    async def send(self, message: str) -> None:
        """Record, then send."""
        self.record.keep(message, Direction.IN)
        await self.ws.send(message)

    async def recv(self) -> str | bytes:
        """Receive, then record."""
        message = await self.ws.recv()
        self.record.keep(message, Direction.OUT)
        return message

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the websocket."""
        await self.ws.close(code, reason)

    @property
    def transport(self) -> Any:
        """The socket's transport (aborted to lose the link abruptly)."""
        return self.ws.transport
