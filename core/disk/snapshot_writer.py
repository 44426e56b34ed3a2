"""A snapshot written by a forked child, so the event loop does not stop for it.

A snapshot must be of one consistent state, so it used to be serialized on the loop:
with 10,000 stations that held every station for a third of a second. A fork is that
consistent state for free: the child serializes and writes the snapshot while the CSMS
goes on answering (disk/forked). Where fork is not what Linux's is, the snapshot is
serialized on the loop as before.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from ..model.projection import Projection
from . import files, snapshot
from .forked import FORKS, run_forked


async def write_snapshot(projection: Projection, seq: int, path: Path) -> float:
    """Write the projection's snapshot at `seq` to `path` (atomically); the seconds spent
    off the loop. OSError when it could not be written."""
    if FORKS:
        return await run_forked(lambda: files.write_atomic(path, snapshot.dump(projection, seq)))
    data = snapshot.dump(projection, seq)
    began = time.perf_counter()
    await asyncio.to_thread(files.write_atomic, path, data)
    return time.perf_counter() - began
