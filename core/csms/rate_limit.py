"""A station's message rate, enforced with backpressure, then by hanging up.

Real chargers send a few messages a second at most (OCPP-J lets each side have
one call in flight). A station above `rate` is read more slowly: its socket
waits before the next message is taken, so websockets stops reading it and TCP
pushes back on the station, while every other station's session goes on. Every
message counts, the stray answers the wire tap drops included. A station that
stays above the rate for `patience` seconds is flooding, and the CSMS hangs up
on it. So does one that, once slowed, always has its next message waiting when the
CSMS reads: under load the CSMS may read it below the rate, but it is still sending
faster than it is read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from ..wire.tap import Socket

# A message handed over sooner than this after it was asked for was already waiting: a
# station that is not sending faster than it is read makes the CSMS wait far longer.
QUEUED_S = 0.001


class Flooding(Exception):
    """A station stayed above its message rate for longer than the patience allows."""


@dataclass(slots=True)
class MessageRate:
    """A token bucket: `rate` messages a second on average, bursts of a second's worth."""

    rate: float
    patience: float  # seconds a station may stay above the rate, slowed, before Flooding
    over_since: float | None = field(default=None, init=False)  # when it went above, if it is
    # When it was slowed with messages still waiting, if they have waited ever since.
    backlog_since: float | None = field(default=None, init=False)
    _tokens: float = field(default=0.0, init=False)
    _at: float | None = field(default=None, init=False)

    @property
    def burst(self) -> float:
        """Messages a quiet station may send at once before it is slowed."""
        return max(1.0, self.rate)

    def charge(self, now: float, queued: bool = False) -> float:
        """Count one message read at `now` (monotonic seconds): how long to wait before
        handling it, 0 when the station is within its rate. `queued`: the message was
        already waiting when the CSMS asked for it.

        Raises Flooding when the station has been above the rate for `patience` seconds,
        or has had messages waiting for that long since it was first slowed. The second
        catches a flood that the CSMS, busy, reads below the rate: each late read
        refills the allowance, so the station never looks above it for long.
        """
        if self._at is None:
            tokens = self.burst
        else:
            tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        wait = 0.0
        if tokens >= 1:
            self.over_since = None
        else:
            if self.over_since is None:
                self.over_since = now
            wait = (1 - tokens) / self.rate
            if now + wait - self.over_since > self.patience:
                raise self._flooding()
        self._tokens = tokens - 1  # when over, paid for by the wait
        if not queued:
            self.backlog_since = None
        elif self.backlog_since is None:
            if wait:
                self.backlog_since = now
        elif now - self.backlog_since > self.patience:
            raise self._flooding()
        return wait

    def _flooding(self) -> Flooding:
        return Flooding(f"more than {self.rate:g} messages a second for {self.patience:g}s")


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
        loop = asyncio.get_running_loop()
        asked = loop.time()
        text = await self.socket.recv()
        now = loop.time()
        was_over = self.rate.over_since is not None
        wait = self.rate.charge(now, queued=now - asked < QUEUED_S)
        if wait:
            if not was_over:
                self._slowed()
            await asyncio.sleep(wait)  # meanwhile the socket is not read: backpressure
        return text

    async def send(self, message: str) -> None:
        """Send one message to the station (never slowed: these are the CSMS's own)."""
        await self.socket.send(message)
