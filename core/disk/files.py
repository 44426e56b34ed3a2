"""The data dir is private: recordings and the store hold id tags and station traffic.

The dir is 0700 and what ocppdeck writes in it 0600, whatever the umask; the
CLI also narrows the umask so a file made elsewhere (a log) is private too.
"""

from __future__ import annotations

import os
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
