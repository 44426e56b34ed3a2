"""The stream read once, from its start to where it was when asked, for headless use
(`ocppdeck project nats://…`, `ocppdeck report nats://…`).

The fold and the report read frames as a plain iterator; NATS is read on a thread of
its own, handing batches over a small queue, so memory holds a few batches however
long the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Iterator

import nats
from nats.js.api import DeliverPolicy
from nats.js.errors import NotFoundError

from ..disk.formats import ImportReport, SourceError
from ..wire.codec import FrameError, decode
from ..wire.frame import Frame
from .stream_reader import MAX_LINE_BYTES
from .subjects import FRAMES, STREAM, shown_url

BATCH = 2000  # frames per hand-over
QUEUED_BATCHES = 4
CONNECT_TIMEOUT_S = 5.0
QUIET_TIMEOUT_S = 10.0  # no message for this long while some are due: the read fails


class BusUnreachable(SourceError):
    """NATS did not answer, or the stream could not be read; the message says which."""


_END = object()


def stream_frames(url: str, report: ImportReport) -> Iterator[Frame]:
    """Every frame on the stream now, in stream order; `report` counts what was read."""
    handover: queue.Queue[object] = queue.Queue(QUEUED_BATCHES)
    stop = threading.Event()
    thread = threading.Thread(
        target=lambda: asyncio.run(_read(url, handover, stop, report)), daemon=True
    )
    thread.start()
    try:
        while True:
            item = handover.get()
            if item is _END:
                return
            if isinstance(item, Exception):
                raise item
            yield from item  # type: ignore[misc]
    finally:
        stop.set()
        while thread.is_alive():  # let a reader blocked on a full queue finish
            with contextlib.suppress(queue.Empty):
                handover.get(timeout=0.1)


async def _read(
    url: str, handover: queue.Queue[object], stop: threading.Event, report: ImportReport
) -> None:
    try:
        await _read_all(url, handover, stop, report)
    except Exception as exc:  # handed to the reading thread, which raises it
        failure = (
            exc if isinstance(exc, BusUnreachable) else BusUnreachable(f"{shown_url(url)}: {exc}")
        )
        await asyncio.to_thread(handover.put, failure)
        return
    await asyncio.to_thread(handover.put, _END)


async def _read_all(
    url: str, handover: queue.Queue[object], stop: threading.Event, report: ImportReport
) -> None:
    try:
        nc = await nats.connect(
            url,
            connect_timeout=CONNECT_TIMEOUT_S,
            allow_reconnect=False,
            max_reconnect_attempts=1,
            error_cb=_quiet,
        )
    except Exception as exc:
        raise BusUnreachable(f"no NATS answers at {shown_url(url)}: {exc}") from None
    report.format = "cluster stream"
    report.file = STREAM
    try:
        js = nc.jetstream()
        try:
            info = await js.stream_info(STREAM)
        except NotFoundError:
            return  # no node has published yet: an empty cluster
        last = info.state.last_seq
        if info.state.messages == 0:
            return
        sub = await js.subscribe(
            f"{FRAMES}.>", stream=STREAM, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
        )
        batch: list[Frame] = []
        seq = 0
        while seq < last and not stop.is_set():
            msg = await sub.next_msg(timeout=QUIET_TIMEOUT_S)
            seq = msg.metadata.sequence.stream
            frame = _frame(msg.data, seq, report)
            if frame is not None:
                batch.append(frame)
            if len(batch) >= BATCH:
                await asyncio.to_thread(handover.put, batch)
                batch = []
        if batch:
            await asyncio.to_thread(handover.put, batch)
        await sub.unsubscribe()
    finally:
        await nc.close()


async def _quiet(exc: Exception) -> None:
    """The client's own report of a failed try: the failure is raised to the caller."""


def _frame(data: bytes, seq: int, report: ImportReport) -> Frame | None:
    """The frame of one message; None (and noted, by its stream sequence) for a non-frame."""
    report.bytes_read += len(data)
    if len(data) > MAX_LINE_BYTES:
        report.skip(seq, "message larger than any frame")
        return None
    try:
        frame = decode(data)
    except FrameError as exc:
        report.skip(seq, "not a frame", str(exc))
        return None
    report.frames += 1
    return frame
