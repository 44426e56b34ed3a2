"""A snapshot written by a forked child, so the event loop does not stop for it.

A snapshot must be of one consistent state, so it used to be serialized on the loop:
with 10,000 stations that held every station for a third of a second. A fork is that
consistent state for free (its memory is the parent's, copied only where either side
writes): the child serializes and writes the snapshot while the CSMS goes on answering,
and the loop stops only for the fork itself. Where fork is not what Linux's is, the
snapshot is serialized on the loop as before.

The child touches no lock another thread may hold (no logging, no loop); it says why
it failed on a pipe and leaves with os._exit, running nothing of the parent's.
"""

from __future__ import annotations

import asyncio
import errno
import gc
import os
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import NoReturn

from ..model.projection import Projection
from . import files, snapshot

FORKS = sys.platform == "linux" and hasattr(os, "fork")
FAILED = 1  # the child's exit code when it could not write; the pipe says why
REPORT_BYTES = 1024


async def write_snapshot(projection: Projection, seq: int, path: Path) -> float:
    """Write the projection's snapshot at `seq` to `path` (atomically); the seconds spent
    off the loop. OSError when it could not be written."""
    if not FORKS:
        data = snapshot.dump(projection, seq)
        began = time.perf_counter()
        await asyncio.to_thread(files.write_atomic, path, data)
        return time.perf_counter() - began
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        _child(projection, seq, path, write_end)
    os.close(write_end)
    began = time.perf_counter()
    try:
        status = await _reaped(pid)
        report = os.read(read_end, REPORT_BYTES).decode("utf-8", "replace")
    finally:
        os.close(read_end)
    if os.waitstatus_to_exitcode(status) != 0:
        code, _, why = report.partition("\t")
        number = int(code) if code.isdigit() else errno.EIO
        raise OSError(number, why or f"the snapshot writer ended with status {status}")
    return time.perf_counter() - began


async def _reaped(pid: int) -> int:
    """The child's wait status. Cancelled meanwhile, it still waits for the child (a
    second or so): a snapshot still being written must not land after a newer one."""
    exited: Future[int] = Future()

    def wait() -> None:
        try:
            exited.set_result(os.waitpid(pid, 0)[1])
        except BaseException as exc:  # reported to the awaiting side
            exited.set_exception(exc)

    threading.Thread(target=wait, name="snapshot-writer", daemon=True).start()
    try:
        return await asyncio.shield(asyncio.wrap_future(exited))
    except asyncio.CancelledError:
        exited.result()
        raise


def _child(projection: Projection, seq: int, path: Path, report: int) -> NoReturn:
    code = 0
    try:
        gc.disable()  # a collection would walk, and so copy, every page of the heap
        files.write_atomic(path, snapshot.dump(projection, seq))
    except OSError as exc:
        code = FAILED
        os.write(report, f"{exc.errno or 0}\t{exc.strerror or exc}".encode()[:REPORT_BYTES])
    except BaseException as exc:  # the child must leave, whatever happened
        code = FAILED
        os.write(report, f"0\t{type(exc).__name__}: {exc}".encode()[:REPORT_BYTES])
    finally:
        os._exit(code)
