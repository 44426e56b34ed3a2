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

Where a block comes from is a `BlockSource`: this data dir alone (`LocalBlocks`), or,
with `--bus`, a counter the whole cluster shares (core/cluster/id_blocks.py), so no two
nodes hand out the same id. Either way the block is written here before its first id is
handed out: this file is the node's crash-safe record of what it may have handed out.
A cluster's block is claimed over the network, so never on the event loop: with none
held, a start is refused until the background reservation brings one.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from pathlib import Path
from typing import Protocol

from ..disk import files

BLOCK = 1000  # ids reserved per durable write
LOW_WATER = BLOCK // 2  # reserve the next block while this many are left
REFUSED = 0  # the transactionId of a refused start: handed ids start at 1


class NoTransactionId(Exception):
    """No id is reserved on disk and none could be: the start must be refused."""


class BlockSource(Protocol):
    """Where blocks of ids come from."""

    # Whether a claim may wait on the network: then it is never made on the event loop.
    waits: bool

    def claim(self, floor: int, size: int) -> tuple[int, int]:
        """The first and last id of a block no one was given before, all above `floor`;
        OSError when none can be had now."""
        ...


class LocalBlocks:
    """Blocks of this data dir alone: each follows the one before."""

    waits = False

    def claim(self, floor: int, size: int) -> tuple[int, int]:
        """The `size` ids after `floor`."""
        return floor + 1, floor + size


class TransactionIds:
    """Hands out 1.6 transaction ids from blocks reserved on disk."""

    def __init__(self, path: Path, floor: int = 0, source: BlockSource | None = None) -> None:
        """Start past everything a previous run may have handed out (`floor`: an
        older data dir's counter, kept in the store)."""
        self.path = path
        self.source: BlockSource = source or LocalBlocks()
        self._reserved = max(_read(path), floor)  # the highest id reserved on disk
        # The blocks held, oldest first, each as (next id to hand out, last id). Only
        # `take` changes the first; only `reserve` appends (from a thread).
        self._blocks: deque[tuple[int, int]] = deque()
        self._lock = threading.Lock()  # the background reservation and `take`'s own

    @property
    def left(self) -> int:
        """Ids reserved on disk and not handed out yet."""
        return sum(last - first + 1 for first, last in list(self._blocks))

    @property
    def running_low(self) -> bool:
        """Whether the next block should be reserved now."""
        return self.left < LOW_WATER

    def take(self) -> int:
        """An id never handed out before; OSError when none is reserved and none can be
        (at once, without asking, when the source would wait on the network)."""
        if not self._blocks:
            if self.source.waits:
                raise OSError("no block of ids reserved from the cluster yet")
            self.reserve(1)
        first, last = self._blocks[0]
        if first == last:
            self._blocks.popleft()
        else:
            self._blocks[0] = (first + 1, last)
        return first

    def reserve(self, wanted: int = LOW_WATER) -> None:
        """Reserve the next block on disk unless `wanted` ids are left; safe from a thread."""
        with self._lock:
            if self.left >= wanted:
                return  # another caller reserved meanwhile
            first, last = self.source.claim(self._reserved, BLOCK)
            reserved = max(last, self._reserved)
            files.write_atomic(self.path, json.dumps({"reserved": reserved}).encode())
            self._reserved = reserved
            self._blocks.append((first, last))


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
