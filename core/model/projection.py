"""The projection: folds frames into state. Nothing else writes state.

Deterministic and order-tolerant: timed values are last-writer-wins by their
own timestamp (ties broken by value), and an answer that arrives before its
request waits, joined by its call key, until the request comes. `fold` is the
one loop that folds a stream of frames: live restore, the replay player and
its checkpoints, and `ocppdeck project` all call it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..dialects import reader_for
from ..wire.frame import CallKey, Direction, Frame, Kind
from ..wire.join import DEFAULT_LIMIT, Joiner, bounded_put
from . import facts as f
from .readers import envelope
from .state import EvseState, ReportedVariable, State, StationState

NO_FACTS: Sequence[f.Fact] = ()


def _later(at: float, key: object, cur_at: float | None, cur_key: object) -> bool:
    """Does a value at `at` replace the current one? Ties go to the larger value."""
    if cur_at is None or at > cur_at:
        return True
    return at == cur_at and repr(key) > repr(cur_key)


def _max(current: float | None, at: float) -> float:
    return at if current is None or at > current else current


@dataclass(frozen=True, slots=True)
class Waiting:
    """What a projection holds besides its state: halves and readings waiting for partners,
    oldest first (a snapshot saves them with the state)."""

    calls: list[tuple[CallKey, Frame]]
    answers: list[tuple[CallKey, Frame]]
    index: list[tuple[Direction, str, str]]  # where stationless answers find their station
    stops: list[tuple[tuple[str, str], Frame]]  # by (station, transaction id)
    samples: list[tuple[tuple[str, str], list[f.MeterSample]]]


class Projection:
    """Holds a State and folds frames into it, one at a time."""

    def __init__(self, state: State | None = None) -> None:
        self.state = state or State()
        # CALLs waiting for answers and answers for CALLs; event-log answers name no station.
        self._joins: Joiner[Frame] = Joiner(stationless=True)
        # Stops (and readings) of transactions whose start has not been folded yet.
        self._stops_waiting: dict[tuple[str, str], Frame] = {}
        self._samples_waiting: dict[tuple[str, str], list[f.MeterSample]] = {}

    def waiting(self) -> Waiting:
        """Everything besides the state that a later frame may complete."""
        calls, answers = self._joins.halves()
        return Waiting(
            calls,
            answers,
            self._joins.station_index(),
            list(self._stops_waiting.items()),
            list(self._samples_waiting.items()),
        )

    @classmethod
    def resumed(cls, state: State, waiting: Waiting) -> Projection:
        """A projection that goes on from a saved state and what waited beside it."""
        projection = cls(state)
        projection._joins.restore(waiting.calls, waiting.answers, waiting.index)
        projection._stops_waiting = dict(waiting.stops)
        projection._samples_waiting = dict(waiting.samples)
        return projection

    def restore(self, other: Projection) -> None:
        """Become a copy of another projection (a loaded snapshot), keeping this object."""
        self.state = other.state
        self._joins = other._joins
        self._stops_waiting = other._stops_waiting
        self._samples_waiting = other._samples_waiting

    def apply(self, frame: Frame) -> Sequence[f.Fact]:
        """Fold one frame into the state; the facts it gave (with its answer's, when that
        came first), in the order they were folded."""
        state = self.state
        state.frames += 1
        if state.last_ts is None or frame.ts > state.last_ts:
            state.last_ts = frame.ts
        kind = frame.kind
        source = frame  # the frame whose payload the facts come from
        station_id = frame.station
        found: Sequence[f.Fact]
        if kind is Kind.CALL:
            reader = reader_for(frame.protocol)
            found = reader.call_facts(frame)
            if reader.expects_answer(frame):
                answer = self._joins.call(frame, frame)
                if answer is not None:
                    found = [*found, *self._answered(frame, answer)]
        elif kind is Kind.RESULT or kind is Kind.ERROR:
            call = self._joins.answer(frame, frame)
            found = self._answered(call, frame) if call is not None else NO_FACTS
            if kind is Kind.ERROR:
                found = [envelope.call_failed(frame, call), *found]
            if call is not None:
                source, station_id = call, call.station
        elif kind is Kind.SERVER_START:
            state.server_started_at = _max(state.server_started_at, frame.ts)
            return NO_FACTS
        elif kind is Kind.AUTOMATION:
            found = envelope.automation_facts(frame)
        else:
            found = envelope.event_facts(frame)
        if not station_id:
            return found  # nothing to fold into: an event-log answer waits for its request
        if kind is Kind.REFUSED and station_id not in state.stations:
            return found  # a refused handshake never makes a station
        station = state.station(station_id)
        if frame.station:
            station.frames += 1
            station.last_frame = _max(station.last_frame, frame.ts)
            if frame.protocol:
                station.protocol = frame.protocol
        for fact in found:
            self._fold_one(station, fact, source)
        return found

    @staticmethod
    def _answered(call: Frame, answer: Frame) -> Sequence[f.Fact]:
        return reader_for(call.protocol).answer_facts(call, answer)

    def _fold_one(self, station: StationState, fact: f.Fact, source: Frame) -> None:
        state = self.state
        match fact:
            case f.StatusChanged(at, evse_id, status, error_code, info, connector_id):
                station.last_status = _max(station.last_status, at)
                if evse_id == 0:
                    key = (status, error_code)
                    if _later(at, key, station.status_at, (station.status, station.error_code)):
                        station.status, station.error_code = status, error_code
                        station.status_at = at
                    return
                evse = station.evse(evse_id)
                evse.last_seen = _max(evse.last_seen, at)
                if _later(at, (status, error_code, info), evse.status_at, _status_key(evse)):
                    evse.status, evse.error_code, evse.info = status, error_code, info
                    evse.status_at = at
                if connector_id > 0:  # 2.x: the connector within the EVSE keeps its own status
                    connector = evse.connector(connector_id)
                    connector.last_seen = _max(connector.last_seen, at)
                    if _later(at, status, connector.status_at, connector.status):
                        connector.status, connector.status_at = status, at
            case f.MeterSample(at, evse_id, energy, power, tx_id):
                if evse_id == 0 and tx_id is not None:
                    # A 2.x event that names no EVSE: its transaction knows the EVSE.
                    tx = state.transactions.get((station.station_id, tx_id))
                    if tx is None or tx.evse_id is None:
                        key = (station.station_id, tx_id)
                        waiting = self._samples_waiting.get(key)
                        if waiting is None:
                            waiting = []
                            bounded_put(self._samples_waiting, key, waiting, DEFAULT_LIMIT)
                        waiting.append(fact)
                        return
                    evse_id = tx.evse_id
                if evse_id == 0:
                    return  # the station's main meter, not an EVSE's
                evse = station.evse(evse_id)
                evse.last_seen = _max(evse.last_seen, at)
                if energy is not None and _later(at, energy, evse.energy_at, evse.energy_wh):
                    evse.energy_wh, evse.energy_at = energy, at
                if power is not None and _later(at, power, evse.power_at, evse.power_w):
                    evse.power_w, evse.power_at = power, at
                evse.add_sample(at, energy, power)
            case f.Heartbeat(at):
                station.last_heartbeat = _max(station.last_heartbeat, at)
            case f.Booted(at, vendor, model, firmware, serial):
                if station.last_boot is None or at >= station.last_boot:
                    station.vendor, station.model = vendor, model
                    station.firmware, station.serial = firmware, serial
                station.last_boot = _max(station.last_boot, at)
            case f.BootAnswered(at, status):
                if _later(at, status, station.boot_answered_at, station.boot_status):
                    station.boot_status, station.boot_answered_at = status, at
            case f.ConnectorsReported(at, ids):
                if _later(at, sorted(ids), station.roster_at, sorted(station.roster)):
                    station.roster, station.roster_at = ids, at
                for evse_id in ids:
                    evse = station.evse(evse_id)
                    evse.last_seen = _max(evse.last_seen, at)
            case f.ConnectorsDeclared(at, count):
                if _later(at, count, station.declared_at, station.declared_evses):
                    station.declared_evses, station.declared_at = count, at
            case f.EvsesReported(at, request_id, pairs):
                _fold_report(station, at, request_id, pairs)
            case f.VariablesReported(at, entries):
                for key, value, mutability in entries:
                    cur = station.variables.get(key)
                    if cur is None or _later(
                        at, (value, mutability), cur.at, (cur.value, cur.mutability)
                    ):
                        station.variables[key] = ReportedVariable(at, value, mutability)
            case f.TxStarted(at, tx_id, evse_id, id_tag, meter_start):
                tx = state.transaction(station.station_id, tx_id)
                tx.evse_id, tx.id_tag, tx.meter_start, tx.started_at = (
                    evse_id,
                    id_tag,
                    meter_start,
                    at,
                )
                station.last_tx_start = _max(station.last_tx_start, at)
                evse = station.evse(evse_id)
                evse.last_seen = _max(evse.last_seen, at)
                state.reindex(tx)
                waiting = self._stops_waiting.pop((station.station_id, tx_id), None)
                if waiting is not None:
                    for sample in reader_for(waiting.protocol).stop_samples(waiting, evse_id):
                        self._fold_one(station, sample, waiting)
                for sample in self._samples_waiting.pop((station.station_id, tx_id), ()):
                    self._fold_one(station, sample, source)
            case f.TxStopped(at, tx_id, meter_stop, reason):
                tx = state.transaction(station.station_id, tx_id)
                tx.stopped_at, tx.meter_stop, tx.stop_reason = at, meter_stop, reason
                station.last_tx_stop = _max(station.last_tx_stop, at)
                state.reindex(tx)
                if source.kind is Kind.AUTOMATION:
                    return  # an automation's close carries no readings of its own
                if tx.evse_id is None:
                    key = (station.station_id, tx_id)
                    bounded_put(self._stops_waiting, key, source, DEFAULT_LIMIT)
                else:
                    for sample in reader_for(source.protocol).stop_samples(source, tx.evse_id):
                        self._fold_one(station, sample, source)
            case f.CallFailed() | f.Malformed():
                station.errors += 1
            case f.Connected(at):
                station.connected_at = _max(station.connected_at, at)
            case f.Disconnected(at):
                station.disconnected_at = _max(station.disconnected_at, at)
            case f.Refused(at):
                station.disconnected_at = _max(station.disconnected_at, at)
                station.refused_at = _max(station.refused_at, at)
            case _:
                pass  # faults and refused tags change no state: marks and reports read them


FrameHook = Callable[[Frame, Sequence[f.Fact]], None]


def fold(
    frames: Iterable[Frame], projection: Projection | None = None, after: FrameHook | None = None
) -> Projection:
    """Fold a stream of frames into `projection` (a fresh one when None) and return it.

    `after(frame, facts)` runs once each frame is folded, with the facts it gave.
    """
    projection = projection if projection is not None else Projection()
    apply = projection.apply
    if after is None:
        for frame in frames:
            apply(frame)
    else:
        for frame in frames:
            after(frame, apply(frame))
    return projection


MAX_REPORTS = 8  # inventory reports kept per station (one per boot, usually)


def _fold_report(
    station: StationState, at: float, request_id: int, pairs: frozenset[tuple[int, int]]
) -> None:
    """Unite a report part with its siblings; the newest report declares the EVSEs."""
    reports = station.reports
    before = reports.get(request_id)
    if before is not None:
        at, pairs = max(at, before[0]), pairs | before[1]
    reports[request_id] = (at, pairs)
    if len(reports) > MAX_REPORTS:
        del reports[min(reports, key=lambda rid: (reports[rid][0], rid))]
    best = max(reports, key=lambda rid: (reports[rid][0], rid))
    best_at, layout = reports[best]
    if best == request_id and (station.declared_at is None or best_at >= station.declared_at):
        station.declared_layout = layout
        station.declared_evses = len({evse for evse, _ in layout})
        station.declared_at = best_at


def _status_key(evse: EvseState) -> tuple[str, str, str]:
    return (evse.status, evse.error_code, evse.info)
