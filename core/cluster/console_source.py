"""`ocppdeck attach nats://…`: the console on a whole cluster.

A ConsoleSource (core/console.py) like a live engine, fed by the stream instead
of a CSMS: each frame read from the stream is published on a bus of its own, and
the same projection and frame log take it from there, as they take a recording's
(DESIGN.md: the narrow bus). Commands go through the same `Commands`, which
queues them on the bus for the node that holds the station.
"""

from __future__ import annotations

import asyncio
import logging

from ..clock import Clock, SystemClock
from ..config import Settings
from ..csms.commands import Commands
from ..model.projection import Projection
from ..model.state import State
from ..wire.bus import FrameBus
from ..wire.codec import encode
from ..wire.frame import Frame
from ..wire.frame_log import FrameLog
from .link import Link
from .remote_queues import RemoteQueues
from .stream_reader import StreamReader

log = logging.getLogger("ocppdeck.cluster")

CONNECT_TIMEOUT_S = 10.0  # how long `start` waits for NATS before it gives up


class ClusterConsole:
    """The cluster's frames folded into one state, and commands sent over the bus."""

    mode = "cluster"
    transport = None
    id_tags = None  # each node keeps its own store
    automations = None  # they run on the nodes
    crafter = None
    registry = None
    disk = None

    def __init__(self, url: str, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.bus = FrameBus()
        self.projection = Projection()
        self.frames = FrameLog(max_bytes=settings.frame_log_mb * 1024 * 1024)
        self.link = Link(url, "ocppdeck console")
        self.queues = RemoteQueues(self.link, self.clock, lambda: self.projection.state)
        self.commands = Commands(self.queues, lambda: self.projection.state, self.clock)
        self.reader = StreamReader(self.bus.publish)
        self.bus.subscribe(self._show)
        self.bus.subscribe(self.projection.apply)
        self._watch: asyncio.Task[None] | None = None

    def _show(self, frame: Frame) -> None:
        self.frames.append(frame, encode(frame))

    @property
    def state(self) -> State:
        """What the projection knows of the whole cluster now."""
        return self.projection.state

    @property
    def start_note(self) -> str | None:
        """Messages on the stream that were no frame, if any."""
        if self.reader.skipped:
            return f"{self.reader.skipped} messages on the stream were no frame"
        return None

    def describe(self) -> str:
        """The bus, its nodes so far, and how far the console is behind the stream."""
        nodes = len(self.reader.nodes)
        behind = f", {self.reader.behind:,} frames behind" if self.reader.behind else ""
        return f"cluster {self.link.shown} · {nodes} node{'s' if nodes != 1 else ''}{behind}"

    async def start(self) -> None:
        """Connect, then read the stream from its start and watch the command queues."""
        self.link.start()
        try:
            await self.link.wait_up(CONNECT_TIMEOUT_S)
        except TimeoutError:
            await self.link.close()
            raise OSError(f"no NATS with JetStream at {self.link.shown}") from None
        assert self.link.js is not None and self.link.queue is not None
        await self.reader.follow(self.link.js)
        self._watch = asyncio.create_task(self.queues.watch(self.link.queue))

    async def close(self) -> None:
        """Stop reading and watching; close the connection."""
        await self.reader.stop()
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        await self.queues.close()
        await self.link.close()
