"""One ocppdeck per data dir: an exclusive lock held for as long as a run uses it.

Two engines on one data dir would interleave their recordings and overwrite
each other's store; `ocppdeck stations` must not change the store under a
running console either. The lock is the OS's (flock), so a killed process
never leaves it behind. Its holder writes its PID and command line into the
lock file, so a process refused can say who holds the data dir.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shlex
import sys
from pathlib import Path

from .files import private_dir

LOCK_FILE = ".lock"
_HOLDER_BYTES = 4096  # the most read of a holder's note: the file is only ours, but bounded
_COMMAND_CHARS = 200  # the longest command line shown in a refusal


class DataDirBusy(OSError):
    """Another ocppdeck holds the data dir; the message says who and what to do."""


def this_process() -> str:
    """This process's command line, as a user would type it."""
    return shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]])


def _holder(fd: int) -> str:
    """Who the lock file says holds it: "PID 123: ocppdeck serve …", or "" when it says nothing.

    The holder writes its note just after taking the lock, so a refused process
    can read it before it is there.
    """
    text = os.pread(fd, _HOLDER_BYTES, 0).decode("utf-8", "replace")
    pid, _, command = text.partition("\n")
    if not pid.strip().isdigit():
        return ""
    shown = "".join(c if c.isprintable() else "?" for c in command.strip())
    if len(shown) > _COMMAND_CHARS:
        shown = shown[: _COMMAND_CHARS - 1] + "…"
    return f"PID {pid.strip()}: {shown}" if shown else f"PID {pid.strip()}"


class DataDirLock:
    """Holds the data dir's lock from creation until `release`.

    Taking it is the first thing a run does to a data dir (it is created,
    private, when missing); a refused run has changed nothing else there.
    """

    def __init__(self, data_dir: Path) -> None:
        self._fd: int | None = None
        private_dir(data_dir)
        self.path = data_dir / LOCK_FILE
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            who = f"another ocppdeck ({holder})" if holder else "another ocppdeck"
            raise DataDirBusy(
                f"{data_dir} is in use by {who}: stop it first, or look without changing "
                f"anything: ocppdeck replay {shlex.quote(str(data_dir))}"
            ) from None
        note = f"{os.getpid()}\n{this_process()}\n"
        with contextlib.suppress(OSError):  # a full disk must not stop a run: the note only informs
            os.ftruncate(fd, 0)
            os.pwrite(fd, note.encode("utf-8", "replace"), 0)
        self._fd = fd

    def release(self) -> None:
        """Let another run use the data dir."""
        if self._fd is not None:
            with contextlib.suppress(OSError):  # still held: a run that ended leaves no note
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __del__(self) -> None:
        self.release()
