"""Which process of a split fold reads a recording line: a share of the stations.

Finding each line's station must cost far less than parsing the line, or a split
saves nothing: every process looks at every line. So a line is looked at, not
parsed: the first `"station":"` and the text up to the next quote, as
core/wire/codec.py writes it at the head of every line. A name with an escape in
it, or a line without that text, is parsed. A line written some other way (a key
given twice, a payload naming a station ahead of the line's own) could be looked
at wrongly, so each share checks the stations of the frames it decoded: one that
is not its own raises Misrouted, and the caller folds in one process instead.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson

from ..wire.frame import Frame

_STATION_KEY = b'"station":"'


class Misrouted(Exception):
    """A frame whose station, parsed, is not the one its line showed at a glance."""


@dataclass(frozen=True, slots=True)
class Share:
    """One of `of` parts of a recording split by station (`which` from 0). Frames with
    no station, and lines with no readable station (their skip is said once), are
    share 0's."""

    which: int
    of: int
    _by_bytes: dict[bytes, int] = field(default_factory=dict, compare=False, repr=False)
    _by_name: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def holds(self, line: bytes) -> bool:
        """Whether a recording line is this share's."""
        start = line.find(_STATION_KEY)
        if start >= 0:
            start += len(_STATION_KEY)
            station = line[start : line.find(b'"', start)]
            if b"\\" not in station:
                owner = self._by_bytes.get(station)
                if owner is None:
                    owner = self._by_bytes[station] = _owner(station, self.of)
                return owner == self.which
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            return self.which == 0
        if type(record) is not dict or "station" not in record:
            return self.which == 0  # no frame: its skip is said once
        return self._owner_of(str(record["station"])) == self.which  # as codec.decode reads it

    def check(self, frames: Iterable[Frame]) -> None:
        """Raise Misrouted when one of these frames (decoded from lines it holds) is not
        this share's."""
        for station in {frame.station for frame in frames}:
            if self._owner_of(station) != self.which:
                raise Misrouted(f"a line of {station!r} showed another station at a glance")

    def _owner_of(self, name: str) -> int:
        owner = self._by_name.get(name)
        if owner is None:
            owner = self._by_name[name] = _owner(name.encode("utf-8", "surrogatepass"), self.of)
        return owner


def _owner(station: bytes, of: int) -> int:
    return zlib.crc32(station) % of if station else 0
