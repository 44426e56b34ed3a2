"""Sessions: each transaction the projection knows, with its energy and peak power, and
totals per station and per day. Pure but for the state it reads.

A session is a transaction the projection folded: started (1.6 StartTransaction and its
answer, 2.x TransactionEvent Started), or only heard of (a stop with no start, a 2.x
event of a transaction whose start never came). The transaction records are the
projection's own; the log keeps a reference to each, so one the state lets go of (past
its bound of closed transactions) is still reported.

Energy is the meter stop less the meter start; what is missing of those comes from the
transaction's own readings (the first and the newest by their time), already in Wh
whatever unit the station used. A session still open has the energy so far. Its cost is
the newest the CSMS told the station (2.x TransactionEvent answers and CostUpdated); 1.6
has no cost messages, so none.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..model import seqnos
from ..model.facts import MeterSample
from ..model.state import State, Transaction


@dataclass(slots=True)
class _Meter:
    """What a transaction's readings said: the first and the newest energy, peak power."""

    first_at: float | None = None
    first_wh: float | None = None
    last_at: float | None = None
    last_wh: float | None = None
    peak_w: float | None = None

    def add(self, sample: MeterSample) -> None:
        at, wh, w = sample.at, sample.energy_wh, sample.power_w
        if wh is not None:
            if self.first_at is None or at < self.first_at:
                self.first_at, self.first_wh = at, wh
            if self.last_at is None or at >= self.last_at:
                self.last_at, self.last_wh = at, wh
        if w is not None and (self.peak_w is None or w > self.peak_w):
            self.peak_w = w


@dataclass(frozen=True, slots=True)
class Session:
    """One row of the sessions table; times are epoch seconds, None when unknown."""

    station: str
    evse: int | None
    transaction_id: str
    id_tag: str
    start: float | None
    stop: float | None
    energy_wh: float | None
    peak_power_w: float | None
    stop_reason: str
    missing_seq: tuple[tuple[int, int], ...] = ()  # 2.x seqNos (first, last) never come
    cost: float | None = None  # 2.x: the newest cost the CSMS told the station (block I)
    # Of the first frame that named it, in the stream folded: where, not what, so two
    # orders of the same frames give equal sessions.
    position: int | None = field(default=None, compare=False)

    @property
    def completed(self) -> bool:
        """Started and stopped within the source."""
        return self.start is not None and self.stop is not None

    @property
    def duration_s(self) -> float | None:
        """Stop less start, when both are known."""
        return None if self.start is None or self.stop is None else self.stop - self.start


class SessionLog:
    """Follows the transactions and readings the projection folds."""

    def __init__(self, state: State, max_per_station: int) -> None:
        self._state = state
        self._limit = max_per_station
        self._txs: dict[tuple[str, str], Transaction] = {}
        self._meters: dict[tuple[str, str], _Meter] = {}
        self._first: dict[tuple[str, str], int] = {}  # each kept transaction's first frame
        self._on_evse: dict[tuple[str, int], Transaction] = {}  # newest started, per EVSE
        self._count: Counter[str] = Counter()
        self.left_off = 0

    def transaction(self, station_id: str, tx_id: str, position: int) -> None:
        """A fact of transaction `tx_id` was folded from the frame at `position`: keep the
        projection's record of it."""
        station = self._state.stations.get(station_id)
        tx = None if station is None else self._state.known(station, tx_id)
        if tx is None:
            return
        key = (station_id, tx_id)
        held = self._txs.get(key)
        if held is None:
            if self._count[station_id] >= self._limit:
                self.left_off += 1
                return
            self._count[station_id] += 1
            self._txs[key] = tx
        elif held is not tx and held.started_at is None:
            self._txs[key] = tx  # the state let the stop-only record go before its start came
        self._first.setdefault(key, position)
        if tx.evse_id is not None and tx.started_at is not None:
            on = self._on_evse.get((station_id, tx.evse_id))
            if on is None or (on.started_at or 0.0) <= tx.started_at:
                self._on_evse[(station_id, tx.evse_id)] = tx

    def sample(self, station_id: str, sample: MeterSample) -> None:
        """A reading: its transaction's, or (none named) the one open on its EVSE then."""
        tx_id = sample.transaction_id
        if tx_id is None:
            tx = self._on_evse.get((station_id, sample.evse))
            if tx is None or not _during(tx, sample.at):
                return
            tx_id = tx.transaction_id
        key = (station_id, tx_id)
        meter = self._meters.get(key)
        if meter is None:
            if key not in self._txs and self._count[station_id] >= self._limit:
                return  # readings of a transaction the log could not keep
            meter = self._meters[key] = _Meter()
        meter.add(sample)

    def sessions(self) -> list[Session]:
        """Every session, by start (stop for those never started), station and id."""
        found = [self._session(key, tx) for key, tx in self._txs.items()]
        return sorted(found, key=_order)

    def _session(self, key: tuple[str, str], tx: Transaction) -> Session:
        meter = self._meters.get(key) or _Meter()
        start_wh = tx.meter_start if tx.meter_start is not None else meter.first_wh
        end_wh = tx.meter_stop if tx.meter_stop is not None else meter.last_wh
        if tx.started_at is None:
            start_wh = None  # a stop alone says where the meter ended, not where it began
        energy = None if start_wh is None or end_wh is None else end_wh - start_wh
        return Session(
            station=tx.station,
            evse=tx.evse_id,
            transaction_id=tx.transaction_id,
            id_tag=tx.id_tag,
            start=tx.started_at,
            stop=tx.stopped_at,
            energy_wh=energy,
            peak_power_w=meter.peak_w,
            stop_reason=tx.stop_reason,
            missing_seq=tuple(seqnos.gaps(tx.seq_runs)),
            cost=tx.cost,
            position=self._first.get(key),
        )


def _during(tx: Transaction, at: float) -> bool:
    start, stop = tx.started_at, tx.stopped_at
    return start is not None and start <= at and (stop is None or at <= stop)


def _order(s: Session) -> tuple[float, str, str]:
    at = s.start if s.start is not None else s.stop
    return (at if at is not None else float("inf"), s.station, s.transaction_id)


@dataclass(slots=True)
class Totals:
    """Sessions summed over a station or a day: completed ones give the energy delivered;
    those still open (or never started) give what they had so far."""

    key: str
    sessions: int = 0
    completed: int = 0
    energy_wh: float = 0.0
    energy_open_wh: float = 0.0
    duration_s: float = 0.0

    def add(self, s: Session) -> None:
        self.sessions += 1
        if s.completed:
            self.completed += 1
            self.energy_wh += s.energy_wh or 0.0
            self.duration_s += s.duration_s or 0.0
        elif s.energy_wh is not None:
            self.energy_open_wh += s.energy_wh


def day_of(ts: float | None) -> str:
    """The UTC date of a time, `YYYY-MM-DD` ("" when unknown)."""
    return "" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def totals(sessions: list[Session]) -> tuple[list[Totals], list[Totals]]:
    """Totals per station and per day (of the start; the stop for a session never
    started), each sorted by its key."""
    by_station: dict[str, Totals] = defaultdict(lambda: Totals(""))
    by_day: dict[str, Totals] = defaultdict(lambda: Totals(""))
    for s in sessions:
        by_station[s.station].add(s)
        by_day[day_of(s.start if s.start is not None else s.stop)].add(s)
    for table in (by_station, by_day):
        for key, row in table.items():
            row.key = key
    return (
        [by_station[k] for k in sorted(by_station)],
        [by_day[k] for k in sorted(by_day)],
    )
