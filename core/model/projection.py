"""The projection: folds frames into state. Nothing else writes state.

Deterministic and order-tolerant: timed values are last-writer-wins by their
own timestamp (ties broken by value), and an answer that arrives before its
request waits, keyed by message id, until the request comes.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from types import ModuleType
from typing import Any

from ..wire.frame import Direction, Frame, Kind
from . import facts as f
from .readers import eventlog as reader_eventlog
from .readers import v2 as reader_v201
from .readers import v16 as reader_v16
from .state import ConnectorState, ReportedVariable, State, StationState

_CallKey = tuple[str, Direction, str]  # (station, direction of the CALL, message id)
# Calls never answered (and answers whose call never comes) are forgotten oldest
# first past this many, so a long run's memory stays flat.
MAX_UNJOINED = 50_000


def _later(at: float, key: object, cur_at: float | None, cur_key: object) -> bool:
    """Does a value at `at` replace the current one? Ties go to the larger value."""
    if cur_at is None or at > cur_at:
        return True
    return at == cur_at and repr(key) > repr(cur_key)


def _max(current: float | None, at: float) -> float:
    return at if current is None or at > current else current


# Each protocol's reader turns its messages into facts; unknown protocols read as 1.6.
READERS: dict[str, ModuleType] = {
    "ocpp1.6": reader_v16,
    reader_eventlog.PROTOCOL: reader_eventlog,
    **{protocol: reader_v201 for protocol in reader_v201.PROTOCOLS},
}


def _reader(frame: Frame) -> ModuleType:
    return READERS.get(frame.protocol, reader_v16)


class Projection:
    """Holds a State and folds frames into it, one at a time."""

    def __init__(self, state: State | None = None) -> None:
        self.state = state or State()
        self._calls: dict[_CallKey, Frame] = {}
        self._early_answers: dict[_CallKey, Frame] = {}
        self._stops_waiting: dict[tuple[str, str], Frame] = {}
        self._samples_waiting: dict[tuple[str, str], list[f.MeterSample]] = {}
        # Event logs name the station only on the request: answers find it by message id.
        self._call_stations: dict[tuple[Direction, str], str] = {}

    def restore(self, other: Projection) -> None:
        """Become a copy of another projection (a loaded snapshot), keeping this object."""
        self.state = other.state
        self._calls = other._calls
        self._early_answers = other._early_answers
        self._stops_waiting = other._stops_waiting
        self._samples_waiting = other._samples_waiting
        self._call_stations = other._call_stations

    def apply(self, frame: Frame) -> None:
        """Fold one frame into the state."""
        state = self.state
        state.frames += 1
        state.last_ts = _max(state.last_ts, frame.ts)
        kind = frame.kind
        if kind is Kind.SERVER_START:
            state.server_started_at = _max(state.server_started_at, frame.ts)
            return
        if kind is Kind.AUTOMATION:
            self._on_automation(frame)
            return
        if not frame.station:
            if kind is Kind.RESULT or kind is Kind.ERROR:
                self._on_stationless_answer(frame)
            return
        station = state.station(frame.station)
        station.frames += 1
        station.last_frame = _max(station.last_frame, frame.ts)
        if frame.protocol:
            station.protocol = frame.protocol
        if kind is Kind.CALL:
            self._on_call(station, frame)
        elif kind is Kind.RESULT or kind is Kind.ERROR:
            if kind is Kind.ERROR:
                station.errors += 1
            self._on_answer(station, frame)
        elif kind is Kind.MALFORMED:
            station.errors += 1
        elif kind is Kind.CONNECTED:
            station.connected_at = _max(station.connected_at, frame.ts)
        elif kind is Kind.DISCONNECTED:
            station.disconnected_at = _max(station.disconnected_at, frame.ts)
        elif kind is Kind.REFUSED:
            station.disconnected_at = _max(station.disconnected_at, frame.ts)
            station.refused_at = _max(station.refused_at, frame.ts)

    def _on_automation(self, frame: Frame) -> None:
        """An automation's note is not the station's traffic; only a close changes state."""
        p = frame.payload if isinstance(frame.payload, dict) else {}
        tx_id = p.get("closeTransaction")
        if not frame.station or not isinstance(tx_id, str | int) or isinstance(tx_id, bool):
            return
        meter_stop = p.get("meterStop")
        if not isinstance(meter_stop, int | float) or isinstance(meter_stop, bool):
            meter_stop = None
        fact = f.TxStopped(frame.ts, str(tx_id), meter_stop, str(p.get("reason", "Other")))
        self._fold_one(self.state.station(frame.station), fact, frame)

    def _on_call(self, station: StationState, call: Frame) -> None:
        key = (call.station, call.direction, call.unique_id)
        reader = _reader(call)
        self._fold(station, reader.call_facts(call), call)
        answer = self._early_answers.pop(key, None)
        if answer is None:
            answer = self._early_answers.pop(("", call.direction, call.unique_id), None)
        if answer is None:
            if reader.expects_answer(call):
                _bounded_put(self._calls, key, call)
                _bounded_put(self._call_stations, (call.direction, call.unique_id), call.station)
        else:
            self._fold(station, reader.answer_facts(call, answer), call)

    def _on_stationless_answer(self, answer: Frame) -> None:
        call_dir = Direction.OUT if answer.direction is Direction.IN else Direction.IN
        station_id = self._call_stations.get((call_dir, answer.unique_id))
        if station_id is None:
            _bounded_put(self._early_answers, ("", call_dir, answer.unique_id), answer)
            return
        call = self._calls.pop((station_id, call_dir, answer.unique_id), None)
        if call is not None:
            del self._call_stations[(call_dir, answer.unique_id)]
            station = self.state.station(station_id)
            self._fold(station, _reader(call).answer_facts(call, answer), call)

    def _on_answer(self, station: StationState, answer: Frame) -> None:
        call_dir = Direction.OUT if answer.direction is Direction.IN else Direction.IN
        key = (answer.station, call_dir, answer.unique_id)
        call = self._calls.pop(key, None)
        if call is None:
            _bounded_put(self._early_answers, key, answer)
        else:
            self._call_stations.pop((call_dir, answer.unique_id), None)
            self._fold(station, _reader(call).answer_facts(call, answer), call)

    def _fold(self, station: StationState, found: list[f.Fact], source: Frame) -> None:
        for fact in found:
            self._fold_one(station, fact, source)

    def _fold_one(self, station: StationState, fact: f.Fact, source: Frame) -> None:
        state = self.state
        match fact:
            case f.StatusChanged(at, cid, status, error_code, info, plug_id):
                station.last_status = _max(station.last_status, at)
                if cid == 0:
                    key = (status, error_code)
                    if _later(at, key, station.status_at, (station.status, station.error_code)):
                        station.status, station.error_code = status, error_code
                        station.status_at = at
                    return
                conn = station.connector(cid)
                conn.last_seen = _max(conn.last_seen, at)
                if _later(at, (status, error_code, info), conn.status_at, _status_key(conn)):
                    conn.status, conn.error_code, conn.info = status, error_code, info
                    conn.status_at = at
                if plug_id > 0:  # 2.x: the connector within the EVSE keeps its own status
                    plug = conn.plug(plug_id)
                    plug.last_seen = _max(plug.last_seen, at)
                    if _later(at, status, plug.status_at, plug.status):
                        plug.status, plug.status_at = status, at
            case f.MeterSample(at, cid, energy, power, tx_id):
                if cid == 0 and tx_id is not None:
                    # A 2.x event that names no EVSE: its transaction knows the connector.
                    tx = state.transactions.get((station.station_id, tx_id))
                    if tx is None or tx.connector_id is None:
                        waiting = self._samples_waiting.setdefault((station.station_id, tx_id), [])
                        waiting.append(fact)
                        return
                    cid = tx.connector_id
                if cid == 0:
                    return  # the station's main meter, not a connector
                conn = station.connector(cid)
                conn.last_seen = _max(conn.last_seen, at)
                if energy is not None and _later(at, energy, conn.energy_at, conn.energy_wh):
                    conn.energy_wh, conn.energy_at = energy, at
                if power is not None and _later(at, power, conn.power_at, conn.power_w):
                    conn.power_w, conn.power_at = power, at
                conn.add_sample(at, energy, power)
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
                for cid in ids:
                    conn = station.connector(cid)
                    conn.last_seen = _max(conn.last_seen, at)
            case f.ConnectorsDeclared(at, count):
                if _later(at, count, station.declared_at, station.declared_connectors):
                    station.declared_connectors, station.declared_at = count, at
            case f.EvsesReported(at, request_id, pairs):
                _fold_report(station, at, request_id, pairs)
            case f.VariablesReported(at, entries):
                for key, value, mutability in entries:
                    cur = station.variables.get(key)
                    if cur is None or _later(
                        at, (value, mutability), cur.at, (cur.value, cur.mutability)
                    ):
                        station.variables[key] = ReportedVariable(at, value, mutability)
            case f.TxStarted(at, tx_id, cid, id_tag, meter_start):
                tx = state.transaction(station.station_id, tx_id)
                tx.connector_id, tx.id_tag, tx.meter_start, tx.started_at = (
                    cid,
                    id_tag,
                    meter_start,
                    at,
                )
                station.last_tx_start = _max(station.last_tx_start, at)
                station.connector(cid).last_seen = _max(station.connector(cid).last_seen, at)
                state.reindex(tx)
                waiting = self._stops_waiting.pop((station.station_id, tx_id), None)
                if waiting is not None:
                    self._fold(station, _reader(waiting).stop_samples(waiting, cid), waiting)
                for sample in self._samples_waiting.pop((station.station_id, tx_id), ()):
                    self._fold_one(station, sample, source)
            case f.TxStopped(at, tx_id, meter_stop, reason):
                tx = state.transaction(station.station_id, tx_id)
                tx.stopped_at, tx.meter_stop, tx.stop_reason = at, meter_stop, reason
                station.last_tx_stop = _max(station.last_tx_stop, at)
                state.reindex(tx)
                if source.kind is Kind.AUTOMATION:
                    return  # an automation's close carries no readings of its own
                if tx.connector_id is None:
                    self._stops_waiting[(station.station_id, tx_id)] = source
                else:
                    samples = _reader(source).stop_samples(source, tx.connector_id)
                    self._fold(station, list(samples), source)


def _bounded_put(pending: dict[Any, Any], key: Any, value: Any) -> None:
    pending[key] = value
    if len(pending) > MAX_UNJOINED:
        # The oldest tenth at once: deleting from the front one key at a time makes
        # every next(iter(...)) walk the deleted slots, quadratic over a long log.
        for old in list(islice(pending, MAX_UNJOINED // 10)):
            del pending[old]


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
        station.declared_connectors = len({evse for evse, _ in layout})
        station.declared_at = best_at


def _status_key(conn: ConnectorState) -> tuple[str, str, str]:
    return (conn.status, conn.error_code, conn.info)


def project(frames: Iterable[Frame]) -> State:
    """Fold a sequence of frames into a fresh state."""
    projection = Projection()
    for frame in frames:
        projection.apply(frame)
    return projection.state
