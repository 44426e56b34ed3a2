"""Disk work done by a forked child, so that neither the event loop nor the CSMS's heap
pays for it.

A fork is the process as it was, copied only where either side writes: the child does
the work and leaves, and the parent's loop stops only for the fork itself. What the
work allocates (a snapshot's tens of MB, a compressor's buffers) is the child's and goes
with it. Done in a worker thread instead, the same buffers stay in the CSMS's malloc
arena for good: the first segment compressed in a soak raised the CSMS's resident
memory by 3 MB that never came back (bench/soak.py, 1,000 stations).

The child touches no lock another thread may hold (no logging, no loop); it says why it
failed on a pipe and leaves with os._exit, running nothing of the parent's. It dies with
the process that forked it: left running by a CSMS killed with -9, it would write an old
snapshot over its successor's, or a segment that its successor is compressing too.
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import gc
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import NoReturn

FORKS = sys.platform == "linux" and hasattr(os, "fork")
FAILED = 1  # the child's exit code when its work failed; the pipe says why
REPORT_BYTES = 1024
PR_SET_PDEATHSIG = 1  # prctl's option number (linux/prctl.h)
# Looked up here, not in a child: a fork may have copied the loader's lock held.
_PRCTL = ctypes.CDLL(None).prctl if FORKS else None


async def run_forked(work: Callable[[], object]) -> float:
    """Run `work` in a forked child; the seconds the child took. OSError (the child's
    errno and message) when the work raised. Only where `FORKS`."""
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        _child(work, write_end, parent)
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
        raise OSError(number, why or f"the forked writer ended with status {status}")
    return time.perf_counter() - began


async def _reaped(pid: int) -> int:
    """The child's wait status. Cancelled meanwhile, it still waits for the child: its
    work (a snapshot, a segment) must not land after what the caller does next."""
    exited: Future[int] = Future()

    def wait() -> None:
        try:
            exited.set_result(os.waitpid(pid, 0)[1])
        except BaseException as exc:  # reported to the awaiting side
            exited.set_exception(exc)

    threading.Thread(target=wait, name="forked-writer", daemon=True).start()
    try:
        return await asyncio.shield(asyncio.wrap_future(exited))
    except asyncio.CancelledError:
        exited.result()
        raise


def _child(work: Callable[[], object], report: int, parent: int) -> NoReturn:
    code = 0
    try:
        gc.disable()  # a collection would walk, and so copy, every page of the heap
        if _PRCTL is not None:
            _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            raise OSError(errno.ECHILD, "the process that forked it has ended")
        work()
    except OSError as exc:
        code = FAILED
        os.write(report, f"{exc.errno or 0}\t{exc.strerror or exc}".encode()[:REPORT_BYTES])
    except BaseException as exc:  # the child must leave, whatever happened
        code = FAILED
        os.write(report, f"0\t{type(exc).__name__}: {exc}".encode()[:REPORT_BYTES])
    finally:
        os._exit(code)
