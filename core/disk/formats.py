"""Sources of frames on disk: which files, which format, and the frames in them.

A source is one file, plain or gzip (told by its first bytes, not its name),
or a folder read as one session: its recording segments
(`recording-N.jsonl.gz` / `recording-N.jsonl`, by the number in the name) and
then the current `recording.jsonl`. Three formats: "recording" (ocppdeck's
JSONL, core/wire/codec.py), "eventlog" (core/disk/importers/eventlog.py) and
"ocppj" (plain OCPP-J text logs, core/disk/importers/ocppj.py).

Everything streams: no file is read whole. A bad line or event is noted in the
ImportReport and skipped; only a source that cannot be read at all raises
SourceError.
"""

from __future__ import annotations

import gzip
import logging
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import BinaryIO

import orjson

from ..wire.codec import FrameError, decode
from ..wire.frame import Frame
from .importers import eventlog as import_eventlog
from .importers import ocppj as import_ocppj
from .station_share import Share

log = logging.getLogger("ocppdeck.formats")

FORMATS = ("recording", "eventlog", "ocppj")
CURRENT_SEGMENT = "recording.jsonl"
GZIP_MAGIC = b"\x1f\x8b"
MAX_LISTED = 1000  # skips kept with their line; all of them are counted
UNREADABLE = "unreadable"  # the skip of a file's tail that cannot be read
SNIFF_BYTES = 8192
CHUNK_BYTES = 1 << 16

_SEGMENT = re.compile(r"recording-.+\.jsonl(?:\.gz)?")
_READ_ERRORS = (OSError, EOFError, zlib.error)


class SourceError(Exception):
    """A source that cannot be read at all; the message is one line."""


@dataclass(slots=True)
class ImportReport:
    """What reading a source met: frames made, what was skipped and why, bytes read.

    Every record read (a non-blank line, or an event) ends up as a frame, a
    skip, or (in text logs) a line that is not a frame.
    """

    format: str = ""
    frames: int = 0
    not_frames: int = 0  # text-log lines without an OCPP-J array: counted, not listed
    skipped: list[tuple[str, int, str]] = field(default_factory=list)  # (file, line, reason)
    reasons: Counter[str] = field(default_factory=Counter)  # every skip, by reason
    source_bytes: int = 0  # on disk, all files of the sources read into this report
    bytes_read: int = 0  # on disk, so far
    file: str = ""  # the name of the file being read

    @property
    def skipped_count(self) -> int:
        """Skips in all, listed or not."""
        return self.reasons.total()

    @property
    def records(self) -> int:
        """Lines or events read."""
        return self.frames + self.skipped_count + self.not_frames

    def restart(self) -> None:
        """Forget what was read: the source is read again from its start."""
        self.frames = self.not_frames = self.source_bytes = self.bytes_read = 0
        self.skipped.clear()
        self.reasons.clear()

    def skip(self, line: int, reason: str, detail: str = "") -> None:
        """Note a skipped line (or event) of the file being read."""
        if reason == import_ocppj.NOT_A_FRAME:
            self.not_frames += 1
            return
        self.reasons[reason] += 1
        if len(self.skipped) < MAX_LISTED:
            self.skipped.append((self.file, line, f"{reason}: {detail}" if detail else reason))

    def summary(self) -> str:
        """One line, e.g. "1,234 frames; 3 skipped: 2 bad JSON, 1 unknown messageType"."""
        text = _plural(self.frames, "frame")
        if self.reasons:
            ranked = sorted(self.reasons.items(), key=lambda item: (-item[1], item[0]))
            why = ", ".join(f"{count:,} {reason}" for reason, count in ranked)
            text += f"; {self.skipped_count:,} skipped: {why}"
        else:
            text += "; none skipped"
        if self.not_frames:
            text += f"; {_plural(self.not_frames, 'line')} not frames"
        return text


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def source_files(path: Path) -> list[Path]:
    """The files of a source in reading order. Raises SourceError."""
    if path.is_dir():
        segments: dict[str, Path] = {}
        for child in path.iterdir():
            if child.is_file() and _SEGMENT.fullmatch(child.name):
                plain = child.name.removesuffix(".gz")
                # While a segment is being compressed both files exist: the plain
                # one is whole until it is removed, the .gz may not be yet.
                if plain not in segments or child.name == plain:
                    segments[plain] = child
        files = sorted(segments.values(), key=_segment_order)
        current = path / CURRENT_SEGMENT
        if current.is_file():
            files.append(current)
        if not files:
            raise SourceError(f"{path}: no recording segments in this folder")
        return files
    if not path.exists():
        raise SourceError(f"{path}: no such file or folder")
    if not path.is_file():
        raise SourceError(f"{path}: not a file")
    return [path]


