"""One ocppdeck per data dir: an exclusive lock held for as long as a run uses it.

Two engines on one data dir would interleave their recordings and overwrite
each other's store; `ocppdeck stations` must not change the store under a
running console either. The lock is the OS's (flock), so a killed process
never leaves it behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_FILE = ".lock"


class DataDirBusy(OSError):
    """Another ocppdeck holds the data dir; the message says what to do."""


class DataDirLock:
    """Holds the data dir's lock from creation until `release`."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            self._fd = None
            raise DataDirBusy(
                f"{data_dir} is in use by another ocppdeck: stop it, or use its console"
            ) from None

    def release(self) -> None:
        """Let another run use the data dir."""
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __del__(self) -> None:
        self.release()
