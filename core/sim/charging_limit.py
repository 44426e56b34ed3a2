"""Charging limits a simulated station obeys: its charging profiles and the power they allow.

Version-neutral: a link turns its version's SetChargingProfile into a `Profile` (the purposes
below are named for what they do, not for either version's words) and the station follows
each profile's schedule period by period, on simulated time. A connector charges at the
lowest of its rated power, its transaction's limit (TxProfile over TxDefaultProfile, the
highest stack level in force) and its share of the station's maximum.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ..clock import parse_iso
from .connector import pause

VOLTS = 230.0  # the simulated grid, per phase
PHASES = 3  # when a period does not say how many phases it uses
MAX_PROFILES = 16  # per station: a CSMS cannot make the simulator hold unbounded state
MAX_PERIODS = 64


class Purpose(StrEnum):
    """What a profile limits."""

    STATION_MAX = "StationMax"  # the station as a whole (connector 0 only)
    TX_DEFAULT = "TxDefault"  # every transaction on a connector (0: on every connector)
    TX = "Tx"  # one running transaction


@dataclass(frozen=True, slots=True)
class Period:
    """From `start` seconds into the schedule, at most `limit` (in the schedule's unit)."""

    start: float
    limit: float
    phases: int | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    """One charging profile with its (first) schedule, times in seconds since the epoch."""

    profile_id: int
    connector_id: int
    purpose: Purpose
    stack_level: int
    unit: str  # "A" or "W"
    periods: tuple[Period, ...]
    starts_at: float  # startSchedule, or when the station took it
    duration: float | None = None
    recurrence: float | None = None  # a Recurring profile's day or week, in seconds
    transaction_id: int | str | None = None  # a TxProfile's transaction


RECURRENCE = {"Daily": 86_400.0, "Weekly": 604_800.0}


def read_profile(
    head: tuple[int, int, Purpose, int],
    kind: str,
    recurrency: str | None,
    schedule: dict[str, Any],
    now: float,
) -> Profile | None:
    """A profile from a schedule as the library hands it (snake_case keys, the same in every
    version); `head` is (id, connector, purpose, stack level). None when the schedule has a
    period without a plain limit or an unreadable start: the station refuses it.

    Relative schedules start now (the simulator does not wait for a transaction to begin).
    """
    periods = []
    for item in schedule.get("charging_schedule_period") or []:
        limit, start = item.get("limit"), item.get("start_period")
        # The library reads JSON decimals as Decimal, so that multipleOf checks are exact.
        if not isinstance(limit, int | float | Decimal) or not isinstance(start, int):
            return None
        periods.append(Period(float(start), float(limit), item.get("number_phases")))
    starts_at: float | None = now
    if kind != "Relative" and schedule.get("start_schedule"):
        starts_at = parse_iso(str(schedule["start_schedule"]))
    if starts_at is None:
        return None
    duration = schedule.get("duration")
    profile_id, connector_id, purpose, stack_level = head
    return Profile(
        profile_id,
        connector_id,
        purpose,
        stack_level,
        str(schedule.get("charging_rate_unit")),
        tuple(periods),
        starts_at,
        float(duration) if isinstance(duration, int | float) else None,
        RECURRENCE.get(recurrency or "") if kind == "Recurring" else None,
    )


def watts(limit: float, unit: str, phases: int | None) -> float:
    """A limit in W: amperes per phase times the simulated voltage and phases."""
    return limit if unit == "W" else limit * VOLTS * (phases or PHASES)


def period_at(profile: Profile, offset: float) -> tuple[Period | None, float | None]:
    """The period in force `offset` seconds after the profile's start (None: none is), and
    how many seconds until that changes (None: never)."""
    if profile.recurrence:
        offset %= profile.recurrence
    if offset < 0:
        return None, -offset
    if profile.duration is not None and offset >= profile.duration:
        return None, (profile.recurrence - offset) if profile.recurrence else None
    current = None
    for period in profile.periods:
        if period.start > offset:
            ends = period.start
            break
        current = period
    else:
        ends = profile.duration if profile.duration is not None else profile.recurrence
    return current, None if ends is None else ends - offset


def acceptable(profile: Profile, connectors: int, transaction: int | str | None) -> bool:
    """Whether a station of `connectors` takes the profile; `transaction`: the one open on
    its connector (a TxProfile needs one, and it must be the one the profile names)."""
    if profile.unit not in ("A", "W") or not 0 < len(profile.periods) <= MAX_PERIODS:
        return False
    if profile.periods[0].start != 0 or any(p.limit < 0 for p in profile.periods):
        return False
    if not 0 <= profile.connector_id <= connectors:
        return False
    if profile.purpose is Purpose.STATION_MAX:
        return profile.connector_id == 0
    if profile.purpose is Purpose.TX:
        named = profile.transaction_id
        return transaction is not None and named in (None, transaction)
    return True


@dataclass(slots=True)
class ChargingLimits:
    """The profiles a station holds and the limit (W) each has in force now."""

    profiles: dict[int, Profile] = field(default_factory=dict)
    in_force: dict[int, float | None] = field(default_factory=dict)

    def add(self, profile: Profile) -> bool:
        """Hold `profile`, replacing one of the same id, or of the same purpose, connector and
        stack level (as both versions say); False when the station holds too many."""
        same = [
            p.profile_id
            for p in self.profiles.values()
            if p.profile_id == profile.profile_id
            or (p.purpose, p.connector_id, p.stack_level)
            == (profile.purpose, profile.connector_id, profile.stack_level)
        ]
        if not same and len(self.profiles) >= MAX_PROFILES:
            return False
        for profile_id in same:
            self.remove(profile_id)
        self.profiles[profile.profile_id] = profile
        self.in_force[profile.profile_id] = None
        return True

    def remove(self, profile_id: int) -> None:
        """Forget a profile."""
        self.profiles.pop(profile_id, None)
        self.in_force.pop(profile_id, None)

    def clear(
        self,
        profile_id: int | None,
        connector_id: int | None,
        purpose: Purpose | None,
        stack_level: int | None,
    ) -> bool:
        """Remove every profile matching all the criteria given; whether any was."""
        gone = [
            p.profile_id
            for p in self.profiles.values()
            if profile_id in (None, p.profile_id)
            and connector_id in (None, p.connector_id)
            and purpose in (None, p.purpose)
            and stack_level in (None, p.stack_level)
        ]
        for found in gone:
            self.remove(found)
        return bool(gone)

    def limit_w(self, connector_id: int, transaction: int | str | None, sharing: int) -> float:
        """The most a connector may draw now (inf: no limit): its transaction's limit and its
        share of the station's maximum among `sharing` charging connectors."""
        tx = self._top(Purpose.TX, (connector_id,), transaction)
        if tx is None:
            tx = self._top(Purpose.TX_DEFAULT, (connector_id,), None)
        if tx is None:
            tx = self._top(Purpose.TX_DEFAULT, (0,), None)
        station = self._top(Purpose.STATION_MAX, (0,), None)
        share = float("inf") if station is None else station / max(1, sharing)
        return min(float("inf") if tx is None else tx, share)

    def _top(
        self, purpose: Purpose, connectors: tuple[int, ...], transaction: int | str | None
    ) -> float | None:
        """The limit of the highest stack level in force of `purpose` on `connectors`."""
        best: tuple[int, float] | None = None
        for p in self.profiles.values():
            limit = self.in_force.get(p.profile_id)
            if limit is None or p.purpose is not purpose or p.connector_id not in connectors:
                continue
            if purpose is Purpose.TX and p.transaction_id not in (None, transaction):
                continue
            if best is None or p.stack_level > best[0]:
                best = (p.stack_level, limit)
        return None if best is None else best[1]

    async def follow(
        self, profile: Profile, now: float, speed: float, changed: Callable[[], None]
    ) -> None:
        """Keep the profile's limit in force up to date, period by period on simulated time
        (`speed` compresses it), calling `changed` at each step; forget it when it ends."""
        offset = now - profile.starts_at
        while self.profiles.get(profile.profile_id) is profile:
            period, left = period_at(profile, offset)
            limit = None if period is None else watts(period.limit, profile.unit, period.phases)
            self.in_force[profile.profile_id] = limit
            changed()
            if left is None:
                if period is None:
                    self.remove(profile.profile_id)
                    changed()
                return
            await pause(left, speed)
            offset += left  # always > 0: period_at never answers a change that is now
