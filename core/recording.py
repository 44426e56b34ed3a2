"""The recording: an append-only JSONL file of every frame, one per line."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .frame import Frame, FrameError, decode, encode

log = logging.getLogger("ocppdeck.recording")


class Recorder:
    """Appends frames to a recording file.

    Inside an event loop, the lines of one loop turn reach the OS together at
    the end of that turn (one write(2) instead of one per frame); a killed
    process loses at most the frames of the turn it died in. Outside a loop,
    each line is written at once.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: BinaryIO = open(path, "ab")  # noqa: SIM115 - held open for the run
        if self._file.tell() > 0 and not _ends_with_newline(path):
            self._file.write(b"\n")  # a torn last line must not swallow the next frame
        self.lines_written = 0
        self._pending: list[bytes] = []
        self._flush_scheduled = False

    def write(self, frame: Frame) -> None:
        """Append one frame."""
        self.write_line(encode(frame))

    def write_line(self, line: bytes) -> None:
        """Append one frame already encoded (without its newline)."""
        self._pending.append(line + b"\n")
        self.lines_written += 1
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
        """Hand the pending lines to the OS."""
        self._flush_scheduled = False
        if self._pending and not self._file.closed:
            self._file.write(b"".join(self._pending))
            self._file.flush()
        self._pending.clear()

    def offset(self) -> int:
        """Bytes in the recording so far."""
        self.flush()
        return self._file.tell()

    def close(self) -> None:
        """Flush, fsync and close the file."""
        if self._file.closed:
            return
        self.flush()
        os.fsync(self._file.fileno())
        self._file.close()


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


@dataclass(slots=True)
class ReadReport:
    """What reading a recording met: frames read and lines skipped, with why."""

    frames: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    last_seq: int = 0


def read_recording(path: Path, report: ReadReport | None = None, start: int = 0) -> Iterator[Frame]:
    """Stream the frames of a recording from byte offset `start`; bad lines are skipped
    and noted in `report` with their line number (counted from `start`)."""
    report = report if report is not None else ReadReport()
    with open(path, "rb") as fh:
        fh.seek(start)
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                frame = decode(line)
            except FrameError as exc:
                report.skipped.append((lineno, str(exc)))
                log.warning("%s:%d skipped: %s", path, lineno, exc)
                continue
            report.frames += 1
            report.last_seq = max(report.last_seq, frame.seq)
            yield frame
