"""OCPP 1.6 transaction ids: never handed out twice, even across a full disk and a kill -9.

Ids are reserved a block at a time (hi-lo): one atomic, fsync'd write of the
highest id reserved, then the block is handed out from memory. The next block
is reserved in the background (`reserve`, off the event loop) while half of
this one is still left, so a StartTransaction does not wait on the disk and
a full disk leaves a runway of ids already on disk. A kill -9 wastes at most
the rest of a block.

When the runway is gone and no block can be written, no id is handed out
(`take` raises OSError, the store NoTransactionId) and the StartTransaction
is refused (idTagInfo Invalid, transactionId REFUSED) rather than numbered.
Why refuse rather than hand out an id from a range of its own: an id must be
unique across a kill -9, and only something on disk can promise that. A
range derived from the clock collides as soon as two starts share a tick or
the clock steps back, and a random one collides by chance. A refused start
is honest: the station stops it, the console and /metrics show why, and
starts are numbered again as soon as the disk takes a block. REFUSED (0) is
never a handed-out id: those start at 1.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from ..disk import files

BLOCK = 1000  # ids reserved per durable write
LOW_WATER = BLOCK // 2  # reserve the next block while this many are left
REFUSED = 0  # the transactionId of a refused start: handed ids start at 1


class NoTransactionId(Exception):
    """No id is reserved on disk and none could be: the start must be refused."""


class TransactionIds:
    """Hands out 1.6 transaction ids from blocks reserved on disk."""

    def __init__(self, path: Path, floor: int = 0) -> None:
        """Start past everything a previous run may have handed out (`floor`: an
        older data dir's counter, kept in the store)."""
        self.path = path
        reserved = max(_read(path), floor)
        self._next = reserved + 1
        self._reserved = reserved  # the highest id reserved on disk
        self._lock = threading.Lock()  # the background reservation and `take`'s own

    @property
    def left(self) -> int:
        """Ids reserved on disk and not handed out yet."""
        return self._reserved - self._next + 1

    @property
    def running_low(self) -> bool:
        """Whether the next block should be reserved now."""
        return self.left < LOW_WATER

    def take(self) -> int:
        """An id never handed out before; OSError when none is reserved and none can be."""
        if self.left <= 0:
            self.reserve(1)
        tx_id = self._next
        self._next += 1
        return tx_id

    def reserve(self, wanted: int = LOW_WATER) -> None:
        """Reserve the next block on disk unless `wanted` ids are left; safe from a thread."""
        with self._lock:
            if self.left >= wanted:
                return  # another caller reserved meanwhile
            target = self._reserved + BLOCK
            files.write_atomic(self.path, json.dumps({"reserved": target}).encode())
            self._reserved = target


def _read(path: Path) -> int:
    """The highest id reserved, as the file says; 0 for none (a first run)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return 0
    try:
        return int(json.loads(text)["reserved"])
    except (ValueError, KeyError, TypeError) as exc:
        # Guessing low would hand out ids again: stop and say so.
        raise OSError(f"{path} is damaged ({exc}): it says which ids were handed out") from None
