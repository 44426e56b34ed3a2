"""Charging schedules: periods of a limit over time, and the limit one has in force. Pure.

Shared by the projection (the limit a station was told to keep, core/model/charging.py)
and the simulator (the limit it keeps, core/sim/charging_limit.py), so both read a
schedule the same way. A limit in A becomes W at VOLTS per phase, PHASES phases when a
period does not say: the simulated grid, and the console's plot of a real station's limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

VOLTS = 230.0  # per phase
PHASES = 3  # when a period does not say how many phases it uses
MAX_PERIODS = 64  # of one schedule kept: a station's answer may list any number
RECURRENCE = {"Daily": 86_400.0, "Weekly": 604_800.0}


class Purpose(StrEnum):
    """What a profile limits (named for what it does, not for either version's words)."""

    STATION_MAX = "StationMax"  # the station as a whole (EVSE 0 only)
    TX_DEFAULT = "TxDefault"  # every transaction on an EVSE (0: on every EVSE)
    TX = "Tx"  # one running transaction


# Each version's words for the purposes (1.6 ChargePointMaxProfile, 2.x ChargingStation…).
PURPOSES = {
    "ChargePointMaxProfile": Purpose.STATION_MAX,
    "ChargingStationMaxProfile": Purpose.STATION_MAX,
    "TxDefaultProfile": Purpose.TX_DEFAULT,
    "TxProfile": Purpose.TX,
}


@dataclass(frozen=True, slots=True)
class Period:
    """From `start` seconds into the schedule, at most `limit` (in the schedule's unit)."""

    start: float
    limit: float
    phases: int | None = None


class Timed(Protocol):
    """A schedule's shape: its periods, how long it lasts and how often it repeats."""

    @property
    def periods(self) -> tuple[Period, ...]: ...

    @property
    def duration(self) -> float | None: ...

    @property
    def recurrence(self) -> float | None: ...


@dataclass(frozen=True, slots=True)
class Schedule:
    """One schedule with its start in seconds since the epoch."""

    unit: str  # "A" or "W"
    periods: tuple[Period, ...]
    starts_at: float
    duration: float | None = None
    recurrence: float | None = None  # a Recurring profile's day or week, in seconds

    def watts_at(self, ts: float) -> float | None:
        """The limit in W at `ts` (None: no period in force then)."""
        period, _ = period_at(self, ts - self.starts_at)
        return None if period is None else watts(period.limit, self.unit, period.phases)


def watts(limit: float, unit: str, phases: int | None) -> float:
    """A limit in W: amperes per phase times VOLTS and the phases."""
    return limit if unit == "W" else limit * VOLTS * (phases or PHASES)


def period_at(schedule: Timed, offset: float) -> tuple[Period | None, float | None]:
    """The period in force `offset` seconds after the schedule's start (None: none is), and
    how many seconds until that changes (None: never)."""
    if schedule.recurrence:
        offset %= schedule.recurrence
    if offset < 0:
        return None, -offset
    if schedule.duration is not None and offset >= schedule.duration:
        return None, (schedule.recurrence - offset) if schedule.recurrence else None
    current = None
    for period in schedule.periods:
        if period.start > offset:
            ends = period.start
            break
        current = period
    else:
        ends = schedule.duration if schedule.duration is not None else schedule.recurrence
    return current, None if ends is None else ends - offset


def stacked(in_force: Iterable[tuple[Purpose, int, int, float]], evse: int) -> Limits:
    """What profiles in force, as (purpose, EVSE, stack level, W), allow an EVSE: its
    transaction's limit (a TxProfile over a TxDefaultProfile on it over one on EVSE 0, the
    highest stack level of each) and the station's maximum. The caller leaves out
    TxProfiles of other transactions."""
    best: dict[tuple[Purpose, int], tuple[int, float]] = {}
    for purpose, on, level, w in in_force:
        key = (purpose, on)
        if key not in best or level > best[key][0]:
            best[key] = (level, w)
    tx = next(
        (best[key][1] for key in ((Purpose.TX, evse), (Purpose.TX_DEFAULT, evse)) if key in best),
        best[(Purpose.TX_DEFAULT, 0)][1] if (Purpose.TX_DEFAULT, 0) in best else None,
    )
    station = best.get((Purpose.STATION_MAX, 0))
    return Limits(tx, None if station is None else station[1])


@dataclass(frozen=True, slots=True)
class Limits:
    """An EVSE's limits in W (None: none in force): its transaction's and the station's."""

    transaction: float | None
    station: float | None

    def lowest(self) -> float | None:
        """The tighter of the two (None: neither is in force)."""
        found = [w for w in (self.transaction, self.station) if w is not None]
        return min(found) if found else None
