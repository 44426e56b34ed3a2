"""The file layer of the data dir: every byte ocppdeck writes there goes through here.

The dir is private (0700, its files 0600, whatever the umask; the CLI also
narrows the umask so a file made elsewhere, a log, is private too). Writes
are atomic or appended; the callers (store, recording, snapshot, journal)
reach these functions through the module, `files.write_atomic(...)`, so a
test can stand in for a full or read-only disk at this one layer.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Make `path` (and its parents) if need be; the dir itself ends 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if path.stat().st_mode & 0o777 != DIR_MODE:
        path.chmod(DIR_MODE)
    return path


def open_append(path: Path) -> int:
    """A descriptor for appending to `path`, made 0600 when it is new."""
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)


def open_fresh(path: Path) -> int:
    """A descriptor for writing `path` from empty, made 0600 when it is new."""
    return os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_CREAT, FILE_MODE)


def write_some(fd: int, data: bytes | bytearray | memoryview) -> int:
    """Write what the OS takes of `data` (a full disk may take only part); the bytes taken."""
    return os.write(fd, data)


def write_all(fd: int, data: bytes) -> None:
    """Write all of `data`, however many calls the OS needs."""
    view = memoryview(data)
    while view:
        view = view[write_some(fd, view) :]


def empty(fd: int) -> None:
    """Cut the file open at `fd` to nothing."""
    os.ftruncate(fd, 0)


def sync(fd: int) -> None:
    """Make what was written to `fd` durable."""
    os.fsync(fd)


def replace(src: Path, dst: Path) -> None:
    """Rename `src` over `dst` in one step."""
    os.replace(src, dst)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so a crash leaves either the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # made 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make the rename itself durable
    finally:
        os.close(dir_fd)


@dataclass(frozen=True, slots=True)
class Space:
    """How much disk the data dir uses, and how much its file system has left."""

    used: int
    free: int


def space(path: Path) -> Space:
    """The bytes of every file under `path` (the data dir), and the free bytes beside it."""
    used = 0
    stack = [path]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    try:
                        used += entry.stat(follow_symlinks=False).st_blocks * 512
                    except FileNotFoundError:  # a segment compressed away meanwhile
                        continue
    return Space(used, shutil.disk_usage(path).free)
