"""Faults: what went wrong, when, and for how long. Pure.

From the facts the projection gives: fault statuses (status Faulted, or an error code
other than NoError) with how long each lasted, CallErrors either way, refused id tags,
boots while a transaction was open. From the sessions once the source is read:
critical security events (the spec's list, core/model/readers/security_events.py);
stops with no start, transactions never stopped while a newer one started on the same
EVSE, and 2.x TransactionEvent seqNos that never came. Each is judged once every frame
is folded, so the order frames come in does not change the answer.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from itertools import pairwise

from ..clock import to_iso
from ..model import facts as f
from ..model.state import Notice, Topic
from ..wire.frame import Direction
from .rows import StationRows
from .sessions import Session

FAULT_STATUS = "fault-status"
CALLERROR_BY_STATION = "callerror-by-station"
CALLERROR_BY_CSMS = "callerror-by-csms"
AUTH_REJECTED = "auth-rejected"
REBOOT_IN_TRANSACTION = "reboot-in-transaction"
ORPHAN_STOP = "orphan-stop"
ORPHANED_TRANSACTION = "orphaned-transaction"
SEQNO_GAP = "seqno-gap"
SECURITY_EVENT = "security-event"


@dataclass(frozen=True, slots=True)
class Fault:
    """One row of the faults table. `until` is when a fault status cleared (None: it had
    not by the end of the source, or the fault is a moment). `position` is the place, in
    the stream folded, of the frame that shows it (of a session's fault: the session's
    first frame)."""

    kind: str
    station: str
    at: float
    until: float | None = None
    evse: int | None = None
    connector: int | None = None
    transaction_id: str = ""
    code: str = ""
    detail: str = ""
    position: int | None = field(default=None, compare=False)  # where, not what

    @property
    def duration_s(self) -> float | None:
        """How long a fault status lasted, when it cleared."""
        return None if self.until is None else self.until - self.at


# (time, status, error code, info, position) of one EVSE's or connector's status reports.
_Report = tuple[float, str, str, str, int]


def _faulty(status: str, error_code: str) -> bool:
    return status == "Faulted" or error_code not in ("", "NoError")


class FaultLog:
    """Collects what the faults table needs while the frames are folded."""

    def __init__(self, max_per_station: int) -> None:
        self._limit = max_per_station
        self._statuses: dict[tuple[str, int, int], list[_Report]] = defaultdict(list)
        self._status_count: Counter[str] = Counter()
        self._boots: dict[str, list[tuple[float, int]]] = defaultdict(list)  # (time, position)
        self.found: StationRows[Fault] = StationRows(max_per_station)

    def status(self, station: str, fact: f.StatusChanged, position: int) -> None:
        """A status report: a fault begins or ends at its time."""
        if self._status_count[station] >= self._limit:
            self.found.left_off += 1
            return
        self._status_count[station] += 1
        key = (station, fact.evse, fact.connector)
        self._statuses[key].append((fact.at, fact.status, fact.error_code, fact.info, position))

    def call_failed(self, station: str, fact: f.CallFailed, position: int) -> None:
        """A CALLERROR: IN is the station refusing the CSMS's call, OUT the other way."""
        kind = CALLERROR_BY_STATION if fact.direction is Direction.IN else CALLERROR_BY_CSMS
        detail = f"{fact.action or '(call not seen)'}: {fact.description}"
        fault = Fault(kind, station, fact.at, code=fact.code, detail=detail, position=position)
        self.found.add(station, fault)

    def auth_rejected(self, station: str, fact: f.AuthRejected, position: int) -> None:
        """The CSMS refused an id tag."""
        detail = f"{fact.id_tag} ({fact.action})"
        fault = Fault(
            AUTH_REJECTED, station, fact.at, code=fact.status, detail=detail, position=position
        )
        self.found.add(station, fault)

    def notice(self, station: str, fact: Notice, position: int) -> None:
        """A notice: a critical security event is a fault (its type the code, techInfo
        the detail)."""
        if fact.topic is Topic.SECURITY and fact.flag:
            fault = Fault(
                SECURITY_EVENT,
                station,
                fact.at,
                code=fact.status,
                detail=fact.detail,
                position=position,
            )
            self.found.add(station, fault)

    def booted(self, station: str, fact: f.Booted, position: int) -> None:
        """A boot: judged against the sessions at the end."""
        boots = self._boots[station]
        if len(boots) < self._limit:
            boots.append((fact.at, position))

    def faults(self, sessions: list[Session]) -> tuple[list[Fault], int]:
        """Every fault by time, and how many were left off past the per-station bound."""
        rows = StationRows[Fault](self._limit)
        for fault in self.found.rows:
            rows.add(fault.station, fault)
        for fault in (
            *self._status_faults(),
            *self._reboots(sessions),
            *_orphans(sessions),
            *_seq_gaps(sessions),
        ):
            rows.add(fault.station, fault)
        ordered = sorted(rows.rows, key=lambda x: (x.at, x.station, x.kind, x.transaction_id))
        return ordered, rows.left_off + self.found.left_off

    def _status_faults(self) -> list[Fault]:
        """Each run of the same fault report on one EVSE or connector, until the next
        report that differs."""
        found: list[Fault] = []
        for (station, evse, connector), reports in self._statuses.items():
            current: Fault | None = None
            signature: tuple[str, str] | None = None
            for at, status, code, info, position in sorted(reports):
                if current is not None and (status, code) != signature:
                    found.append(replace(current, until=at))
                    current = signature = None
                if current is None and _faulty(status, code):
                    detail = f"{status}: {info}" if info else status
                    current = Fault(
                        FAULT_STATUS, station, at, None, evse, connector, "", code, detail, position
                    )
                    signature = (status, code)
            if current is not None:
                found.append(current)
        return found

    def _reboots(self, sessions: list[Session]) -> list[Fault]:
        by_station: dict[str, list[Session]] = defaultdict(list)
        for s in sessions:
            if s.start is not None:
                by_station[s.station].append(s)
        found: list[Fault] = []
        for station, boots in self._boots.items():
            for at, position in boots:
                for s in by_station.get(station, ()):
                    assert s.start is not None
                    if s.start < at and (s.stop is None or s.stop > at):
                        detail = f"rebooted {at - s.start:.0f} s into the transaction"
                        found.append(
                            Fault(
                                REBOOT_IN_TRANSACTION,
                                station,
                                at,
                                evse=s.evse,
                                transaction_id=s.transaction_id,
                                detail=detail,
                                position=position,
                            )
                        )
        return found


