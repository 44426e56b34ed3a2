"""1.6 transaction ids unique across a cluster: blocks claimed from one shared counter.

The counter is one key of a JetStream key-value bucket holding the highest id given
out to any node. A node claims the next block by compare-and-set on that key: it reads
the value and its revision, writes value + BLOCK only if the revision is unchanged,
and reads again when another node won the race. The node then writes the block to its
own data dir (core/csms/transaction_ids.py) before handing out an id of it, so a kill
-9 of any node, or of NATS after it acknowledged the write, never gives an id twice:
the counter only moves up, and a restarted node claims a new block.

A claim crosses the network, so it is made from a worker thread (the reservation in
the background), never on the event loop. While NATS is away the node hands out the
block it holds; with none left, a StartTransaction is refused (transactionId 0,
idTagInfo Invalid), the same answer as when the disk refuses a block: an id made up
without the counter could be another node's.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import random

from nats.errors import Error as NatsError
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from .link import Link
from .subjects import TRANSACTION_IDS_KEY

FIRST_WAIT_S = 5.0  # the node's first claim waits this long for NATS (it just started)
CLAIM_TIMEOUT_S = 20.0  # a claim that takes longer gives up (NATS hangs)
TRIES = 50  # compare-and-set attempts before a claim gives up (another node kept winning)
BACKOFF_S = 0.02  # at most this long, at random, between attempts


class ClusterBlocks:
    """A `BlockSource` of the cluster's shared counter (see the module)."""

    waits = True

    def __init__(self, url: str, node: str) -> None:
        self.link = Link(url, f"ocppdeck node {node} ids")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._first = True
        self._claims: set[concurrent.futures.Future[tuple[int, int]]] = set()

    def start(self) -> None:
        """Connect in the background (on the running loop, where every claim is made)."""
        self._loop = asyncio.get_running_loop()
        self.link.start()

    def claim(self, floor: int, size: int) -> tuple[int, int]:
        """A block from the counter, all above `floor` (this node's own record); from a
        worker thread only. OSError when NATS cannot give one now."""
        if self._loop is None:
            raise OSError("the cluster's id counter is not started")
        future = asyncio.run_coroutine_threadsafe(self._claim(floor, size), self._loop)
        self._claims.add(future)
        try:
            return future.result(CLAIM_TIMEOUT_S)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise OSError(f"NATS at {self.link.shown} gave no block of ids in time") from None
        except concurrent.futures.CancelledError:
            raise OSError("the node is closing: no block of ids claimed") from None
        finally:
            self._claims.discard(future)

    async def _claim(self, floor: int, size: int) -> tuple[int, int]:
        wait = FIRST_WAIT_S if self._first else 0.0
        self._first = False
        if not self.link.up.is_set():
            try:
                await self.link.wait_up(wait)
            except TimeoutError:
                raise OSError(f"NATS at {self.link.shown} is away: no block of ids") from None
        bucket = self.link.ids
        assert bucket is not None  # made before `up` is set
        for _ in range(TRIES):
            try:
                return await _compare_and_set(bucket, floor, size)
            except KeyWrongLastSequenceError:  # another node claimed meanwhile: read again
                await asyncio.sleep(random.uniform(0, BACKOFF_S))
            except NatsError as exc:  # NATS went away or refused: no block this time
                raise OSError(f"NATS at {self.link.shown}: {exc}") from None
        raise OSError(f"no block of ids after {TRIES} tries: other nodes kept claiming first")

    async def close(self) -> None:
        """Give up the claims under way and close the connection."""
        for future in list(self._claims):
            future.cancel()
        await self.link.close()


async def _compare_and_set(bucket: KeyValue, floor: int, size: int) -> tuple[int, int]:
    """One attempt: the block after the counter (and after `floor`), if no one moved it."""
    try:
        entry = await bucket.get(TRANSACTION_IDS_KEY)
    except KeyNotFoundError:
        entry = None
    given = _value(entry.value) if entry is not None else 0
    first = max(given, floor) + 1
    last = first + size - 1
    if entry is None:
        await bucket.create(TRANSACTION_IDS_KEY, str(last).encode())
    else:
        await bucket.update(TRANSACTION_IDS_KEY, str(last).encode(), last=entry.revision)
    return first, last


def _value(data: bytes | None) -> int:
    """The counter's value; a damaged one stops the claim (guessing low gives ids twice)."""
    try:
        return int((data or b"").decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise OSError(f"the cluster's id counter is damaged: {(data or b'')[:40]!r}") from None
