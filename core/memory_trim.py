"""Give freed heap memory back to the system, and keep it from being scattered.

A snapshot of a big state builds tens of MB of objects and bytes that are freed right
after; glibc keeps such memory in the process (resident, counted against the CSMS)
until asked to trim. Two of glibc's defaults also keep memory a long run once needed:
- each thread that allocates gets an arena of its own (up to eight per core), and the
  CSMS's store writes and segment compression run in worker threads;
- a large block (a segment's 1 MiB chunks, a snapshot's bytes) is mapped on its own and
  unmapped when freed, but each such free raises the size from which blocks are mapped,
  up to 32 MiB, so later large blocks come from the heap and stay.
bench/soak.py, 1,000 stations, minute floors of the first life: 1.42 MB/min with both
defaults, 0.69-1.38 with two arenas, 0.53 with a fixed mapping threshold as well.
Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from typing import Any

M_MMAP_THRESHOLD = -3  # mallopt's parameter numbers (glibc malloc.h)
M_ARENA_MAX = -8
ARENAS = 2  # the main arena and one that the worker threads share
MAPPED_FROM = 128 * 1024  # glibc's own starting threshold, kept fixed


def _libc() -> Any | None:
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    # musl has neither call
    if libc is None or not hasattr(libc, "malloc_trim") or not hasattr(libc, "mallopt"):
        return None
    return libc


_LIBC = _libc()


def release_free_memory() -> bool:
    """Return the heap's free pages to the system; whether this platform could."""
    if _LIBC is None:
        return False
    _LIBC.malloc_trim(0)
    return True


def tune_heap() -> bool:
    """Make the threads started from now on share `ARENAS` malloc arenas rather than one
    each, and every block from `MAPPED_FROM` bytes be mapped on its own (so given back
    when freed); whether this platform could. Call once at start, before any worker
    thread."""
    if _LIBC is None:
        return False
    shared = _LIBC.mallopt(M_ARENA_MAX, ARENAS)
    mapped = _LIBC.mallopt(M_MMAP_THRESHOLD, MAPPED_FROM)
    return bool(shared and mapped)
