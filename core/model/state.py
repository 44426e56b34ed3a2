"""The state the projection builds: stations, EVSEs and their connectors, transactions.

One model for every OCPP version: station → EVSE → connector. An EVSE holds
the meter and the transactions (2.x meters and charges per EVSE); its
connectors hold a status each. A 1.6 connector n is EVSE n with the single
connector 1, so 1.6 state keeps its connector ids as EVSE ids and has no
per-connector entries. `StationState.evses` is keyed by EVSE id.

Values that carry a time keep that time beside them, so the projection can
apply last-writer-wins by the frame's own timestamp. Those are the station's clock;
`heard_at` keeps when the CSMS received the newest evidence of an EVSE (`Frame.ts`),
to compare with the station's boot, whose message carries no time of its own. What a
station can make grow (EVSEs, connectors, variables, transactions, notices) is bounded
per station (core/model/limits.py). What a station reports for the console to list
beside this (security events, firmware status, limits, monitors, display
messages, …) is kept as notices by topic.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import islice
from math import isnan, nan
from typing import TypeVar, overload

from . import seqnos
from .charging import ChargingEvent
from .limits import (
    MAX_CLOSED_TRANSACTIONS,
    MAX_CONNECTORS,
    MAX_EVSES,
    MAX_OPEN_TRANSACTIONS,
    MAX_UNSTARTED,
    METER_HISTORY,
)
from .seqnos import SeqRuns

K = TypeVar("K")
V = TypeVar("V")


def _make_room(items: dict[K, V], limit: int, age: Callable[[K, V], object]) -> None:
    """Before a new entry, past `limit` drop the oldest by `age` (so the newest stay)."""
    if len(items) >= limit:
        del items[min(items, key=lambda k: age(k, items[k]))]


def _seen(last_seen: float | None) -> float:
    return float("-inf") if last_seen is None else last_seen


@dataclass(slots=True)
class ConnectorState:
    """One connector of an EVSE: its own status (meter and transactions are the EVSE's)."""

    connector_id: int
    status: str = ""
    status_at: float | None = None
    last_seen: float | None = None


@dataclass(slots=True)
class EvseState:
    """One EVSE as the newest evidence shows it (a 1.6 connector is an EVSE of one).

    `evse_id` is the 1.6 connector id; `connectors` holds the connectors a 2.x
    station reported statuses for, by connector id within the EVSE. `last_seen` is the
    station's time of the newest evidence of it; `heard_at` when the CSMS received the
    newest (its own clock, the one `StationState.last_boot` and `roster_at` use).
    """

    evse_id: int
    status: str = ""
    error_code: str = ""
    info: str = ""
    status_at: float | None = None
    energy_wh: float | None = None
    energy_at: float | None = None
    power_w: float | None = None
    power_at: float | None = None
    last_seen: float | None = None
    heard_at: float | None = None
    history: MeterHistory = field(default_factory=lambda: MeterHistory())
    connectors: dict[int, ConnectorState] = field(default_factory=dict)

    def connector(self, connector_id: int) -> ConnectorState:
        """The EVSE's connector with that id, created on first sight (past MAX_CONNECTORS
        the one heard from least recently makes room)."""
        found = self.connectors.get(connector_id)
        if found is None:
            _make_room(self.connectors, MAX_CONNECTORS, lambda n, c: (_seen(c.last_seen), n))
            found = self.connectors[connector_id] = ConnectorState(connector_id)
        return found

    def add_sample(self, ts: float, energy_wh: float | None, power_w: float | None) -> None:
        """Keep a (time, energy, power) sample in time order, the newest METER_HISTORY."""
        self.history.add(ts, energy_wh, power_w)


Sample = tuple[float, float | None, float | None]


class MeterHistory(Sequence[Sample]):
    """(time, energy Wh, power W) samples in time order, newest METER_HISTORY kept; the
    same sample twice is kept once.

    Stored flat in an array of doubles (NaN for a missing value): thousands of
    connectors' histories cost no Python objects for the garbage collector to walk.
    The array holds up to _SLACK rows more than are kept, the oldest, so that it is
    shifted once every _SLACK samples rather than at each one; they are never shown,
    and as nothing older than them is ever shown again, keeping them changes nothing.
    """

    __slots__ = ("_last", "_values")

    def __init__(self) -> None:
        self._values = array("d")
        self._last: tuple[float, float, float] | None = None  # the newest row's key

    def __len__(self) -> int:
        return min(len(self._values) // 3, METER_HISTORY)

    def _hidden(self) -> int:
        """Rows held beyond the newest METER_HISTORY, at the array's start."""
        return max(0, len(self._values) // 3 - METER_HISTORY)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MeterHistory):
            return NotImplemented
        return self.to_bytes() == other.to_bytes()  # NaN (a missing value) equals NaN here

    __hash__ = None  # type: ignore[assignment]  # mutable

    @overload
    def __getitem__(self, index: int) -> Sample: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Sample]: ...

    def __getitem__(self, index: int | slice) -> Sample | Sequence[Sample]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        at = (self._hidden() + index) * 3
        ts, energy, power = self._values[at : at + 3]
        return (ts, None if isnan(energy) else energy, None if isnan(power) else power)

    def to_bytes(self) -> bytes:
        """The samples as little-endian doubles (NaN for a missing value), to save them."""
        values = self._values[self._hidden() * 3 :]
        if sys.byteorder == "big":
            values.byteswap()
        return values.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> MeterHistory:
        """A history from `to_bytes`; ValueError for bytes that cannot be one."""
        if len(data) % 24 or len(data) > METER_HISTORY * 24:
            raise ValueError(f"{len(data)} bytes are not a meter history")
        history = cls()
        history._values.frombytes(data)
        if sys.byteorder == "big":
            history._values.byteswap()
        if data:
            history._last = history._key(len(history) - 1)
        return history

    def _key(self, row: int) -> tuple[float, float, float]:
        """The sort key of a row of the array (hidden rows count)."""
        ts, energy, power = self._values[row * 3 : row * 3 + 3]
        return (ts, -1.0 if isnan(energy) else energy, -1.0 if isnan(power) else power)

    def add(self, ts: float, energy: float | None, power: float | None) -> None:
        """Insert a sample at its place in time (ties ordered by value, so any arrival
        order gives the same history)."""
        key = (ts, -1.0 if energy is None else energy, -1.0 if power is None else power)
        last = self._last
        values = self._values
        if last is None or key > last:  # the usual case: samples come in order
            values.append(ts)
            values.append(nan if energy is None else energy)
            values.append(nan if power is None else power)
            self._last = key
        elif key == last:
            return  # the same reading again (a repeated message)
        else:
            row = self._place(key)
            if row < 0:
                return  # already held
            values[row * 3 : row * 3] = array(
                "d", (ts, nan if energy is None else energy, nan if power is None else power)
            )
        if len(values) > (METER_HISTORY + _SLACK) * 3:
            del values[: _SLACK * 3]

    def _place(self, key: tuple[float, float, float]) -> int:
        """The row a sample older than the newest goes to (after its equals by key); -1
        when a row holds that very sample."""
        values = self._values
        ts = key[0]
        row = len(values) // 3
        # A late sample is usually late by a few rows: look back from the end first.
        stop = max(0, row - _LOOK_BACK)
        while row > stop and values[row * 3 - 3] > ts:
            row -= 1
        if row == 0 or values[row * 3 - 3] < ts:
            lo = hi = row  # no row has its time
        else:
            # bisect over every third double (the times), in C.
            with memoryview(values) as view, view[::3] as times:
                lo = bisect_left(times, ts, 0, row)
                hi = bisect_right(times, ts, lo, row)
        # Among the rows of its time, by value, bisected too: a meter may stamp every
        # reading with one time, and a history of them must not cost a walk per sample.
        while lo < hi:
            mid = (lo + hi) // 2
            if key < self._key(mid):
                hi = mid
            else:
                lo = mid + 1
        if lo and key == self._key(lo - 1):
            return -1
        return lo


# Rows held beyond METER_HISTORY before the oldest are dropped, in one go.
_SLACK = 32
# Rows looked at one by one, back from the newest, before a late sample's place is
# searched for by bisection.
_LOOK_BACK = 8


@dataclass(slots=True)
class Transaction:
    """A charging session; open while it has a start and no stop.

    `evse_id` is None until an event names the EVSE (a 2.x start before plug-in);
    `seq_runs` are the 2.x TransactionEvent seqNos seen of it; `heard_at` is when the
    CSMS received the newest of its events (a resend too), evidence of its EVSE.
    """

    station: str
    transaction_id: str
    evse_id: int | None = None
    id_tag: str = ""
    started_at: float | None = None
    meter_start: float | None = None
    stopped_at: float | None = None
    meter_stop: float | None = None
    stop_reason: str = ""
    seq_runs: SeqRuns = ()
    cost: float | None = None  # 2.x: the newest cost the CSMS told the station (block I)
    cost_at: float | None = None
    heard_at: float | None = None

    @property
    def is_open(self) -> bool:
        """Started and not stopped."""
        return self.started_at is not None and self.stopped_at is None

    @property
    def missing_events(self) -> int:
        """TransactionEvents between the first and the last seen that have not come."""
        return seqnos.missing(self.seq_runs)


@dataclass(frozen=True, slots=True, order=True)
class VariableKey:
    """A 2.x device-model variable: its component (with instance, EVSE and connector, 0 when
    none) and its variable (with instance)."""

    component: str
    variable: str
    component_instance: str = ""
    variable_instance: str = ""
    evse: int = 0
    connector: int = 0


@dataclass(frozen=True, slots=True)
class ReportedVariable:
    """A variable's Actual value (None: write-only or not given) and mutability
    (ReadOnly / ReadWrite / WriteOnly) as the newest report at `at` gave them."""

    at: float
    value: str | None
    mutability: str

    @property
    def readonly(self) -> bool:
        """Whether the station refuses a new value."""
        return self.mutability == "ReadOnly"


class Topic(StrEnum):
    """What a station reports that the console lists beside its state, by message."""

    SECURITY = "security"  # SecurityEventNotification: one notice per event
    FIRMWARE = "firmware"  # FirmwareStatusNotification (1.6: the signed one too)
    PUBLISH = "publish"  # PublishFirmwareStatusNotification (a local controller's)
    DIAGNOSTICS = "diagnostics"  # DiagnosticsStatusNotification (1.6)
    LOG = "log"  # LogStatusNotification
    RESERVATION = "reservation"  # ReservationStatusUpdate, per reservation id
    LIMIT = "limit"  # NotifyChargingLimit / ClearedChargingLimit, per EVSE and source
    PROFILE = "profile"  # ReportChargingProfiles, per EVSE and profile id
    NEEDS = "needs"  # NotifyEVChargingNeeds, per EVSE
    EV_SCHEDULE = "ev_schedule"  # NotifyEVChargingSchedule, per EVSE
    MONITOR = "monitor"  # NotifyMonitoringReport, per monitor id
    EVENT = "event"  # NotifyEvent, per component and variable: the newest event stands
    DISPLAY = "display"  # NotifyDisplayMessages, per message id
    CUSTOMER = "customer"  # NotifyCustomerInformation, per request and part


# Topics whose notices are the steps of a job (Downloading, …, Installed): each step is
# kept (StationState.steps), not only the newest.
JOB_TOPICS = frozenset({Topic.FIRMWARE, Topic.DIAGNOSTICS, Topic.LOG})


@dataclass(frozen=True, slots=True)
class Notice:
    """The newest a station said of one subject of a topic (also the fact that says it).

    `evse` is 0 for the station as a whole; `subject` tells notices of one topic and
    EVSE apart (an event's time and type, a profile's id, "" when there is one);
    `status` is the short word (a status, an event type, a limit's Set / Cleared) and
    `detail` the rest. Both are the station's words, bounded (core/model/limits.py),
    text never markup. `flag` marks a critical security event or a grid-critical limit.
    """

    at: float
    topic: Topic
    evse: int
    subject: str
    status: str
    detail: str = ""
    flag: bool = False

    @property
    def key(self) -> tuple[int, str]:
        """What a newer notice of the same topic replaces it by."""
        return (self.evse, self.subject)


@dataclass(slots=True)
class StationState:
    """One charging station."""

    station_id: str
    vendor: str = ""
    model: str = ""
    firmware: str = ""
    serial: str = ""
    protocol: str = ""
    boot_status: str = ""
    boot_answered_at: float | None = None
    status: str = ""  # connector 0: the station as a whole
    error_code: str = ""
    status_at: float | None = None
    connected_at: float | None = None
    unvalidated: bool = False  # its newest connection's payloads are not schema-checked
    disconnected_at: float | None = None
    refused_at: float | None = None  # the newest handshake refused (no common subprotocol)
    last_boot: float | None = None
    last_heartbeat: float | None = None
    last_status: float | None = None
    last_tx_start: float | None = None
    last_tx_stop: float | None = None
    last_frame: float | None = None
    declared_evses: int | None = None  # EVSEs (1.6: connectors) the station declares
    declared_at: float | None = None
    declared_heard_at: float | None = None  # when the newest declaration came (CSMS clock)
    # (EVSE id, connector id) pairs of the newest 2.x inventory report; (n, 0) is an EVSE
    # reported without its connectors.
    declared_layout: frozenset[tuple[int, int]] = frozenset()
    # 2.x reports by requestId: (newest generatedAt, union of the parts' pairs).
    reports: dict[int, tuple[float, frozenset[tuple[int, int]]]] = field(default_factory=dict)
    # 2.x device-model variables the station reported (NotifyReport), newest per variable.
    variables: dict[VariableKey, ReportedVariable] = field(default_factory=dict)
    roster: frozenset[int] = frozenset()  # EVSEs listed by the newest full report
    roster_at: float | None = None  # its frame's time (the clock of `heard_at`)
    frames: int = 0
    errors: int = 0
    evses: dict[int, EvseState] = field(default_factory=dict)
    # Transactions heard of (a stop, a 2.x event) before their start, by id, oldest first:
    # what they said waits here for the start. Never shown as transactions.
    unstarted: dict[str, Transaction] = field(default_factory=dict)
    orphan_stops: int = 0  # how many of `unstarted` have a stop: stops with no start (yet)
    # What the station reported by topic, the newest per (EVSE, subject), MAX_NOTICES a topic.
    notices: dict[Topic, dict[tuple[int, str], Notice]] = field(default_factory=dict)
    # Every step of its firmware, diagnostics and log jobs (JOB_TOPICS), oldest first,
    # the newest MAX_STEPS a topic: the history behind the newest notice.
    steps: dict[Topic, tuple[Notice, ...]] = field(default_factory=dict)
    # Charging profiles the CSMS set and cleared, and composite schedules the station
    # gave, oldest first (core/model/charging.py): the limit in force on each EVSE.
    charging: tuple[ChargingEvent, ...] = ()

    def evse(self, evse_id: int) -> EvseState:
        """The EVSE with that id (1.6: the connector), created on first sight (past
        MAX_EVSES the one heard from least recently makes room)."""
        found = self.evses.get(evse_id)
        if found is None:
            _make_room(self.evses, MAX_EVSES, lambda n, e: (_seen(e.last_seen), n))
            found = self.evses[evse_id] = EvseState(evse_id)
        return found

    def heard_of(self, transaction_id: str) -> Transaction:
        """The unstarted transaction with that id, created on first sight (past
        MAX_UNSTARTED the ones heard of first make room)."""
        found = self.unstarted.get(transaction_id)
        if found is None:
            unstarted = self.unstarted
            if len(unstarted) >= MAX_UNSTARTED:  # a tenth at once: see wire/join.evict_oldest
                for old in list(islice(unstarted, MAX_UNSTARTED // 10)):
                    if unstarted.pop(old).stopped_at is not None:
                        self.orphan_stops -= 1
            found = unstarted[transaction_id] = Transaction(self.station_id, transaction_id)
        return found

    def noticed(self, topic: Topic, evse: int | None = None) -> list[Notice]:
        """The notices of a topic (of one EVSE, or all), oldest first."""
        found = self.notices.get(topic, {}).values()
        kept = [n for n in found if evse is None or n.evse == evse]
        return sorted(kept, key=lambda n: (n.at, n.key))

    def history(self, topic: Topic) -> tuple[Notice, ...]:
        """The steps of a job topic's notices (JOB_TOPICS), oldest first."""
        return self.steps.get(topic, ())

    def latest(self, topic: Topic, evse: int = 0) -> Notice | None:
        """The newest notice of a topic about the station (0) or one EVSE, if any."""
        found = self.noticed(topic, evse)
        return found[-1] if found else None


class CountVerdict(StrEnum):
    """How far our view of a station's connector count can be trusted."""

    OK = "ok"
    UNKNOWN = "unknown"  # the station never declared a count
    STALE = "stale"  # declared before the newest boot, not asked since
    MISSING = "missing"  # declared more connectors than have reported since boot
    CONTRADICTED = "contradicted"  # a connector reported that the count does not allow


@dataclass(frozen=True, slots=True)
class ConnectorCount:
    """Declared against seen connectors, with the verdict and why."""

    declared: int | None
    seen: int
    verdict: CountVerdict
    reason: str | None

    @property
    def correct(self) -> bool | None:
        """True when declared and seen agree, None when it cannot be told."""
        if self.verdict is CountVerdict.OK:
            return True
        if self.verdict in (CountVerdict.UNKNOWN, CountVerdict.STALE):
            return None
        return False


def connector_count(station: StationState) -> ConnectorCount:
    """Compare the declared connector count with the newest evidence of the connectors.

    The evidence is the newest full report (a message that lists every
    connector) and any connector heard from after it; without a full report,
    the connectors heard from since the last boot (or ever, with no boot).
    Every time compared is the CSMS's (when a frame came), never the station's own:
    a station whose clock runs behind still reports after its boot.
    """
    boot = station.last_boot
    roster_at = station.roster_at
    if roster_at is not None and (boot is None or roster_at >= boot):
        since: float | None = roster_at
        source = "in the newest full report"
    else:
        since = boot
        source = "since the last boot" if boot is not None else "so far"
    seen_ids = sorted(
        evse_id
        for evse_id, evse in station.evses.items()
        if evse_id > 0 and evse.heard_at is not None and (since is None or evse.heard_at >= since)
    )
    declared = station.declared_evses
    seen = len(seen_ids)
    if declared is None:
        return ConnectorCount(None, seen, CountVerdict.UNKNOWN, "no connector count declared")
    beyond = [cid for cid in seen_ids if cid > declared]
    if beyond:
        ids = ", ".join(map(str, beyond))
        return ConnectorCount(
            declared,
            seen,
            CountVerdict.CONTRADICTED,
            f"declares {declared} but connector {ids} reported {source}",
        )
    declared_heard = station.declared_heard_at
    if boot is not None and declared_heard is not None and declared_heard < boot:
        return ConnectorCount(
            declared, seen, CountVerdict.STALE, "count declared before the last boot"
        )
    if seen < declared:
        return ConnectorCount(
            declared, seen, CountVerdict.MISSING, f"declares {declared}, {seen} reported {source}"
        )
    return ConnectorCount(declared, seen, CountVerdict.OK, None)


@dataclass(slots=True)
class State:
    """Everything the projection knows.

    `transactions` holds the started ones (a stop alone makes none: it waits among
    its station's `unstarted`); `open` and `by_station` index them.
    """

    stations: dict[str, StationState] = field(default_factory=dict)
    transactions: dict[tuple[str, str], Transaction] = field(default_factory=dict)
    open: dict[tuple[str, str], Transaction] = field(default_factory=dict)
    # Each station's started transactions by id: what the per-station bounds count.
    by_station: dict[str, dict[str, Transaction]] = field(default_factory=dict)
    server_started_at: float | None = None
    frames: int = 0
    last_ts: float | None = None

    def station(self, station_id: str) -> StationState:
        """The station with that id, created on first sight."""
        found = self.stations.get(station_id)
        if found is None:
            found = self.stations[station_id] = StationState(station_id)
        return found

    def known(self, station: StationState, transaction_id: str) -> Transaction | None:
        """The transaction with that id, started or only heard of; None if neither."""
        found = self.transactions.get((station.station_id, transaction_id))
        return found if found is not None else station.unstarted.get(transaction_id)

    def start(self, station: StationState, transaction_id: str) -> Transaction:
        """The started transaction with that id: one heard of before moves here, with what
        it heard (a stop that came first among it); else a new one."""
        key = (station.station_id, transaction_id)
        found = self.transactions.get(key)
        if found is None:
            found = station.unstarted.pop(transaction_id, None)
            if found is None:
                found = Transaction(station.station_id, transaction_id)
            elif found.stopped_at is not None:
                station.orphan_stops -= 1
            self.add(found)
        return found

    def add(self, tx: Transaction) -> None:
        """Keep a started transaction (`reindex` once its start and stop are set)."""
        self.transactions[(tx.station, tx.transaction_id)] = tx
        self.by_station.setdefault(tx.station, {})[tx.transaction_id] = tx

    def reindex(self, tx: Transaction) -> None:
        """Keep the open index true after `tx` changed, and its station's transactions
        within bounds: past MAX_CLOSED_TRANSACTIONS the oldest closed go, past
        MAX_OPEN_TRANSACTIONS (a flood of starts) the oldest open."""
        key = (tx.station, tx.transaction_id)
        if tx.is_open:
            self.open[key] = tx
        else:
            self.open.pop(key, None)
        kept = self.by_station.get(tx.station)
        if kept is None or len(kept) <= MAX_CLOSED_TRANSACTIONS:
            return
        opened = [t for t in kept.values() if t.is_open]
        closed = [t for t in kept.values() if not t.is_open]
        for gone in [
            *_oldest(closed, MAX_CLOSED_TRANSACTIONS, lambda t: (t.stopped_at, t.transaction_id)),
            *_oldest(opened, MAX_OPEN_TRANSACTIONS, lambda t: (t.started_at, t.transaction_id)),
        ]:
            gone_key = (gone.station, gone.transaction_id)
            del self.transactions[gone_key], kept[gone.transaction_id]
            self.open.pop(gone_key, None)

    def is_online(self, station: StationState) -> bool:
        """Connected at or after its last disconnect and the CSMS's last start.

        At the same instant the connection wins: a replaced session's goodbye
        and its successor's hello, or a station that connects as the CSMS
        starts, share a timestamp under a coarse or fixed clock.
        """
        if station.connected_at is None:
            return False
        latest_down = max(
            station.disconnected_at or float("-inf"), self.server_started_at or float("-inf")
        )
        return station.connected_at >= latest_down

    def open_transactions(self, station_id: str | None = None) -> list[Transaction]:
        """Open transactions, of one station or all, by start time."""
        found = [
            tx for tx in self.open.values() if (station_id is None or tx.station == station_id)
        ]
        return sorted(found, key=lambda tx: (tx.started_at or 0.0, tx.station, tx.transaction_id))

    def open_transaction_on(self, station_id: str, evse_id: int) -> Transaction | None:
        """The newest open transaction on an EVSE (1.6: a connector), if any."""
        found = [tx for tx in self.open_transactions(station_id) if tx.evse_id == evse_id]
        return found[-1] if found else None

    def energy_so_far(self, tx: Transaction) -> float | None:
        """Wh delivered by a transaction: its newest reading less its meter start."""
        if tx.meter_start is None:
            return None
        if tx.meter_stop is not None:
            return tx.meter_stop - tx.meter_start
        station = self.stations.get(tx.station)
        if station is None or tx.evse_id is None:
            return 0.0
        evse = station.evses.get(tx.evse_id)
        if evse is None or evse.energy_wh is None or evse.energy_at is None:
            return 0.0
        if tx.started_at is not None and evse.energy_at < tx.started_at:
            return 0.0
        return max(0.0, evse.energy_wh - tx.meter_start)


def _oldest(
    txs: list[Transaction], limit: int, age: Callable[[Transaction], tuple[float | None, str]]
) -> list[Transaction]:
    """The oldest to drop so that `limit` stay, a tenth more at once (so the sort is rare)."""
    if len(txs) <= limit:
        return []
    return sorted(txs, key=age)[: len(txs) - limit + limit // 10]
