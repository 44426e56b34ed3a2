"""The frame stream read from its start, in stream order, as frames again.

An ordered consumer (JetStream's, made and remade by the client) delivers every
message once, in order; each is a recording line (core/wire/codec.py), so the
frames a console folds are the frames the nodes recorded. Whatever is not a
recording line is counted and skipped: the bus is read as carefully as a file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy
from nats.js.client import JetStreamContext

from ..wire.codec import FrameError, decode
from ..wire.frame import Frame
from .subjects import FRAMES, STREAM, node_of

log = logging.getLogger("ocppdeck.cluster")

MAX_NODES = 1000  # node names remembered for the title bar
MAX_LINE_BYTES = 2 * 1024 * 1024  # a message larger than any frame a node publishes


class StreamReader:
    """Hands each frame of the stream to `deliver`, from the first on."""

    def __init__(self, deliver: Callable[[Frame], None]) -> None:
        self._deliver = deliver
        self.nodes: set[str] = set()
        self.read = 0  # messages read, frames or not
        self.skipped = 0  # messages that are no frame
        self.behind = 0  # messages in the stream past the last one read
        self.last_seq = 0  # the stream sequence of the last message read
        self._sub: JetStreamContext.PushSubscription | None = None

    async def follow(self, js: JetStreamContext) -> None:
        """Start reading (the frames come in on the client's own task)."""
        self._sub = await js.subscribe(
            f"{FRAMES}.>",
            stream=STREAM,
            cb=self._on_message,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.ALL,
        )

    async def _on_message(self, msg: Msg) -> None:
        meta = msg.metadata
        self.read += 1
        self.behind = meta.num_pending
        self.last_seq = meta.sequence.stream
        if len(msg.data) > MAX_LINE_BYTES:
            self.skipped += 1
            return
        try:
            frame = decode(msg.data)
        except FrameError as exc:
            self.skipped += 1
            log.debug("message %d is no frame: %s", self.last_seq, exc)
            return
        if len(self.nodes) < MAX_NODES:
            self.nodes.add(node_of(msg.subject))
        self._deliver(frame)

    async def stop(self) -> None:
        """Stop reading."""
        if self._sub is not None:
            try:
                await self._sub.unsubscribe()
            except Exception as exc:  # the connection is already gone
                log.debug("unsubscribe: %s", exc)
            self._sub = None
