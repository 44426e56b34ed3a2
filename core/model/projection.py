"""The projection: folds frames into state. Nothing else writes state.

Deterministic and order-tolerant: timed values are last-writer-wins by their
own timestamp (ties broken by value), and an answer that arrives before its
request waits, joined by its call key, until the request comes. A
transaction's start and stop are first-wins by their own time, so a repeated
stop is recorded once; a stop ahead of its start, and readings ahead of their
transaction's EVSE, wait for it. A 2.x TransactionEvent whose seqNo its
transaction has seen changes nothing. `fold` is the one loop that folds a
stream of frames: live restore, the replay player and its checkpoints, and
`ocppdeck project` all call it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from heapq import nsmallest

from ..dialects import reader_for
from ..wire.frame import CallKey, Direction, Frame, Kind
from ..wire.join import Joiner, frame_bytes
from . import charging, seqnos
from . import facts as f
from .charging import CompositeReported, ProfilesCleared, ProfileSet
from .limits import (
    MAX_EVSES,
    MAX_NOTICES,
    MAX_REPORT_PAIRS,
    MAX_REPORTS,
    MAX_STEPS,
    MAX_VARIABLES,
)
from .pending import PendingSamples
from .readers import envelope
from .state import (
    JOB_TOPICS,
    EvseState,
    Notice,
    ReportedVariable,
    State,
    StationState,
    Transaction,
    VariableKey,
)

NO_FACTS: Sequence[f.Fact] = ()


def _later(at: float, key: object, cur_at: float | None, cur_key: object) -> bool:
    """Does a value at `at` replace the current one? Ties go to the larger value."""
    if cur_at is None or at > cur_at:
        return True
    return at == cur_at and repr(key) > repr(cur_key)


def _earlier(at: float, key: object, cur_at: float | None, cur_key: object) -> bool:
    """Does a start or stop at `at` come before the current one? Ties go to the smaller value."""
    if cur_at is None or at < cur_at:
        return True
    return at == cur_at and repr(key) < repr(cur_key)


def _max(current: float | None, at: float) -> float:
    return at if current is None or at > current else current


def _heard(evse: EvseState, heard: float) -> None:
    """The CSMS heard of the EVSE when a frame came (its clock, not the station's)."""
    evse.heard_at = _max(evse.heard_at, heard)


def _transaction_of(fact: f.Fact) -> str | None:
    match fact:
        case (
            f.TxEvent(transaction_id=tx)
            | f.TxStarted(transaction_id=tx)
            | f.TxStopped(transaction_id=tx)
            | f.MeterSample(transaction_id=tx)
        ):
            return tx
    return None


@dataclass(frozen=True, slots=True)
class Waiting:
    """What a projection holds besides its state: halves and readings waiting for partners,
    oldest first (a snapshot saves them with the state)."""

    calls: list[tuple[CallKey, Frame]]
    answers: list[tuple[CallKey, Frame]]
    index: list[tuple[Direction, str, str]]  # where stationless answers find their station
    samples: list[tuple[tuple[str, str], list[f.MeterSample]]]  # by (station, transaction)


class Projection:
    """Holds a State and folds frames into it, one at a time."""

    def __init__(self, state: State | None = None) -> None:
        self.state = state or State()
        # CALLs waiting for answers and answers for CALLs; event-log answers name no station.
        self._joins: Joiner[Frame] = Joiner(stationless=True, weigh=frame_bytes)
        # Readings of transactions whose EVSE is not known yet.
        self._samples = PendingSamples()

    def waiting(self) -> Waiting:
        """Everything besides the state that a later frame may complete."""
        calls, answers = self._joins.halves()
        return Waiting(calls, answers, self._joins.station_index(), self._samples.items())

    @classmethod
    def resumed(cls, state: State, waiting: Waiting) -> Projection:
        """A projection that goes on from a saved state and what waited beside it."""
        projection = cls(state)
        projection._joins.restore(waiting.calls, waiting.answers, waiting.index)
        projection._samples = PendingSamples.restored(waiting.samples)
        return projection

    def restore(self, other: Projection) -> None:
        """Become a copy of another projection (a loaded snapshot), keeping this object."""
        self.state = other.state
        self._joins = other._joins
        self._samples = other._samples

    def apply(self, frame: Frame) -> Sequence[f.Fact]:
        """Fold one frame into the state; the facts it gave (with its answer's, when that
        came first) in the order they were folded, with those the fold added. A repeated
        TransactionEvent gives none."""
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
        return self._fold_all(station, found, source)

    @staticmethod
    def _answered(call: Frame, answer: Frame) -> Sequence[f.Fact]:
        return reader_for(call.protocol).answer_facts(call, answer)

    def _fold_all(
        self, station: StationState, found: Sequence[f.Fact], source: Frame
    ) -> Sequence[f.Fact]:
        if not found:
            return found
        folded: list[f.Fact] = []
        repeated: str | None = None  # a TransactionEvent seen before: its facts are not news
        for fact in found:
            if repeated is not None and _transaction_of(fact) == repeated:
                continue
            if isinstance(fact, f.TxEvent):
                added = self._tx_event(station, fact)
                if added is None:
                    repeated = fact.transaction_id
                    continue
            else:
                added = self._fold_one(station, fact, source)
            folded.append(fact)
            folded.extend(added)
        return folded

    def _tx_event(self, station: StationState, event: f.TxEvent) -> Sequence[f.Fact] | None:
        """Note a TransactionEvent's seqNo, EVSE and token; None when its seqNo was seen.

        A resend is no news, but it is evidence of the transaction's EVSE when it came:
        whichever copy is folded first, the EVSE is heard of at the newest copy's time."""
        tx = self.state.known(station, event.transaction_id)
        if tx is None:
            tx = station.heard_of(event.transaction_id)
        tx.heard_at = _max(tx.heard_at, event.heard)
        if tx.evse_id is not None:
            _heard(station.evse(tx.evse_id), tx.heard_at)
        added: Sequence[f.Fact] = NO_FACTS
        n = event.seq_no
        if n is not None:
            if seqnos.seen(tx.seq_runs, n):
                return None
            gap = seqnos.opened(tx.seq_runs, n)
            tx.seq_runs = seqnos.add(tx.seq_runs, n)
            if gap is not None:
                added = [f.SeqGap(event.at, tx.transaction_id, *gap)]
        if event.id_token and not tx.id_tag:
            tx.id_tag = event.id_token
        self._place(station, tx, event.evse, event.at, event.heard)
        return added

    def _place(
        self, station: StationState, tx: Transaction, evse_id: int, at: float, heard: float
    ) -> None:
        """An event of `tx` named an EVSE (0: none). The first one named is the
        transaction's (a station that names two contradicts itself); the readings that
        waited for it are folded, and its events are evidence of that EVSE."""
        if evse_id < 1:
            return
        evse = station.evse(evse_id)
        evse.last_seen = _max(evse.last_seen, at)
        _heard(evse, heard)
        if tx.evse_id is None:
            tx.evse_id = evse_id
            if tx.heard_at is not None:
                _heard(evse, tx.heard_at)
            for sample in self._samples.take(station.station_id, tx.transaction_id):
                self._sample(station, sample)

    def _sample(self, station: StationState, sample: f.MeterSample) -> None:
        evse_id, tx_id = sample.evse, sample.transaction_id
        if evse_id == 0 and tx_id is not None:
            # A 2.x event that names no EVSE, or a stop's readings: the transaction knows it.
            tx = self.state.known(station, tx_id)
            if tx is None or tx.evse_id is None:
                self._samples.add(station.station_id, tx_id, sample)
                return
            evse_id = tx.evse_id
        if evse_id < 1:
            return  # the station's main meter, not an EVSE's
        at, energy, power = sample.at, sample.energy_wh, sample.power_w
        evse = station.evse(evse_id)
        evse.last_seen = _max(evse.last_seen, at)
        _heard(evse, sample.heard)
        if energy is not None and _later(at, energy, evse.energy_at, evse.energy_wh):
            evse.energy_wh, evse.energy_at = energy, at
        if power is not None and _later(at, power, evse.power_at, evse.power_w):
            evse.power_w, evse.power_at = power, at
        evse.add_sample(at, energy, power)

    def _fold_one(self, station: StationState, fact: f.Fact, source: Frame) -> Sequence[f.Fact]:
        """Fold one fact; the facts only the fold could tell (a stop with no start)."""
        state = self.state
        match fact:
            case f.StatusChanged(at, heard, evse_id, status, error_code, info, connector_id):
                station.last_status = _max(station.last_status, at)
                if evse_id == 0:
                    key = (status, error_code)
                    if _later(at, key, station.status_at, (station.status, station.error_code)):
                        station.status, station.error_code = status, error_code
                        station.status_at = at
                    return NO_FACTS
                if evse_id < 0:
                    return NO_FACTS  # no EVSE has such an id
                evse = station.evse(evse_id)
                evse.last_seen = _max(evse.last_seen, at)
                _heard(evse, heard)
                if _later(at, (status, error_code, info), evse.status_at, _status_key(evse)):
                    evse.status, evse.error_code, evse.info = status, error_code, info
                    evse.status_at = at
                if connector_id > 0:  # 2.x: the connector within the EVSE keeps its own status
                    connector = evse.connector(connector_id)
                    connector.last_seen = _max(connector.last_seen, at)
                    if _later(at, status, connector.status_at, connector.status):
                        connector.status, connector.status_at = status, at
            case f.MeterSample():
                self._sample(station, fact)
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
                if len(ids) > MAX_EVSES:  # a report cannot list more than a station may have
                    ids = frozenset(sorted(ids)[:MAX_EVSES])
                if _later(at, sorted(ids), station.roster_at, sorted(station.roster)):
                    station.roster, station.roster_at = ids, at
                for evse_id in ids:
                    evse = station.evse(evse_id)
                    evse.last_seen = _max(evse.last_seen, at)
                    _heard(evse, at)  # a full report's time is its frame's
            case f.ConnectorsDeclared(at, count):
                if _later(at, count, station.declared_at, station.declared_evses):
                    station.declared_evses, station.declared_at = count, at
                station.declared_heard_at = _max(station.declared_heard_at, at)  # an answer's time
            case f.EvsesReported(at, heard, request_id, pairs):
                _fold_report(station, at, request_id, pairs)
                station.declared_heard_at = _max(station.declared_heard_at, heard)
            case f.VariablesReported(at, entries):
                _fold_variables(station, at, entries)
            case Notice():
                _fold_notice(station, fact)
                if fact.topic in JOB_TOPICS:
                    _fold_step(station, fact)
            case ProfileSet() | ProfilesCleared() | CompositeReported():
                station.charging = charging.kept(station.charging, fact)
            case f.TxStarted(at, heard, tx_id, evse_id, id_tag, meter_start):
                tx = state.start(station, tx_id)
                if _earlier(at, (meter_start, id_tag), tx.started_at, (tx.meter_start, tx.id_tag)):
                    tx.started_at, tx.meter_start = at, meter_start
                    if id_tag:
                        tx.id_tag = id_tag
                station.last_tx_start = _max(station.last_tx_start, at)
                self._place(station, tx, evse_id, at, heard)
                state.reindex(tx)
            case f.TxStopped():
                return self._stopped(station, fact, source)
            case f.CostTold(at, tx_id, cost):
                tx = state.known(station, tx_id) or station.heard_of(tx_id)
                if _later(at, cost, tx.cost_at, tx.cost):
                    tx.cost, tx.cost_at = cost, at
            case f.CallFailed() | f.Malformed():
                station.errors += 1
            case f.Connected(at, _, checked):
                if at >= (station.connected_at or at):
                    station.unvalidated = not checked  # the newest connection's
                station.connected_at = _max(station.connected_at, at)
            case f.Disconnected(at):
                station.disconnected_at = _max(station.disconnected_at, at)
            case f.Refused(at):
                station.disconnected_at = _max(station.disconnected_at, at)
                station.refused_at = _max(station.refused_at, at)
            case _:
                pass  # faults and refused tags change no state: marks and reports read them
        return NO_FACTS

    def _stopped(self, station: StationState, stop: f.TxStopped, source: Frame) -> Sequence[f.Fact]:
        """The first stop by its own time is the transaction's; one for a transaction not
        started waits for its start, an orphan until then."""
        state = self.state
        tx = state.transactions.get((station.station_id, stop.transaction_id))
        orphan = tx is None
        if tx is None:
            tx = station.heard_of(stop.transaction_id)
        first = tx.stopped_at is None
        key, cur_key = (stop.meter_stop, stop.reason), (tx.meter_stop, tx.stop_reason)
        if _earlier(stop.at, key, tx.stopped_at, cur_key):
            tx.stopped_at, tx.meter_stop, tx.stop_reason = stop.at, stop.meter_stop, stop.reason
        station.last_tx_stop = _max(station.last_tx_stop, stop.at)
        if not orphan:
            state.reindex(tx)
        if source.kind is not Kind.AUTOMATION:  # an automation's close carries no readings
            # Placed by the transaction's EVSE, or waiting for it.
            for sample in reader_for(source.protocol).stop_samples(source, tx.evse_id or 0):
                self._sample(station, sample)
        if orphan and first:
            station.orphan_stops += 1
            return [f.OrphanStop(stop.at, stop.transaction_id)]
        return NO_FACTS


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


def _fold_report(
    station: StationState, at: float, request_id: int, pairs: frozenset[tuple[int, int]]
) -> None:
    """Unite a report part with its siblings; the newest report declares the EVSEs.

    A report keeps its lowest MAX_REPORT_PAIRS pairs, whatever order its parts came in."""
    reports = station.reports
    before = reports.get(request_id)
    if before is not None:
        at, pairs = max(at, before[0]), pairs | before[1]
    if len(pairs) > MAX_REPORT_PAIRS:
        pairs = frozenset(sorted(pairs)[:MAX_REPORT_PAIRS])
    reports[request_id] = (at, pairs)
    if len(reports) > MAX_REPORTS:
        del reports[min(reports, key=lambda rid: (reports[rid][0], rid))]
    best = max(reports, key=lambda rid: (reports[rid][0], rid))
    best_at, layout = reports[best]
    if best == request_id and (station.declared_at is None or best_at >= station.declared_at):
        station.declared_layout = layout
        station.declared_evses = len({evse for evse, _ in layout})
        station.declared_at = best_at


def _fold_variables(
    station: StationState, at: float, entries: tuple[tuple[VariableKey, str | None, str], ...]
) -> None:
    """The newest report wins per variable; past MAX_VARIABLES the oldest reported go, a
    tenth at once."""
    variables = station.variables
    for key, value, mutability in entries:
        cur = variables.get(key)
        if cur is None or _later(at, (value, mutability), cur.at, (cur.value, cur.mutability)):
            variables[key] = ReportedVariable(at, value, mutability)
    if len(variables) > MAX_VARIABLES:
        extra = len(variables) - MAX_VARIABLES + MAX_VARIABLES // 10
        for key, _ in nsmallest(extra, variables.items(), key=lambda kv: (kv[1].at, kv[0])):
            del variables[key]


def _fold_notice(station: StationState, notice: Notice) -> None:
    """The newest notice per (EVSE, subject) of its topic stands; past MAX_NOTICES a topic,
    the oldest go, a tenth at once."""
    kept = station.notices.setdefault(notice.topic, {})
    key = notice.key
    cur = kept.get(key)
    if cur is not None and not _later(notice.at, _said(notice), cur.at, _said(cur)):
        return
    kept[key] = notice
    if len(kept) > MAX_NOTICES:
        extra = len(kept) - MAX_NOTICES + MAX_NOTICES // 10
        for old, _ in nsmallest(extra, kept.items(), key=lambda kv: (kv[1].at, kv[0])):
            del kept[old]


def _fold_step(station: StationState, notice: Notice) -> None:
    """Every step of a job stands, in time order (ties by what it says, so any order of
    folding keeps the same steps); past MAX_STEPS the oldest go."""
    kept = station.steps.get(notice.topic, ())
    if notice not in kept:
        steps = sorted((*kept, notice), key=lambda n: (n.at, n.key, _said(n)))
        station.steps[notice.topic] = tuple(steps[-MAX_STEPS:])


def _said(notice: Notice) -> tuple[str, str, bool]:
    return (notice.status, notice.detail, notice.flag)


def _status_key(evse: EvseState) -> tuple[str, str, str]:
    return (evse.status, evse.error_code, evse.info)
