"""A station's message rate, enforced with backpressure, then by hanging up.

Real chargers send a few messages a second at most (OCPP-J lets each side have
one call in flight). A station above `rate` is read more slowly: its socket
waits before the next message is taken, so websockets stops reading it and TCP
pushes back on the station, while every other station's session goes on. Every
message counts, the stray answers the wire tap drops included. A station that
stays above the rate for `patience` seconds is flooding, and the CSMS hangs up
on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from ..wire.tap import Socket


class Flooding(Exception):
    """A station stayed above its message rate for longer than the patience allows."""


@dataclass(slots=True)
class MessageRate:
    """A token bucket: `rate` messages a second on average, bursts of a second's worth."""

    rate: float
    patience: float  # seconds a station may stay above the rate, slowed, before Flooding
    over_since: float | None = field(default=None, init=False)  # when it went above, if it is
    _tokens: float = field(default=0.0, init=False)
    _at: float | None = field(default=None, init=False)

    @property
    def burst(self) -> float:
        """Messages a quiet station may send at once before it is slowed."""
        return max(1.0, self.rate)

    def charge(self, now: float) -> float:
        """Count one message read at `now` (monotonic seconds): how long to wait before
        handling it, 0 when the station is within its rate.

        Raises Flooding when the station has been above the rate for `patience` seconds.
        """
        if self._at is None:
            tokens = self.burst
        else:
            tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if tokens >= 1:
            self._tokens = tokens - 1
            self.over_since = None
            return 0.0
        if self.over_since is None:
            self.over_since = now
        wait = (1 - tokens) / self.rate
        if now + wait - self.over_since > self.patience:
            raise Flooding(f"more than {self.rate:g} messages a second for {self.patience:g}s")
        self._tokens = tokens - 1  # paid for by the wait
        return wait


class ThrottledSocket:
    """A station's socket, read no faster than its MessageRate allows. It sits under the
    wire tap, so every message counts, answers the tap drops as strays included.
    `slowed` is called each time the station goes above the rate."""

    def __init__(self, socket: Socket, rate: MessageRate, slowed: Callable[[], None]) -> None:
        self.socket = socket
        self.rate = rate
        self._slowed = slowed

    async def recv(self) -> str | bytes:
        """The next message, after the wait its rate asks for; raises Flooding."""
        text = await self.socket.recv()
        was_over = self.rate.over_since is not None
        wait = self.rate.charge(asyncio.get_running_loop().time())
        if wait:
            if not was_over:
                self._slowed()
            await asyncio.sleep(wait)  # meanwhile the socket is not read: backpressure
        return text

    async def send(self, message: str) -> None:
        """Send one message to the station (never slowed: these are the CSMS's own)."""
        await self.socket.send(message)
