"""Connection health per station: connects and disconnects, time offline, reconnect
loops, and silences longer than a heartbeat allows. Pure.

Connections are the CONNECTED / DISCONNECTED / REFUSED frames a recording holds (a log
without them shows its stations' silences only); a CSMS start ends every connection.
Measured in the order the source holds the frames, which for recordings and logs is
the order of time: a frame older than one already seen moves no clock back.
A silence counts from a station's newest frame or connection while it is connected (or,
in a source without connection events, while it is heard from at all).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from .options import ReportOptions
from .rows import StationRows

RECONNECT_LOOP = "reconnect-loop"
HEARTBEAT_GAP = "heartbeat-gap"
OFFLINE = "offline"


@dataclass(slots=True)
class Episode:
    """A span of one station's connection history: a reconnect loop (`count` connects),
    a silence, or a time offline. `end` None: still so when the source ended."""

    kind: str
    station: str
    start: float
    end: float | None
    count: int = 0

    @property
    def duration_s(self) -> float | None:
        """End less start, when it ended."""
        return None if self.end is None else self.end - self.start


@dataclass(slots=True)
class Link:
    """One station's connection history so far; the row of the connections table."""

    station: str
    connects: int = 0
    disconnects: int = 0
    refused: int = 0
    offline_s: float = 0.0
    reconnect_loops: int = 0
    heartbeat_gaps: int = 0
    longest_silence_s: float = 0.0
    first_frame: float | None = None
    last_frame: float | None = None
    down_since: float | None = None
    last_heard: float | None = None  # None: not connected (silence is not counted)
    recent: deque[float] = field(default_factory=deque)  # connect times within the window
    loop: Episode | None = None


class ConnectionLog:
    """Follows each station's connections and silences as the frames are folded."""

    def __init__(self, options: ReportOptions) -> None:
        self._options = options
        self.links: dict[str, Link] = {}
        self.episodes: StationRows[Episode] = StationRows(options.max_rows)

    def _link(self, station: str) -> Link:
        found = self.links.get(station)
        if found is None:
            found = self.links[station] = Link(station)
        return found

    def heard(self, station: str, at: float, inbound: bool) -> None:
        """A frame of the station's: `inbound` when the station sent it."""
        link = self._link(station)
        if link.first_frame is None or at < link.first_frame:
            link.first_frame = at
        if link.last_frame is None or at > link.last_frame:
            link.last_frame = at
        if not inbound:
            return
        last = link.last_heard
        if last is None:
            if link.connects == 0:  # no connection events: liveness is the traffic itself
                link.last_heard = at
            return
        if at <= last:
            return
        silence = at - last
        link.longest_silence_s = max(link.longest_silence_s, silence)
        if silence > self._options.heartbeat_gap_s:
            link.heartbeat_gaps += 1
            self.episodes.add(station, Episode(HEARTBEAT_GAP, station, last, at))
        link.last_heard = at

    def connected(self, station: str, at: float) -> None:
        """The station opened a connection."""
        link = self._link(station)
        link.connects += 1
        if link.down_since is not None:
            self._back_up(link, at)
        link.last_heard = at
        window = self._options.loop_minutes * 60.0
        recent = link.recent
        recent.append(at)
        while recent and recent[0] < at - window:
            recent.popleft()
        if len(recent) > self._options.loop_connects:
            loop = link.loop
            if loop is not None and loop.end is not None and recent[0] <= loop.end:
                loop.end, loop.count = at, loop.count + 1
            else:
                link.reconnect_loops += 1
                link.loop = Episode(RECONNECT_LOOP, station, recent[0], at, len(recent))
                self.episodes.add(station, link.loop)

    def disconnected(self, station: str, at: float) -> None:
        """The station's connection ended."""
        link = self._link(station)
        link.disconnects += 1
        self._down(link, at)

    def refused(self, station: str, at: float) -> None:
        """The station's handshake was refused."""
        self._link(station).refused += 1

    def server_started(self, at: float) -> None:
        """The CSMS (re)started: every connection it had is gone."""
        for link in self.links.values():
            if link.connects:
                self._down(link, at)

    def _down(self, link: Link, at: float) -> None:
        link.last_heard = None
        if link.down_since is None:
            link.down_since = at

    def _back_up(self, link: Link, at: float) -> None:
        assert link.down_since is not None
        gone = max(0.0, at - link.down_since)
        if gone > 0:
            link.offline_s += gone
            self.episodes.add(link.station, Episode(OFFLINE, link.station, link.down_since, at))
        link.down_since = None

    def finish(self, end: float | None) -> None:
        """The source ended at `end`: a station still offline is offline until then."""
        for link in self.links.values():
            if link.down_since is not None and end is not None:
                link.offline_s += max(0.0, end - link.down_since)
                self.episodes.add(
                    link.station, Episode(OFFLINE, link.station, link.down_since, None)
                )
                link.down_since = None
