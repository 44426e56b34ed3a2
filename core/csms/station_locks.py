"""One lock per station identity: connections with the same id take turns to become live.

Without it two connections racing with one id could both pass "is there an old
one to replace?" before either registered, and both end up live. A lock is
forgotten as soon as nobody holds or waits for it, so made-up ids leave nothing behind.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class StationLocks:
    """An asyncio.Lock per station id, kept only while someone holds or awaits it."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def hold(self, station_id: str) -> AsyncIterator[None]:
        """Hold the station's lock for the block (waiting for whoever holds it now)."""
        lock = self._locks.get(station_id)
        if lock is None:
            lock = self._locks[station_id] = asyncio.Lock()
        self._users[station_id] = self._users.get(station_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            left = self._users[station_id] - 1
            if left:
                self._users[station_id] = left
            else:
                del self._users[station_id], self._locks[station_id]
