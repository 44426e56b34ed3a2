"""The node's frames to the JetStream stream, without ever making the CSMS wait.

Every frame on the node's bus goes to the outbox; a background task publishes the
oldest ones in batches and takes them out only once the stream has acked them. A
batch that fails or times out is published again whole: the node's frame sequence
is each message's Nats-Msg-Id, so the stream stores a repeated frame once.

A SERVER_START would tell a console folding the whole cluster that every station
is offline; on the bus it becomes a DISCONNECTED of each station this node held
when it stopped, which is what it means for this node.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

from nats.js.errors import APIError
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ..wire.codec import encode
from ..wire.frame import Direction, Frame, Kind
from .link import NOTE_EVERY_S, Link
from .outbox import Outbox, Outgoing
from .subjects import frame_subject

log = logging.getLogger("ocppdeck.cluster")

BATCH = 512  # frames published before their acks are awaited together
ACK_TIMEOUT_S = 5.0  # a batch not acked within this is published again
OUTBOX_BYTES = 64 * 1024 * 1024  # past this, new frames are dropped from the bus
MAX_BUS_FRAME = 1024 * 1024 - 4096  # under NATS's default max_payload, room for headers
RESTART_NOTE = "node restarted"


class Publisher:
    """Puts a node's frames on the stream; subscribe `offer` to the node's bus."""

    def __init__(self, link: Link, node: str, held_at_start: list[str]) -> None:
        self.link = link
        self.node = node
        self.outbox = Outbox(OUTBOX_BYTES)
        self.published = 0
        self.too_large = 0  # frames past MAX_BUS_FRAME, counted in outbox.dropped too
        self._held_at_start = held_at_start
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._noted_at = float("-inf")

    def offer(self, frame: Frame, line: bytes) -> None:
        """Queue a frame, `line` its recording line, for the stream (on the CSMS loop:
        appends, never waits)."""
        if frame.kind is Kind.SERVER_START:
            for i, station in enumerate(self._held_at_start, 1):
                gone = Frame(frame.ts, station, Direction.IN, Kind.DISCONNECTED, text=RESTART_NOTE)
                self._put(gone, f"{self.node}:{frame.seq}.{i}", encode(gone))
            return
        self._put(frame, f"{self.node}:{frame.seq}", line)

    def _put(self, frame: Frame, msg_id: str, line: bytes) -> None:
        item = Outgoing(frame_subject(self.node, frame.station), msg_id, line)
        if len(item.data) > MAX_BUS_FRAME:
            # NATS refuses a message past its max_payload (1 MB by default); a station's
            # largest messages stay in the node's recording only.
            self.outbox.dropped += 1
            self.too_large += 1
            self._note_trouble()
        elif not self.outbox.put(item):
            self._note_trouble()
        self._wake.set()

    def start(self) -> None:
        """Publish in the background until `close`."""
        self._task = asyncio.create_task(self._run(), name="cluster-publisher")

    async def _run(self) -> None:
        while True:
            if not self.outbox:
                self._wake.clear()
                await self._wake.wait()
                continue
            if not self.link.up.is_set():
                try:
                    await self.link.wait_up(NOTE_EVERY_S)
                except TimeoutError:
                    self._note_trouble()  # a minute of outage: how the outbox stands
                    continue
            batch = self.outbox.head(BATCH)
            refused = await self._publish(batch)
            if refused is not None:
                self.outbox.done(len(batch))
                self.published += len(batch) - refused
                self.outbox.dropped += refused
            else:
                self._note_trouble()
                await asyncio.sleep(0.2)

    async def _publish(self, batch: list[Outgoing]) -> int | None:
        """How many frames of the batch the stream refused (the rest it acked); None when
        the batch must go again (the link fell, an ack did not come)."""
        js = self.link.js
        assert js is not None
        try:
            acks = [
                await js.publish_async(i.subject, i.data, headers={"Nats-Msg-Id": i.msg_id})
                for i in batch
            ]
            done, waiting = await asyncio.wait(acks, timeout=ACK_TIMEOUT_S)
        except Exception as exc:  # the link fell while sending: the batch goes again
            log.debug("publish failed: %s", exc)
            return None
        for future in waiting:
            future.cancel()
        if waiting:
            return None
        errors = [f.exception() for f in done if f.exception() is not None]
        if any(not isinstance(e, APIError) for e in errors):
            return None
        if errors:  # a refusal (too large for the stream, say) is not tried again
            log.warning("the stream refused %d frames: %s", len(errors), errors[0])
        return len(errors)

    def _note_trouble(self) -> None:
        """Log the outbox's state, at most once a minute."""
        now = asyncio.get_running_loop().time()
        if now - self._noted_at < NOTE_EVERY_S:
            return
        self._noted_at = now
        log.warning(
            "NATS %s: %d frames wait in the outbox (%d bytes), %d dropped from the bus "
            "(%d too large for it)",
            "reachable" if self.link.up.is_set() else "unreachable",
            len(self.outbox),
            self.outbox.bytes,
            self.outbox.dropped,
            self.too_large,
        )

    async def flush(self, timeout: float) -> bool:
        """Wait until the outbox is empty, for at most `timeout` seconds; whether it is."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.outbox and loop.time() < deadline:
            await asyncio.sleep(0.05)
        return not self.outbox

    async def close(self) -> None:
        """Stop publishing (what is left in the outbox is in the node's recording)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None


class BusMetrics(Collector):
    """The publisher's figures as Prometheus samples, read only when /metrics is."""

    def __init__(self, publisher: Publisher) -> None:
        self._publisher = publisher

    def collect(self) -> Iterator[Metric]:
        p = self._publisher
        yield GaugeMetricFamily(
            "ocppdeck_bus_connected", "1 while NATS is reachable", value=int(p.link.up.is_set())
        )
        yield GaugeMetricFamily(
            "ocppdeck_bus_outbox_frames", "Frames waiting for the stream", value=len(p.outbox)
        )
        yield GaugeMetricFamily(
            "ocppdeck_bus_outbox_bytes", "Bytes waiting for the stream", value=p.outbox.bytes
        )
        yield CounterMetricFamily(
            "ocppdeck_bus_published", "Frames the stream acked", value=p.published
        )
        yield CounterMetricFamily(
            "ocppdeck_bus_dropped",
            "Frames dropped from the bus with the outbox full (kept in the recording)",
            value=p.outbox.dropped,
        )
        yield CounterMetricFamily(
            "ocppdeck_bus_outages", "Times the NATS connection was lost", value=p.link.outages
        )
