"""Give freed heap memory back to the system. A snapshot of a big state builds tens of MB
of objects and bytes that are freed right after; glibc keeps such memory in the process
(resident, counted against the CSMS) until asked to trim. Elsewhere this does nothing."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Callable


def _trimmer() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None


_TRIM = _trimmer()


def release_free_memory() -> bool:
    """Return the heap's free pages to the system; whether this platform could."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
