"""The frame stream: server-sent events of every frame that passes a `/` filter.

Each event is one frame as a recording line (`core/wire/codec.py`: `decode` reads it back),
its id the frame's sequence number. `?after=SEQ` (or a reconnect's Last-Event-ID) first
sends the frames after SEQ that the frame log still holds, so a client that restored
`/api/snapshot` folds on from its `seq` without a gap.

A client is bounded: it may fall behind by so many frames and bytes, past which it is
dropped (a last `dropped` event says so), so a slow reader never grows the server's memory.
The number of open streams is bounded too.
"""

from __future__ import annotations

import asyncio
import bisect
from collections import deque
from collections.abc import Callable

import orjson
from aiohttp import web

from ..wire.codec import encode
from ..wire.frame import Frame
from ..wire.frame_log import FrameLog, frame_action
from ..wire.frame_query import FrameQuery, QueryError
from .errors import ApiError
from .source import SOURCE

MAX_STREAMS = 32
BEHIND_FRAMES = 10_000  # frames a client may fall behind before it is dropped
BEHIND_BYTES = 16 * 1024 * 1024  # and bytes
KEEPALIVE_S = 15.0  # a comment line this often keeps proxies from closing an idle stream
WRITE_TIMEOUT_S = 30.0  # a client that takes no bytes for this long is dropped
BATCH = 256  # events written together


def event(frame: Frame, line: bytes | None = None) -> bytes:
    """One server-sent event: the frame's sequence number and its recording line."""
    return b"id: %d\nevent: frame\ndata: %s\n\n" % (frame.seq, line or encode(frame))


def _passes(query: FrameQuery, frame: Frame, pos: int, log: FrameLog) -> bool:
    if query.empty:
        return True
    return query.matches(frame, frame_action(frame, pos, log) if frame.is_ocpp else "")


class Subscriber:
    """One stream's frames waiting to be written, bounded; over the bound it is dropped."""

    def __init__(self, query: FrameQuery, log: FrameLog) -> None:
        self.query = query
        self._log = log
        self.lines: deque[bytes] = deque()
        self.held = 0
        self.dropped = False
        self.ended = False  # the server is stopping
        self.wake = asyncio.Event()

    def __call__(self, frame: Frame) -> None:
        """The bus's call: the frame log already holds this frame, as its newest."""
        if self.dropped or not _passes(self.query, frame, len(self._log) - 1, self._log):
            return
        line = event(frame)
        self.lines.append(line)
        self.held += len(line)
        if len(self.lines) > BEHIND_FRAMES or self.held > BEHIND_BYTES:
            self.dropped = True
            self.lines.clear()
            self.held = 0
        self.wake.set()

    def take(self) -> bytes:
        """Up to BATCH waiting events, as one write."""
        batch = [self.lines.popleft() for _ in range(min(BATCH, len(self.lines)))]
        self.held -= sum(len(b) for b in batch)
        if not self.lines:
            self.wake.clear()
        return b"".join(batch)

    def end(self) -> None:
        """The server is stopping: the stream ends after what it holds."""
        self.ended = True
        self.wake.set()


class FrameStreams:
    """The open streams, so a stopping server can end them."""

    def __init__(self) -> None:
        self.open: set[Subscriber] = set()

    def end_all(self) -> None:
        """End every stream (the server is stopping)."""
        for subscriber in self.open:
            subscriber.end()


STREAMS = web.AppKey("streams", FrameStreams)


def _after(request: web.Request) -> int | None:
    raw = request.query.get("after", request.headers.get("Last-Event-ID"))
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise ApiError(400, "after is a frame sequence number", field="after")
    return int(raw)


def _backlog(log: FrameLog, after: int, end: int) -> range:
    """Positions before `end` of the frames after sequence number `after` (sequence
    numbers rise with position in the log)."""
    positions = log.positions()[: max(0, end - log.base)]

    def seq(pos: int) -> int:
        frame = log.get(pos)
        return frame.seq if frame is not None else -1

    start = bisect.bisect_right(positions, after, key=seq)
    return positions[start:]


async def _write(response: web.StreamResponse, data: bytes) -> None:
    await asyncio.wait_for(response.write(data), WRITE_TIMEOUT_S)


routes = web.RouteTableDef()


@routes.get("/api/frames")
async def stream_frames(request: web.Request) -> web.StreamResponse:
    """Server-sent events of the frames that pass `?filter=` (the `/` syntax), from now
    on, or from `?after=SEQ`; 400 for a filter that cannot be read, 503 when too many
    streams are open."""
    try:
        query = FrameQuery.parse(request.query.get("filter", ""))
    except QueryError as exc:
        raise ApiError(400, str(exc), field="filter") from None
    after = _after(request)
    streams = request.app[STREAMS]
    if len(streams.open) >= MAX_STREAMS:
        raise ApiError(503, f"{MAX_STREAMS} frame streams are open already")
    source = request.app[SOURCE]
    log = source.frames
    subscriber = Subscriber(query, log)
    # Subscribed and measured with no await between: the backlog ends where live begins.
    unsubscribe: Callable[[], None] = source.bus.subscribe(subscriber)
    end = len(log)
    streams.open.add(subscriber)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",  # a proxy in front must not hold events back
        }
    )
    try:
        await response.prepare(request)
        await _write(response, b": ocppdeck frames\n\n")
        if after is not None:
            await _send_backlog(response, query, log, after, end)
        await _send_live(response, subscriber)
    except (TimeoutError, ConnectionResetError):
        pass  # a client that stopped reading, or left: its stream ends here
    finally:
        unsubscribe()
        streams.open.discard(subscriber)
    return response


async def _send_backlog(
    response: web.StreamResponse, query: FrameQuery, log: FrameLog, after: int, end: int
) -> None:
    batch: list[bytes] = []
    for pos in _backlog(log, after, end):
        frame = log.get(pos)
        if frame is not None and _passes(query, frame, pos, log):
            batch.append(event(frame))
        if len(batch) >= BATCH:
            await _write(response, b"".join(batch))
            batch.clear()
    if batch:
        await _write(response, b"".join(batch))


async def _send_live(response: web.StreamResponse, subscriber: Subscriber) -> None:
    while True:
        if subscriber.dropped:
            note = {"error": f"dropped: more than {BEHIND_FRAMES} frames behind"}
            await _write(response, b"event: dropped\ndata: %s\n\n" % orjson.dumps(note))
            return
        if subscriber.lines:
            await _write(response, subscriber.take())
            continue
        if subscriber.ended:
            return
        try:
            await asyncio.wait_for(subscriber.wake.wait(), KEEPALIVE_S)
        except TimeoutError:
            await _write(response, b": keepalive\n\n")
