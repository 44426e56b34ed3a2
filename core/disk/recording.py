"""The recording: an append-only JSONL file of every frame, one per line."""

from __future__ import annotations

import asyncio
import gzip
import logging
import os
import shutil
from pathlib import Path
from typing import BinaryIO

from ..wire.codec import FrameError, decode
from .files import open_append, open_fresh

log = logging.getLogger("ocppdeck.recording")


SEGMENT_NAME = "recording-{first_seq:012d}.jsonl"  # a closed segment, named by its first frame


class Recorder:
    """Appends frames to a recording file, rotating it into gzip segments by size.

    Inside an event loop, the lines of one loop turn reach the OS together at
    the end of that turn (one write(2) instead of one per frame); a killed
    process loses at most the frames of the turn it died in. Outside a loop,
    each line is written at once.

    When the current file passes `max_bytes` it is renamed to a segment named
    by its first frame's sequence number and compressed off the event loop;
    a reader takes the segments in order, then the current file.
    """

    def __init__(self, path: Path, max_bytes: int | None = None) -> None:
        self.path = path
        self.max_bytes = max_bytes
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: BinaryIO = os.fdopen(open_append(path), "ab")  # held open for the run
        if self._file.tell() > 0 and not _ends_with_newline(path):
            self._file.write(b"\n")  # a torn last line must not swallow the next frame
        self._first_seq = _first_seq(path)
        self._pending: list[bytes] = []
        self._flush_scheduled = False
        self.compressing: set[asyncio.Future[None]] = set()

    def write_line(self, line: bytes, seq: int) -> None:
        """Append one frame already encoded (without its newline), with its sequence number."""
        if self._first_seq is None:
            self._first_seq = seq
        self._pending.append(line + b"\n")
        if self._flush_scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        self._flush_scheduled = True
        loop.call_soon(self.flush)

    def flush(self) -> None:
        """Hand the pending lines to the OS; rotate when the file is full."""
        self._flush_scheduled = False
        if self._pending and not self._file.closed:
            self._file.write(b"".join(self._pending))
            self._file.flush()
            if self.max_bytes is not None and self._file.tell() >= self.max_bytes:
                self._rotate()
        self._pending.clear()

    def _rotate(self) -> None:
        self._file.close()
        segment = self.path.with_name(SEGMENT_NAME.format(first_seq=self._first_seq or 0))
        os.replace(self.path, segment)
        self._file = os.fdopen(open_append(self.path), "ab")  # held open for the run
        self._first_seq = None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            compress_segment(segment)
            return
        job = loop.run_in_executor(None, compress_segment, segment)
        self.compressing.add(job)
        job.add_done_callback(self._compressed)

    def _compressed(self, job: asyncio.Future[None]) -> None:
        self.compressing.discard(job)
        if not job.cancelled() and job.exception() is not None:
            log.error("compressing a recording segment failed", exc_info=job.exception())

    def close(self) -> None:
        """Flush, fsync and close the file."""
        if self._file.closed:
            return
        self.flush()
        os.fsync(self._file.fileno())
        self._file.close()


def compress_segment(segment: Path) -> None:
    """Gzip a closed segment beside itself, then remove the plain file.

    The .gz appears whole (written under a temporary name, then renamed), and
    the plain file goes only after it: a reader always finds one whole copy.
    """
    target = segment.with_name(segment.name + ".gz")
    partial = segment.with_name(segment.name + ".gz.partial")
    with (
        open(segment, "rb") as src,
        os.fdopen(open_fresh(partial), "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6) as out,
    ):
        shutil.copyfileobj(src, out, 1 << 20)
    os.replace(partial, target)
    segment.unlink()


def _first_seq(path: Path) -> int | None:
    """The sequence number of a recording file's first frame, if it has one."""
    with open(path, "rb") as fh:
        first = fh.readline()
    try:
        return decode(first).seq if first.strip() else None
    except FrameError:
        return None


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"
