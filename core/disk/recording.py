"""The recording: an append-only JSONL file of every frame, one per line."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gzip
import logging
import os
import re
import shutil
from functools import partial
from pathlib import Path

from ..wire.codec import FrameError, decode
from . import files
from .forked import FORKS, run_forked
from .health import DiskHealth, Part

log = logging.getLogger("ocppdeck.recording")


SEGMENT_NAME = "recording-{first_seq:012d}.jsonl"  # a closed segment, named by its first frame
PLAIN_SEGMENT = re.compile(r"recording-(\d+)\.jsonl")
MAX_BUFFERED = 32 << 20  # bytes of frames held in memory while the disk refuses them


class Recorder:
    """Appends frames to a recording file, rotating it into gzip segments by size.

    Inside an event loop, the lines of one loop turn reach the OS together at
    the end of that turn (one write(2) instead of one per frame); a killed
    process loses at most the frames of the turn it died in. Outside a loop,
    each line is written at once.

    A full or read-only disk does not stop the recording: the lines it
    refuses stay in memory, up to `max_buffered` bytes, and `retry` (the
    engine calls it once a second, not once per frame) writes them when the
    disk takes them again. Past that bound new frames are dropped, counted in
    `health.dropped_frames`. A write the OS takes only part of goes on where
    it stopped, so a line is never torn by a full disk.

    When the current file passes `max_bytes` it is renamed to a segment named
    by its first frame's sequence number and compressed by a forked child (disk/forked);
    a reader takes the segments in order, then the current file. A rotation or
    a compression that fails is tried again later; until then the current file
    grows, or the segment stays plain, and both still read back.
    """

    def __init__(
        self,
        path: Path,
        max_bytes: int | None = None,
        health: DiskHealth | None = None,
        max_buffered: int = MAX_BUFFERED,
    ) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.max_buffered = max_buffered
        self.health = health or DiskHealth()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._size = path.stat().st_size if path.exists() else 0
        self._pending = bytearray()  # lines the OS has not taken yet, in order
        if self._size > 0 and not _ends_with_newline(path):
            self._pending += b"\n"  # a torn last line must not swallow the next frame
        self._first_seq = _first_seq(path) if self._size > 0 else None
        self._flush_scheduled = False
        self._closed = False
        self.compressing: set[asyncio.Future[object]] = set()
        self._fd: int | None = None  # held open for the run, once the disk lets it be opened
        self._open()

    @property
    def first_seq(self) -> int | None:
        """The sequence number of the current file's first frame (None while it is empty)."""
        return self._first_seq

    @property
    def buffered(self) -> int:
        """Bytes of frames waiting for the disk."""
        return len(self._pending)

    def write_line(self, line: bytes, seq: int) -> None:
        """Append one frame already encoded (without its newline), with its sequence number."""
        if len(self._pending) + len(line) >= self.max_buffered:
            self.health.dropped(1)
            return
        if self._first_seq is None:
            self._first_seq = seq
        self._pending += line
        self._pending += b"\n"
        if self._flush_scheduled or self.health.failing(Part.RECORDING):
            return  # a refusing disk is asked again by `retry`, not once per frame
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
        if self._closed or not self._pending or (self._fd is None and not self._open()):
            return
        assert self._fd is not None
        try:
            while self._pending:
                taken = files.write_some(self._fd, self._pending)
                if taken <= 0:
                    raise OSError(errno.ENOSPC, "the disk took nothing")
                del self._pending[:taken]
                self._size += taken
        except OSError as exc:
            self.health.failed(Part.RECORDING, exc)
            return
        self.health.ok(Part.RECORDING)
        if self._full() and not self.health.failing(Part.ROTATION):
            self._rotate()

    def retry(self) -> None:
        """Write what the disk refused before, and rotate if a rotation failed."""
        self.flush()
        if self._full() and not self._pending and self._fd is not None:
            self._rotate()

    def recompress(self) -> None:
        """Compress the closed segments a failed (or killed) compression left plain."""
        if self.compressing:
            return  # one pass at a time
        for segment in sorted(self.path.parent.glob("recording-*.jsonl")):
            if PLAIN_SEGMENT.fullmatch(segment.name):
                self._compress(segment)

    def _open(self) -> bool:
        """Open the current file for appending; False (and a fault) while the disk refuses."""
        try:
            self._fd = files.open_append(self.path)
        except OSError as exc:
            self.health.failed(Part.RECORDING, exc)
            return False
        return True

    def _full(self) -> bool:
        return self.max_bytes is not None and self._size >= self.max_bytes

    def _rotate(self) -> None:
        try:
            segment = self._close_segment()
        except OSError as exc:
            self.health.failed(Part.ROTATION, exc)
            return
        self.health.ok(Part.ROTATION)
        self._compress(segment)

    def _close_segment(self) -> Path:
        """Rename the full current file to its segment and start a new one; the segment."""
        assert self._fd is not None
        segment = self.path.with_name(SEGMENT_NAME.format(first_seq=self._first_seq or 0))
        files.replace(self.path, segment)
        try:
            fd = files.open_append(self.path)
        except OSError:
            files.replace(segment, self.path)  # one current file again; rotation comes later
            raise
        os.close(self._fd)
        self._fd, self._size, self._first_seq = fd, 0, None
        return segment

    def _compress(self, segment: Path) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            try:
                compress_segment(segment)
            except OSError as exc:
                self.health.failed(Part.COMPRESSION, exc)
                return
            self.health.ok(Part.COMPRESSION)
            return
        # Forked where it can be: a worker thread's compressor buffers would stay in the
        # CSMS's heap (disk/forked).
        job: asyncio.Future[object] = (
            asyncio.ensure_future(run_forked(partial(compress_segment, segment)))
            if FORKS
            else loop.run_in_executor(None, compress_segment, segment)
        )
        self.compressing.add(job)
        job.add_done_callback(self._compressed)

    def _compressed(self, job: asyncio.Future[object]) -> None:
        self.compressing.discard(job)
        if job.cancelled():
            return
        exc = job.exception()
        if exc is None:
            self.health.ok(Part.COMPRESSION)
        else:  # the plain segment stays and reads back; `recompress` tries again
            self.health.failed(Part.COMPRESSION, exc)

    def close(self) -> None:
        """Write what the disk takes, fsync and close the file.

        Lines the disk still refuses are lost with the process: they are
        counted as dropped and logged once.
        """
        if self._closed:
            return
        self.flush()
        self._closed = True
        if self._pending:
            lost = self._pending.count(b"\n")
            self.health.dropped(lost)
            log.error("%d frames could not be written to %s before closing", lost, self.path)
            self._pending.clear()
        if self._fd is None:
            return
        try:
            files.sync(self._fd)
        except OSError as exc:
            self.health.failed(Part.RECORDING, exc)
        finally:
            os.close(self._fd)
            self._fd = None


def compress_segment(segment: Path) -> None:
    """Gzip a closed segment beside itself, then remove the plain file.

    The .gz appears whole (written under a temporary name, then renamed), and
    the plain file goes only after it: a reader always finds one whole copy.
    A failure leaves the plain segment and no partial file.
    """
    target = segment.with_name(segment.name + ".gz")
    partial = segment.with_name(segment.name + ".gz.partial")
    try:
        with (
            open(segment, "rb") as src,
            os.fdopen(files.open_fresh(partial), "wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6) as out,
        ):
            shutil.copyfileobj(src, out, 1 << 20)
        files.replace(partial, target)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise
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
