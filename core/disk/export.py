"""Frame export: frames written to a file a person names, as JSONL or CSV.

JSONL is ocppdeck's recording format, written by the recording's own encoder,
so an export replays and projects like any recording. CSV is for a
spreadsheet: one row a frame, times in ISO-8601 UTC, payloads as compact
JSON, and no cell a spreadsheet would run as a formula. The file appears
whole or not at all: it is written beside the target under a temporary name
and renamed at the end. Pure of UI: the console hands it frames and is told
how far it has got.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import orjson

from ..clock import to_iso
from ..wire.codec import encode
from ..wire.frame import Frame, Kind
from . import files

FORMATS = {".jsonl": "jsonl", ".csv": "csv"}  # by the target's extension
CHUNK = 5_000  # frames written (and reported) at a time
CSV_COLUMNS = (
    "time",
    "station",
    "direction",
    "kind",
    "message_id",
    "action",
    "error_code",
    "payload",
    "text",
    "protocol",
    "frame",
)
# A cell starting with one of these is a formula to a spreadsheet (OWASP's list).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Progress = Callable[[int, int], None]  # (frames written, frames in all)


class ExportError(Exception):
    """An export that was not made; the message is one line."""


class TargetExists(ExportError):
    """The target is there already and replacing it was not asked for."""


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One frame to export, with the action of the CALL it answers when the caller knows it
    (a CALLRESULT carries no action of its own)."""

    frame: Frame
    call_action: str = ""


def export_format(path: Path) -> str:
    """The format a file's extension names ("jsonl" or "csv"); ExportError for any other."""
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise ExportError(
            f"{path.name}: name a .jsonl file (a recording: it replays) or a .csv file "
            "(for a spreadsheet)"
        )
    return found


def export_frames(
    path: Path,
    rows: Iterable[ExportRow],
    total: int,
    *,
    overwrite: bool = False,
    progress: Progress | None = None,
    chunk: int = CHUNK,
) -> int:
    """Write `rows` to `path` in the format its extension names; the frames written.

    `total` is how many rows are expected, for `progress`, which is called
    before the first chunk and after each. Raises ExportError (TargetExists
    when `path` exists and `overwrite` is false); whatever goes wrong, or is
    raised by `rows`, leaves no file behind and the target as it was.
    """
    fmt = export_format(path)
    _check_target(path, overwrite)
    lines = _jsonl_lines if fmt == "jsonl" else _csv_lines
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    except OSError as exc:
        raise ExportError(_why(path, exc)) from None
    temporary = Path(name)
    done = 0
    try:
        try:
            if fmt == "csv":
                files.write_all(fd, _csv_text([CSV_COLUMNS]))
            if progress is not None:
                progress(0, total)
            pending = iter(rows)
            while batch := list(islice(pending, chunk)):
                files.write_all(fd, lines(batch))
                done += len(batch)
                if progress is not None:
                    progress(done, total)
            files.sync(fd)
        finally:
            os.close(fd)
        _check_target(path, overwrite)  # a file that appeared meanwhile is not replaced unasked
        files.replace(temporary, path)
    except OSError as exc:
        _discard(temporary)
        raise ExportError(_why(path, exc)) from None
    except BaseException:
        _discard(temporary)
        raise
    return done


def _check_target(path: Path, overwrite: bool) -> None:
    if not path.parent.is_dir():
        raise ExportError(f"{path.parent}: no such folder")
    if path.is_dir():
        raise ExportError(f"{path}: is a folder")
    if path.exists() and not overwrite:
        raise TargetExists(f"{path}: exists already")


def _why(path: Path, exc: OSError) -> str:
    return f"{path}: {exc.strerror or exc}"


def _discard(temporary: Path) -> None:
    with contextlib.suppress(OSError):
        temporary.unlink(missing_ok=True)


def _jsonl_lines(batch: list[ExportRow]) -> bytes:
    return b"".join([encode(row.frame) + b"\n" for row in batch])


def _csv_lines(batch: list[ExportRow]) -> bytes:
    return _csv_text([csv_row(row) for row in batch])


def _csv_text(rows: Iterable[Iterable[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    # A station's text may hold what UTF-8 cannot (a lone surrogate): replaced, not fatal.
    return out.getvalue().encode("utf-8", "replace")


def csv_row(row: ExportRow) -> tuple[str, ...]:
    """The CSV cells of one frame, in CSV_COLUMNS order; text a station chose is made safe
    to open in a spreadsheet (see `safe_cell`)."""
    frame = row.frame
    action = frame.action if frame.kind is Kind.CALL else row.call_action
    code = frame.action if frame.kind is Kind.ERROR else ""
    return (
        _iso_time(frame.ts),
        safe_cell(frame.station),
        frame.direction.value,
        frame.kind.value,
        safe_cell(frame.unique_id),
        safe_cell(action),
        safe_cell(code),
        safe_cell(orjson.dumps(frame.payload).decode()),
        safe_cell(frame.text),
        safe_cell(frame.protocol),
        str(frame.seq),
    )


def safe_cell(text: str) -> str:
    """`text` as a cell no spreadsheet runs: a leading = + - @ tab or CR is quoted with '."""
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _iso_time(ts: float) -> str:
    try:
        return to_iso(ts)
    except (OverflowError, OSError, ValueError):  # an imported log's impossible time
        return repr(ts)