def _orphans(sessions: list[Session]) -> list[Fault]:
    """Stops with no start, and transactions left open when a newer one started on the
    same EVSE (the station lost their stop)."""
    found: list[Fault] = []
    by_evse: dict[tuple[str, int], list[Session]] = defaultdict(list)
    for s in sessions:
        if s.start is None and s.stop is not None:
            detail = "a stop for a transaction whose start is not in the source"
            found.append(
                Fault(
                    ORPHAN_STOP,
                    s.station,
                    s.stop,
                    evse=s.evse,
                    transaction_id=s.transaction_id,
                    detail=detail,
                    position=s.position,
                )
            )
        elif s.start is not None and s.evse is not None:
            by_evse[(s.station, s.evse)].append(s)
    for (station, evse), started in by_evse.items():
        started.sort(key=lambda s: (s.start, s.transaction_id))
        for s, newer in pairwise(started):
            if s.stop is None:
                assert s.start is not None and newer.start is not None
                detail = f"never stopped; {newer.transaction_id} started at {to_iso(newer.start)}"
                found.append(
                    Fault(
                        ORPHANED_TRANSACTION,
                        station,
                        s.start,
                        evse=evse,
                        transaction_id=s.transaction_id,
                        detail=detail,
                        position=s.position,
                    )
                )
    return found


def _seq_gaps(sessions: list[Session]) -> list[Fault]:
    """2.x TransactionEvents between the first and the newest seen that never came."""
    found: list[Fault] = []
    for s in sessions:
        at = s.start if s.start is not None else s.stop
        for first, last in s.missing_seq:
            numbers = str(first) if first == last else f"{first}-{last}"
            found.append(
                Fault(
                    SEQNO_GAP,
                    s.station,
                    at if at is not None else 0.0,
                    evse=s.evse,
                    transaction_id=s.transaction_id,
                    detail=f"seqNo {numbers} never came",
                    position=s.position,
                )
            )
    return found
