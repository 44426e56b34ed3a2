"""A report of a stream of frames: the frames folded by the one projection, and what the
facts it gives (and, for compliance and connections, the frames themselves) say. Pure
but for the frames it consumes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..model import facts as f
from ..model.projection import Projection, fold
from ..model.state import Notice
from ..wire.frame import OCPP_KINDS, Direction, Frame, Kind
from .compliance import ComplianceLog, Finding
from .connections import ConnectionLog, Episode, Link
from .faults import Fault, FaultLog
from .options import ReportOptions
from .sessions import Session, SessionLog, Totals, totals

_TX_FACTS = (f.TxStarted, f.TxStopped, f.TxEvent)


@dataclass(frozen=True, slots=True)
class Report:
    """The four tables (and the session totals), with the time the source spans."""

    frames: int
    first: float | None
    last: float | None
    stations: int
    sessions: list[Session]
    by_station: list[Totals]
    by_day: list[Totals]
    faults: list[Fault]
    compliance: list[Finding]
    connections: list[Link]
    episodes: list[Episode]
    left_off: dict[str, int]  # rows past the per-station bound, by table

    @property
    def empty(self) -> bool:
        """No frame at all."""
        return self.frames == 0


class _Collector:
    """What each folded frame and its facts add to the report's logs."""

    def __init__(self, projection: Projection, options: ReportOptions) -> None:
        self.projection = projection
        self.sessions = SessionLog(projection.state, options.max_rows)
        self.faults = FaultLog(options.max_rows)
        self.compliance = ComplianceLog(options)
        self.connections = ConnectionLog(options)
        self.first: float | None = None
        self.position = 0  # of the frame being folded, in the stream's order

    def after(self, frame: Frame, found: Sequence[f.Fact]) -> None:
        ts, station = frame.ts, frame.station
        if self.first is None or ts < self.first:
            self.first = ts
        kind = frame.kind
        if kind in OCPP_KINDS:
            self.compliance.frame(frame)
        elif kind is Kind.SERVER_START:
            self.connections.server_started(ts)
        if station:
            self.connections.heard(station, ts, frame.direction is Direction.IN)
        for fact in found:
            self._fact(station, fact)
        self.position += 1

    def _fact(self, station: str, fact: f.Fact) -> None:
        position = self.position
        match fact:
            case f.MeterSample():
                self.sessions.sample(station, fact)
            case f.TxStarted() | f.TxStopped() | f.TxEvent():
                self.sessions.transaction(station, fact.transaction_id, position)
            case f.StatusChanged():
                self.faults.status(station, fact, position)
            case f.CallFailed():
                self.faults.call_failed(station, fact, position)
            case f.AuthRejected():
                self.faults.auth_rejected(station, fact, position)
            case f.Booted():
                self.faults.booted(station, fact, position)
            case Notice():
                self.faults.notice(station, fact, position)
            case f.Connected(at):
                self.connections.connected(station, at)
            case f.Disconnected(at):
                self.connections.disconnected(station, at)
            case f.Refused(at):
                self.connections.refused(station, at)
            case _:
                pass  # the other facts change nothing a report shows

    def report(self) -> Report:
        state = self.projection.state
        last = state.last_ts
        self.connections.finish(last)
        sessions = self.sessions.sessions()
        by_station, by_day = totals(sessions)
        faults, faults_left = self.faults.faults(sessions)
        compliance = self.compliance.findings(last)
        links = self.connections.links
        for sid in state.stations:  # a station that only ever answered is listed too
            if sid not in links:
                self.connections.heard(sid, last or 0.0, False)
        episodes = self.connections.episodes
        return Report(
            frames=state.frames,
            first=self.first,
            last=last,
            stations=len(state.stations),
            sessions=sessions,
            by_station=by_station,
            by_day=by_day,
            faults=faults,
            compliance=compliance,
            connections=[links[sid] for sid in sorted(links)],
            episodes=sorted(episodes.rows, key=lambda e: (e.start, e.station, e.kind)),
            left_off={
                "sessions": self.sessions.left_off,
                "faults": faults_left,
                "compliance": self.compliance.left_off,
                "connectionEpisodes": episodes.left_off,
            },
        )


def build_report(frames: Iterable[Frame], options: ReportOptions | None = None) -> Report:
    """Fold `frames` through a fresh projection and report what they say."""
    projection = Projection()
    collector = _Collector(projection, options or ReportOptions())
    fold(frames, projection, collector.after)
    return collector.report()
