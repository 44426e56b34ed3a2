"""Charging limits a simulated station obeys: its charging profiles and the power they allow.

Version-neutral: a link turns its version's SetChargingProfile into a `Profile` (its
purposes and schedules are core/model/charging_schedule.py's) and the station follows
each profile's schedule period by period, on simulated time. A connector charges at the
lowest of its rated power, its transaction's limit (TxProfile over TxDefaultProfile, the
highest stack level in force), its share of the station's maximum and a limit from outside
OCPP (an EMS's or the grid operator's, core/sim/external_limit.py) on its EVSE.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..clock import parse_iso
from ..model.charging_schedule import (
    MAX_PERIODS,
    RECURRENCE,
    Period,
    Purpose,
    period_at,
    stacked,
    watts,
)
from .connector import pause

MAX_PROFILES = 16  # per station: a CSMS cannot make the simulator hold unbounded state


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


@dataclass(frozen=True, slots=True)
class ExternalLimit:
    """A limit from outside OCPP on one EVSE (the station's `limit_id`-th): its source
    (chargingLimitSource: EMS, or SO the grid operator), W and when it holds, in seconds
    since the epoch."""

    limit_id: int
    evse: int
    source: str
    watts: float
    starts_at: float
    ends_at: float


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
    """The profiles a station holds and the limit (W) each has in force now, and the one
    external limit on it, if any."""

    profiles: dict[int, Profile] = field(default_factory=dict)
    in_force: dict[int, float | None] = field(default_factory=dict)
    external: ExternalLimit | None = None

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

    def limit_w(
        self,
        connector_id: int,
        transaction: int | str | None,
        sharing: int,
        at: float | None = None,
    ) -> float:
        """The most a connector may draw (inf: no limit) now, or at `at` by the profiles' own
        schedules: its transaction's limit and its share of the station's maximum among
        `sharing` charging connectors, and an external limit on its EVSE."""
        in_force = []
        for p in self.profiles.values():
            if p.purpose is Purpose.TX and p.transaction_id not in (None, transaction):
                continue
            limit = self.in_force.get(p.profile_id) if at is None else _watts_at(p, at)
            if limit is not None:
                in_force.append((p.purpose, p.connector_id, p.stack_level, limit))
        limits = stacked(in_force, connector_id)
        share = float("inf") if limits.station is None else limits.station / max(1, sharing)
        tx = float("inf") if limits.transaction is None else limits.transaction
        return min(tx, share, _external_w(self.external, connector_id, at))

    def changes(self, now: float, duration: float) -> list[float]:
        """When, in seconds from `now`, any profile's limit changes within `duration`
        (0 first): the starts of a composite schedule's periods."""
        found = {0.0}
        for profile in self.profiles.values():
            base = offset = now - profile.starts_at
            for _ in range(MAX_PERIODS):
                _, left = period_at(profile, offset)
                if left is None or offset + left - base >= duration:
                    break
                offset += left
                found.add(offset - base)
        if self.external is not None and 0 < self.external.ends_at - now < duration:
            found.add(self.external.ends_at - now)
        return sorted(found)[:MAX_PERIODS]

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


def _external_w(limit: ExternalLimit | None, evse: int, at: float | None) -> float:
    """An external limit on `evse` now (until it is lifted) or at `at` (over the time it
    was set for); inf where there is none."""
    if limit is None or limit.evse != evse:
        return float("inf")
    if at is not None and not limit.starts_at <= at < limit.ends_at:
        return float("inf")
    return limit.watts


def _watts_at(profile: Profile, at: float) -> float | None:
    period, _ = period_at(profile, at - profile.starts_at)
    return None if period is None else watts(period.limit, profile.unit, period.phases)
