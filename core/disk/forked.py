"""Disk work done by a forked child, so that neither the event loop nor the CSMS's heap
pays for it; and work split between forked children, each on a core of its own.

A fork is the process as it was, copied only where either side writes: the child does
the work and leaves, and the parent's loop stops only for the fork itself. What the
work allocates (a snapshot's tens of MB, a compressor's buffers) is the child's and goes
with it. Done in a worker thread instead, the same buffers stay in the CSMS's malloc
arena for good: the first segment compressed in a soak raised the CSMS's resident
memory by 3 MB that never came back (bench/soak.py, 1,000 stations).

The child touches no lock another thread may hold (no logging, no loop); it says on a
pipe how its work went (its result, or why it failed) and leaves with os._exit, running
nothing of the parent's. It dies with
the process that forked it: left running by a CSMS killed with -9, it would write an old
snapshot over its successor's, or a segment that its successor is compressing too.
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import gc
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Generic, NoReturn, TypeVar

FORKS = sys.platform == "linux" and hasattr(os, "fork")
FAILED = 1  # the child's exit code when its work failed; the pipe says why
T = TypeVar("T")
PR_SET_PDEATHSIG = 1  # prctl's option number (linux/prctl.h)
# Looked up here, not in a child: a fork may have copied the loader's lock held.
_PRCTL = ctypes.CDLL(None).prctl if FORKS else None


async def run_forked(work: Callable[[], None]) -> float:
    """Run `work` in a forked child; the seconds the child took. OSError (the child's
    errno and message) when the work raised. Only where `FORKS`."""
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        # A collection would walk, and so copy, every page of the heap: a short job
        # (a snapshot, a segment) does without.
        _child(work, write_end, parent, collect=False)
    os.close(write_end)
    began = time.perf_counter()
    try:
        status = await _reaped(pid)
        with os.fdopen(read_end, "rb", closefd=False) as pipe:
            done, value = _answer(pipe.read(), status)  # no result: it fits the pipe
    finally:
        os.close(read_end)
    if not done:
        number, why = value
        raise OSError(number or errno.EIO, why)
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


def forked_result(work: Callable[[], T], collect: bool = True) -> Forked[T]:
    """Start `work` in a forked child now. Only where `FORKS`. `collect=False` for a
    short job: the child's collector stays off (see run_forked).

    Only work that takes no lock another thread of this process may hold (no logging,
    no loop): a fork copies those locks as they were."""
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(work, write_end, parent, collect)
    os.close(write_end)
    return Forked(pid, read_end)


class Forked(Generic[T]):
    """A forked child's work: its result (pickled over a pipe) once it is done."""

    def __init__(self, pid: int, pipe: int) -> None:
        self.pid = pid
        self._pipe: int | None = pipe

    def result(self) -> T:
        """The work's result, waited for. ForkedError when it raised or the child died."""
        if self._pipe is None:
            raise ForkedError("the result was taken, or the child killed")
        with os.fdopen(self._pipe, "rb") as pipe:
            self._pipe = None
            data = pipe.read()  # to the end: the child has written all of it, or died
        done, value = _answer(data, os.waitpid(self.pid, 0)[1])
        if not done:
            raise ForkedError(value[1])
        return value

    def kill(self) -> None:
        """Stop the child if its result was not taken (the caller gave up on it)."""
        if self._pipe is None:
            return
        os.close(self._pipe)
        self._pipe = None
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)


class ForkedError(Exception):
    """A forked child's work failed; the message says how (one line)."""


def _answer(data: bytes, status: int) -> tuple[bool, Any]:
    """What a child said: (True, its result), or (False, (errno or 0, why))."""
    try:
        answer: tuple[bool, Any] = pickle.loads(data)
    except Exception:  # a child killed mid-write leaves a cut pickle, or nothing
        return False, (0, f"the forked process ended with status {status}")
    return answer


def _child(work: Callable[[], object], pipe: int, parent: int, collect: bool = True) -> NoReturn:
    """Do the work, say how it went on the pipe, and leave, running nothing of the
    parent's."""
    code = 0
    try:
        if not collect:
            gc.disable()
        _bind_to(parent)
        answer: tuple[bool, Any] = (True, work())
    except OSError as exc:
        code = FAILED
        answer = (False, (exc.errno or 0, exc.strerror or str(exc)))
    except BaseException as exc:  # the child must leave, whatever happened
        code = FAILED
        answer = (False, (0, f"{type(exc).__name__}: {exc}"))
    try:
        with os.fdopen(pipe, "wb") as out:
            out.write(pickle.dumps(answer, pickle.HIGHEST_PROTOCOL))
    except BaseException:  # the parent sees a cut answer, and says so
        code = FAILED
    finally:
        os._exit(code)


def _bind_to(parent: int) -> None:
    """Die with the process that forked this one; OSError when it is gone already."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        raise OSError(errno.ECHILD, "the process that forked it has ended")
