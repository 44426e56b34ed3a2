"""The connection to NATS: made in the background, kept up by the client, and the
stream and key-value buckets the cluster needs, made when missing.

A node starts whether or not NATS answers: its frames wait in the outbox
(core/cluster/outbox.py) until the link is up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, KeyValueConfig, StorageType, StreamConfig
from nats.js.errors import BucketNotFoundError, NotFoundError
from nats.js.kv import KeyValue

from .subjects import FRAMES, IDS_BUCKET, QUEUE_BUCKET, STREAM, shown_url

log = logging.getLogger("ocppdeck.cluster")

RETRY_S = 1.0  # between tries to reach NATS
NOTE_EVERY_S = 60.0  # an outage is logged at most this often
DUPLICATE_WINDOW_S = 120.0  # a frame published again within this is stored once
STREAM_MAX_BYTES = 16 * 1024**3  # the stream's bound on the NATS server's disk; oldest go
QUEUE_HISTORY = 1  # the bucket keeps each command's latest record only
QUEUE_TTL_S = 30 * 24 * 3600  # a command (queued or ended) is forgotten after 30 days
QUEUE_MAX_BYTES = 1024**3  # past this a new command is refused, never an old one dropped


class Link:
    """One NATS connection with JetStream; `up` is set while it is connected."""

    def __init__(self, url: str, name: str) -> None:
        self.url = url
        self.shown = shown_url(url)  # what logs say: no credentials
        self.name = name
        self.up = asyncio.Event()
        self.nc: Client | None = None
        self.js: JetStreamContext | None = None
        self.queue: KeyValue | None = None
        self.ids: KeyValue | None = None
        self.outages = 0
        self._closing = False
        self._noted_at = float("-inf")
        self._task: asyncio.Task[None] | None = None
        self._on_up: list[Callable[[], Awaitable[None]]] = []

    def when_up(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run `hook` each time the link comes up (after a reconnect too)."""
        self._on_up.append(hook)

    def start(self) -> None:
        """Connect in the background, trying again until NATS answers."""
        self._task = asyncio.create_task(self._connect(), name="cluster-link")

    async def wait_up(self, timeout: float) -> None:
        """Wait until connected; TimeoutError after `timeout` seconds."""
        await asyncio.wait_for(self.up.wait(), timeout)

    async def _connect(self) -> None:
        # The client itself retries for ever (its failed tries come to `_error`); this loop
        # only outlasts a failure it gives up on.
        while True:
            try:
                self.nc = await nats.connect(
                    self.url,
                    name=self.name,
                    connect_timeout=2,
                    allow_reconnect=True,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=RETRY_S,
                    disconnected_cb=self._down,
                    reconnected_cb=self._reconnected,
                    error_cb=self._error,
                )
                break
            except Exception as exc:  # any failure to reach NATS: try again
                await self._error(exc)
                await asyncio.sleep(RETRY_S)
        self.js = self.nc.jetstream()
        await self._reconnected()

    async def _reconnected(self) -> None:
        try:
            await self._prepare()
        except Exception as exc:  # JetStream off, or not ready yet: frames keep waiting
            log.warning("NATS at %s has no usable JetStream: %s", self.shown, exc)
            return
        log.info("connected to NATS at %s", self.shown)
        self.up.set()
        for hook in self._on_up:
            await hook()

    async def _down(self) -> None:
        if self.up.is_set() and not self._closing:
            self.outages += 1
            log.warning("lost NATS at %s", self.shown)
        self.up.clear()

    async def _error(self, exc: Exception) -> None:
        """A failed try of the client's: said at most once a minute while NATS is away."""
        now = asyncio.get_running_loop().time()
        if self.up.is_set() or now - self._noted_at < NOTE_EVERY_S:
            log.debug("NATS client: %s", exc)
            return
        self._noted_at = now
        log.warning("cannot reach NATS at %s: %s; trying again", self.shown, exc)

    async def _prepare(self) -> None:
        """Make the frame stream, the queue bucket and the id counters when they are missing."""
        assert self.js is not None
        try:
            await self.js.stream_info(STREAM)
        except NotFoundError:
            await self.js.add_stream(
                StreamConfig(
                    name=STREAM,
                    subjects=[f"{FRAMES}.>"],
                    storage=StorageType.FILE,
                    max_bytes=STREAM_MAX_BYTES,
                    discard=DiscardPolicy.OLD,
                    duplicate_window=DUPLICATE_WINDOW_S,
                )
            )
        try:
            self.queue = await self.js.key_value(QUEUE_BUCKET)
        except BucketNotFoundError:
            self.queue = await self.js.create_key_value(
                KeyValueConfig(
                    bucket=QUEUE_BUCKET,
                    history=QUEUE_HISTORY,
                    ttl=QUEUE_TTL_S,
                    max_bytes=QUEUE_MAX_BYTES,
                )
            )
        try:
            self.ids = await self.js.key_value(IDS_BUCKET)
        except BucketNotFoundError:
            # No TTL: a counter that expired would hand the same ids out again.
            self.ids = await self.js.create_key_value(
                KeyValueConfig(bucket=IDS_BUCKET, history=1, storage=StorageType.FILE)
            )

    async def close(self) -> None:
        """Stop trying and close the connection (its buffered publishes flushed)."""
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self.nc is not None and not self.nc.is_closed:
            try:
                await asyncio.wait_for(self.nc.drain(), 5)
            except Exception:  # a NATS that is gone cannot be drained: just close
                await self.nc.close()
        self.up.clear()
