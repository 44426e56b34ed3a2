"""What stations uploaded (diagnostics, logs): kept under the data dir, one folder per station.

A file is written as it arrives, never held whole in memory, to a hidden part file
made 0600 (no exec bit, whatever the station sent); past the size bound it is deleted
and nothing is kept. A complete file is linked to its final name, which never replaces
another: a repeated name gets a number. A station's folder is bounded too: an upload
that would take it past its total is refused before a byte is written.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from ..disk import files
from .names import safe_name, station_folder, station_of

FOLDER = "uploads"
PART_PREFIX = ".part-"
MAX_LISTED = 2_000  # uploads a listing shows, newest first
VIEW_BYTES = 256 * 1024  # what the viewer reads of a file


class UploadRefused(Exception):
    """An upload that is not kept; `status` is the HTTP status that says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Upload:
    """One uploaded file."""

    station_id: str
    name: str
    size: int
    at: float  # when it was complete (epoch seconds)
    path: Path


@dataclass(frozen=True, slots=True)
class TextView:
    """The start of a file as text, for the viewer."""

    text: str
    cut: bool  # the file goes on past what was read
    binary: bool  # not text: nothing to show


def uploads_dir(data_dir: Path) -> Path:
    """Where uploads are kept."""
    return data_dir / FOLDER


def used_by(folder: Path) -> int:
    """The bytes a station's folder holds (part files too)."""
    try:
        return sum(e.stat().st_size for e in os.scandir(folder) if e.is_file())
    except FileNotFoundError:
        return 0


async def receive(
    data_dir: Path,
    station_id: str,
    given_name: str,
    chunks: AsyncIterator[bytes],
    max_bytes: int,
    station_max_bytes: int,
    declared: int | None = None,
) -> Upload:
    """Write what arrives as a station's upload; UploadRefused (413) past `max_bytes` or
    past what its folder may still hold (`declared`: the Content-Length, when given)."""
    folder = uploads_dir(data_dir) / station_folder(station_id)
    room = station_max_bytes - await asyncio.to_thread(_prepare, folder)
    limit = min(max_bytes, room)
    if limit <= 0 or (declared is not None and declared > limit):
        raise UploadRefused(413, _too_large(max_bytes, room))
    part = folder / f"{PART_PREFIX}{os.urandom(8).hex()}"
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, files.FILE_MODE)
    try:
        size = 0
        async for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise UploadRefused(413, _too_large(max_bytes, room))
            await asyncio.to_thread(files.write_all, fd, chunk)
        await asyncio.to_thread(files.sync, fd)
        final = await asyncio.to_thread(_link_fresh, part, folder, safe_name(given_name))
    finally:
        os.close(fd)
        part.unlink(missing_ok=True)
    stat = final.stat()
    return Upload(station_id, final.name, stat.st_size, stat.st_mtime, final)


def _prepare(folder: Path) -> int:
    """Make the station's folder (0700); the bytes it holds."""
    files.private_dir(folder.parent)
    files.private_dir(folder)
    return used_by(folder)


def _too_large(max_bytes: int, room: int) -> str:
    if room < max_bytes:
        return f"this station's uploads are full (room for {max(room, 0)} more bytes)"
    return f"an upload is at most {max_bytes} bytes"


def _link_fresh(part: Path, folder: Path, name: str) -> Path:
    """Give the part file `name`, or `name-2`, `name-3`… when taken: never replaces a file."""
    stem, dot, ext = name.partition(".")
    for n in range(1, 10_000):
        candidate = folder / (name if n == 1 else f"{stem}-{n}{dot}{ext}")
        try:
            os.link(part, candidate)
        except FileExistsError:
            continue
        return candidate
    raise UploadRefused(409, f"too many uploads named {name}")


def listing(data_dir: Path) -> list[Upload]:
    """Every station's uploads, newest first, at most MAX_LISTED."""
    found: list[Upload] = []
    root = uploads_dir(data_dir)
    try:
        folders = [e for e in os.scandir(root) if e.is_dir(follow_symlinks=False)]
    except FileNotFoundError:
        return []
    for folder in folders:
        station_id = station_of(folder.name)
        for entry in os.scandir(folder.path):
            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                continue
            stat = entry.stat(follow_symlinks=False)
            found.append(Upload(station_id, entry.name, stat.st_size, stat.st_mtime, Path(entry)))
    found.sort(key=lambda u: (-u.at, u.station_id, u.name))
    return found[:MAX_LISTED]


def view(path: Path, limit: int = VIEW_BYTES) -> TextView:
    """The start of an upload as text (UTF-8, undecodable bytes replaced); a file with NUL
    bytes is binary and shows nothing."""
    with path.open("rb") as fh:
        data = fh.read(limit + 1)
    cut = len(data) > limit
    data = data[:limit]
    if b"\0" in data:
        return TextView("", cut, True)
    return TextView(data.decode("utf-8", "replace"), cut, False)