def _segment_order(path: Path) -> tuple[tuple[int, ...], str]:
    return tuple(int(n) for n in re.findall(r"\d+", path.name)), path.name


def _stem(path: Path) -> str:
    """A file's name without `.gz` and its extension: the station of a bare text log."""
    return Path(path.name.removesuffix(".gz")).stem or path.name


@contextmanager
def _open(path: Path) -> Iterator[tuple[BinaryIO, BinaryIO]]:
    """(decoded stream, file on disk): gzip is read through when the bytes say so."""
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed below, after the caller is done
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror or exc}") from None
    try:
        stream: BinaryIO = raw
        if raw.peek(2)[:2] == GZIP_MAGIC:
            stream = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
        yield stream, raw
    finally:
        raw.close()


class _Progress:
    """Adds the on-disk bytes a file's reader has consumed to the report."""

    def __init__(self, raw: BinaryIO, report: ImportReport) -> None:
        self.raw, self.report, self.counted = raw, report, 0

    def update(self) -> None:
        at = self.raw.tell()
        self.report.bytes_read += at - self.counted
        self.counted = at

    def finish(self, path: Path) -> None:
        try:
            size = path.stat().st_size
        except OSError:
            return
        self.report.bytes_read += max(0, size - self.counted)
        self.counted = size


def _file_lines(path: Path, report: ImportReport) -> Iterator[tuple[int, list[bytes]]]:
    """A file's lines (without their newline) in batches of about CHUNK_BYTES, each with
    the number of its first line: a batch is handled in one go, not a line at a time."""
    report.file = path.name
    number = 1
    with _open(path) as (stream, raw):
        progress = _Progress(raw, report)
        read = stream.read
        parts: list[bytes] = []  # a line that runs on past the chunks read so far
        try:
            while chunk := read(CHUNK_BYTES):
                end = chunk.rfind(b"\n")
                if end < 0:
                    parts.append(chunk)
                    continue
                head = chunk[:end]
                lines = (b"".join((*parts, head)) if parts else head).split(b"\n")
                parts = [chunk[end + 1 :]]
                yield number, lines
                number += len(lines)
                progress.update()
            if parts and any(parts):
                yield number, [b"".join(parts)]
        except _READ_ERRORS as exc:
            _unreadable(report, path, number, exc)
        progress.finish(path)


def _file_chunks(path: Path, report: ImportReport, size: int) -> Iterator[bytes]:
    report.file = path.name
    with _open(path) as (stream, raw):
        progress = _Progress(raw, report)
        try:
            while chunk := stream.read(size):
                yield chunk
                progress.update()
        except _READ_ERRORS as exc:
            _unreadable(report, path, 0, exc)
        progress.finish(path)


def _unreadable(report: ImportReport, path: Path, line: int, exc: BaseException) -> None:
    # A torn gzip (a copy cut short, a segment still being written) loses its
    # tail, not the whole import.
    log.warning("%s: unreadable from line %d: %s", path, line, exc)
    report.skip(line, UNREADABLE, str(exc) or type(exc).__name__)


def open_chunks(
    path: Path, report: ImportReport | None = None, size: int = CHUNK_BYTES
) -> Iterator[bytes]:
    """Stream raw chunks of up to `size` bytes from a file or a folder's segments."""
    report = report if report is not None else ImportReport()
    for file in source_files(path):
        yield from _file_chunks(file, report, size)


def _head(path: Path) -> str:
    """The first few KB of a source's text."""
    head = b""
    for chunk in open_chunks(path, size=SNIFF_BYTES):
        head += chunk
        if len(head) >= SNIFF_BYTES:
            break
    return head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")


