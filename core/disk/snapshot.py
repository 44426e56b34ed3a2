"""State snapshots: the projection pickled with the last frame it has folded.

A restart loads the newest snapshot and refolds only the frames after it.
The snapshot lives in its own file beside the store rather than inside
TinyDB: TinyDB rewrites its whole JSON file on every write, and a pickled
projection of a large network would be rewritten with every transaction.
A snapshot that cannot be read is ignored (with a warning) and the whole
recording is refolded instead: slower, never wrong.
"""

from __future__ import annotations

import logging
import pickle
from dataclasses import dataclass
from pathlib import Path

from ..model.projection import Projection

log = logging.getLogger("ocppdeck.snapshot")

FORMAT = 4  # bump when the projection's pickled shape changes


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A projection and the sequence number of the last frame folded into it."""

    seq: int
    projection: Projection


def dump(projection: Projection, seq: int) -> bytes:
    """The bytes of a snapshot; take them on the event loop, write them off it."""
    return pickle.dumps((FORMAT, seq, projection), protocol=pickle.HIGHEST_PROTOCOL)


def load(path: Path) -> Snapshot | None:
    """The snapshot at `path`, or None when there is none or it cannot be used."""
    if not path.exists():
        return None
    try:
        with open(path, "rb") as fh:
            version, seq, projection = pickle.load(fh)
    except Exception as exc:  # a torn or foreign file: refold from the recording instead
        log.warning("ignoring snapshot %s: %s", path, exc)
        return None
    if version != FORMAT or not isinstance(projection, Projection):
        log.warning("ignoring snapshot %s: format %s, expected %s", path, version, FORMAT)
        return None
    return Snapshot(int(seq), projection)
