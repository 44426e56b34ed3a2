"""A full disk, simulated at the file layer (core/disk/files.py) that every writer of the data
dir goes through: while it is full, each file creation, write, sync and rename there raises
OSError ENOSPC, as the kernel would. Reads and everything else of the engine are untouched.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import Any

import pytest

from ocppdeck.core.disk import files

WRITERS = ("open_append", "open_fresh", "write_some", "sync", "replace", "write_atomic", "empty")


def refuse_writes(
    is_full: Callable[[], bool], patch: Callable[[Any, str, Any], None] = setattr
) -> None:
    """Make the file layer's writers raise ENOSPC whenever `is_full()` says so (`patch` is
    `monkeypatch.setattr` in a test, plain `setattr` in a server subprocess)."""
    for name in WRITERS:
        patch(files, name, _refusing(getattr(files, name), is_full))


def _refusing(real: Callable[..., Any], is_full: Callable[[], bool]) -> Callable[..., Any]:
    def write(*args: Any, **kwargs: Any) -> Any:
        if is_full():
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)

    return write


class FullDisk:
    """A switch for a test in this process: `full = True` fills the disk, False frees it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.full = False
        refuse_writes(lambda: self.full, monkeypatch.setattr)