def detect_format(path: Path) -> str:
    """The format of a source ("recording", "eventlog" or "ocppj") from its first few KB.

    An empty source reads as a recording (with no frames). Raises SourceError
    when the source cannot be read or its format cannot be told.
    """
    head = _head(path)
    if not head:
        return "recording"
    if head.startswith("[") and head[1:].lstrip().startswith("{"):
        return "eventlog"  # a JSON array of objects
    for line in head.splitlines()[:20]:
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            value = None
        if isinstance(value, dict):
            if {"kind", "dir", "ts"} <= value.keys():
                return "recording"
            if "messageType" in value or "occurredAt" in value:
                return "eventlog"
        if import_ocppj.has_opener(line):
            return "ocppj"
    raise SourceError(
        f"{path}: cannot tell the format (recording, eventlog or ocppj); use --format"
    )


def read_frames(path: Path, fmt: str | None, report: ImportReport) -> Iterator[Frame]:
    """The frames of a source, in file order, in the given format (None: detect it).

    Raises SourceError at once when the source cannot be read; bad lines and
    events are noted in `report` as reading goes on.
    """
    return chain.from_iterable(read_batches(path, fmt, report))


def read_batches(
    path: Path, fmt: str | None, report: ImportReport, share: Share | None = None
) -> Iterator[list[Frame]]:
    """The frames of a source as `read_frames` gives them, a list of a few hundred at a
    time (`report.frames` counts each list before it is given).

    `share` (recordings only): only the frames of the stations in that share
    (core/disk/station_share.py, which may raise Misrouted as reading goes on).
    Raises SourceError at once when the source cannot be read.
    """
    files = source_files(path)
    if fmt is None:
        fmt = detect_format(path)
    elif fmt not in FORMATS:
        raise SourceError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    if share is not None and fmt != "recording":
        raise SourceError(f"only a recording is read in shares, not {fmt!r}")
    report.format = fmt
    report.source_bytes += sum(_size(file) for file in files)  # a report may span calls
    return _counted(_batches(files, fmt, report, _stem(path), share), report)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _batches(
    files: list[Path], fmt: str, report: ImportReport, station: str, share: Share | None
) -> Iterator[list[Frame]]:
    skip: Callable[[int, str, str], None] = report.skip
    if fmt == "eventlog":
        # One import per file: each file is a whole array, with its own lines.
        for file in files:
            chunks = _file_chunks(file, report, CHUNK_BYTES)
            yield from import_eventlog.import_event_batches(chunks, skip)
        return
    batches = (batch for file in files for batch in _file_lines(file, report))
    if fmt == "ocppj":
        yield from import_ocppj.import_batches(batches, skip, station)
    elif share is None:
        yield from _recording_batches(batches, skip)
    else:
        yield from _shared_batches(batches, skip, share)


def _recording_batches(
    batches: Iterator[tuple[int, list[bytes]]], skip: Callable[[int, str, str], None]
) -> Iterator[list[Frame]]:
    for first, lines in batches:
        try:
            # The usual batch: every line a frame, blank ones only at the end of a file.
            yield [decode(line) for line in lines if line]
        except FrameError:
            yield list(_recording_frames(first, lines, skip))


def _shared_batches(
    batches: Iterator[tuple[int, list[bytes]]],
    skip: Callable[[int, str, str], None],
    share: Share,
) -> Iterator[list[Frame]]:
    holds = share.holds
    for first, lines in batches:
        try:
            batch = [decode(line) for line in lines if line and holds(line)]
        except FrameError:
            batch = list(_recording_frames(first, lines, skip, holds))
        share.check(batch)
        yield batch


def _recording_frames(
    first: int,
    lines: list[bytes],
    skip: Callable[[int, str, str], None],
    holds: Callable[[bytes], bool] | None = None,
) -> Iterator[Frame]:
    for number, line in enumerate(lines, first):
        if not line.strip() or (holds is not None and not holds(line)):
            continue
        try:
            yield decode(line)
        except FrameError as exc:
            skip(number, "bad recording line", str(exc))


def _counted(batches: Iterator[list[Frame]], report: ImportReport) -> Iterator[list[Frame]]:
    for batch in batches:
        if batch:
            report.frames += len(batch)
            yield batch
