"""Give freed heap memory back to the system, and keep it from being scattered.

A snapshot of a big state builds tens of MB of objects and bytes that are freed right
after; glibc keeps such memory in the process (resident, counted against the CSMS)
until asked to trim. And glibc gives each thread that allocates its own arena (up to
eight per core), each holding on to what it once needed: the CSMS's store writes and
segment compression run in worker threads, and their arenas kept growing resident
memory over a long run (bench/soak.py, 1,000 stations: minute floors rose 1.42 MB/min
with glibc's default, 0.69-0.83 with two arenas). Elsewhere than glibc both do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from typing import Any

M_ARENA_MAX = -8  # mallopt's parameter number (glibc malloc.h)
ARENAS = 2  # the main arena and one that the worker threads share


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


def share_arenas() -> bool:
    """Make the threads started from now on share `ARENAS` malloc arenas rather than one
    each; whether this platform could. Call once at start, before any worker thread."""
    if _LIBC is None:
        return False
    return bool(_LIBC.mallopt(M_ARENA_MAX, ARENAS))
