"""The charging limits a station was told to keep, and the limit in force on an EVSE over time.

Two sources, both read from the CSMS's own calls joined to the station's answers
(core/model/readers/charging_profiles.py; all pure):
- a SetChargingProfile the station Accepted holds from the call's time until a newer
  profile of the same id (or the same purpose, EVSE and stack level) or an Accepted
  ClearChargingProfile that matches it; its schedule says the limit at each moment;
- a GetCompositeSchedule answer is what the station itself computed: from its answer on,
  over the window it covers, it is the limit, until the CSMS sets or clears a profile.

The limit on an EVSE is the tighter of its transaction's (TxProfile over TxDefaultProfile,
core/model/charging_schedule.py) and the station's maximum. A TxProfile counts until it
is cleared or replaced. Limits the station reports from other sources (an EMS's
NotifyChargingLimit) are notices, not part of this line.

The events are kept per station, the newest MAX_CHARGING_EVENTS by time; which of them
is in force is worked out from their own times, so any order of folding agrees.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from .charging_schedule import Limits, Purpose, Schedule, stacked

# Profiles, clears and composite schedules kept per station: a station holds a handful of
# profiles, so this is many changes of each.
MAX_CHARGING_EVENTS = 64


@dataclass(frozen=True, slots=True)
class ProfileSet:
    """The station accepted a charging profile the CSMS set."""

    at: float
    evse: int
    profile_id: int
    purpose: Purpose
    stack_level: int
    schedule: Schedule


@dataclass(frozen=True, slots=True)
class ProfilesCleared:
    """The station accepted a ClearChargingProfile; None matches any."""

    at: float
    profile_id: int | None
    evse: int | None
    purpose: Purpose | None
    stack_level: int | None

    def clears(self, profile: ProfileSet) -> bool:
        """Whether it clears `profile` (set before it)."""
        return (
            profile.at <= self.at
            and self.profile_id in (None, profile.profile_id)
            and self.evse in (None, profile.evse)
            and self.purpose in (None, profile.purpose)
            and self.stack_level in (None, profile.stack_level)
        )


@dataclass(frozen=True, slots=True)
class CompositeReported:
    """A station's answer to GetCompositeSchedule: its limit on an EVSE (0: the station)."""

    at: float
    evse: int
    schedule: Schedule


ChargingEvent = ProfileSet | ProfilesCleared | CompositeReported


def kept(events: tuple[ChargingEvent, ...], event: ChargingEvent) -> tuple[ChargingEvent, ...]:
    """`events` with one more, in time order (ties by what they say), the newest
    MAX_CHARGING_EVENTS."""
    if event in events:
        return events
    ordered = sorted((*events, event), key=lambda e: (e.at, repr(e)))
    return tuple(ordered[-MAX_CHARGING_EVENTS:])


@dataclass(frozen=True, slots=True)
class InForce:
    """What holds on an EVSE between two charging events: the station's composite schedule
    (when no profile changed since it came) and the profiles neither replaced nor cleared."""

    composite: CompositeReported | None
    profiles: tuple[ProfileSet, ...]

    def limits(self, evse: int, ts: float) -> Limits:
        """The limits in W at `ts`: the composite's where it covers `ts`, else the profiles'."""
        if self.composite is not None:
            w = self.composite.schedule.watts_at(ts)
            if w is not None:
                return Limits(w, None)
        found = []
        for p in self.profiles:
            w = p.schedule.watts_at(ts)
            if w is not None:
                found.append((p.purpose, p.evse, p.stack_level, w))
        return stacked(found, evse)


def in_force(events: Iterable[ChargingEvent], evse: int, ts: float) -> InForce:
    """What holds on an EVSE at `ts`, from the events up to then (see the module's note)."""
    before = sorted((e for e in events if e.at <= ts), key=lambda e: (e.at, repr(e)))
    changed = max((e.at for e in before if not isinstance(e, CompositeReported)), default=None)
    composite = next(
        (
            e
            for e in reversed(before)
            if isinstance(e, CompositeReported)
            and e.evse == evse
            and (changed is None or e.at >= changed)
        ),
        None,
    )
    profiles = [e for e in before if isinstance(e, ProfileSet)]
    clears = [e for e in before if isinstance(e, ProfilesCleared)]
    standing = tuple(
        p
        for p in profiles
        if not any(_replaces(other, p) for other in profiles)
        and not any(clear.clears(p) for clear in clears)
    )
    return InForce(composite, standing)


def limits_at(events: Iterable[ChargingEvent], evse: int, ts: float) -> Limits:
    """The limits in force on an EVSE at `ts`, in W."""
    return in_force(events, evse, ts).limits(evse, ts)


def limit_line(
    events: tuple[ChargingEvent, ...], evse: int, times: Iterable[float]
) -> list[float | None]:
    """The tightest limit (W; None: none) on an EVSE at each of `times`, rising; what holds
    is worked out once between two events, not at every time."""
    ordered = sorted(events, key=lambda e: e.at)
    ats = [e.at for e in ordered]
    line: list[float | None] = []
    held: tuple[int, InForce] | None = None
    for ts in times:
        n = bisect_right(ats, ts)
        if held is None or held[0] != n:
            held = (n, in_force(ordered[:n], evse, ts))
        line.append(held[1].limits(evse, ts).lowest())
    return line


def _replaces(newer: ProfileSet, older: ProfileSet) -> bool:
    """Whether `newer` took the place of `older` (the same id, or purpose, EVSE and level)."""
    if newer is older or (newer.at, repr(newer)) <= (older.at, repr(older)):
        return False
    return newer.profile_id == older.profile_id or (
        (newer.purpose, newer.evse, newer.stack_level)
        == (older.purpose, older.evse, older.stack_level)
    )
