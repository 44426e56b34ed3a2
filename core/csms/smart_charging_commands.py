"""The operator's smart-charging commands (block K; 1.6 Smart Charging), mixed into
`Commands`: profiles from the console's editor (builders/charging_profile.py), the
profiles a station holds, their clearing and the composite schedule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..clock import Clock, to_iso
from ..dialects import Dialect
from ..model.charging_schedule import Purpose
from .builders.charging_profile import RECURRENCIES, ProfilePlan
from .builders.contract import Builder, CommandUnavailable
from .outbound_queue import QueuedCall
from .schemas import FieldError, validate, wire_json


class SmartChargingCommands:
    """Set, report and clear profiles, ask for the composite schedule; `Commands` gives
    the means."""

    _clock: Clock
    _send: Callable[[str, Callable[[Builder], Any]], QueuedCall]
    new_id: Callable[[], int]
    dialect_of: Callable[[str], Dialect]

    def timestamp(self, after: float = 0.0) -> str:
        """An OCPP timestamp `after` seconds from now: a profile's start or validity."""
        return to_iso(self._clock.now() + after)

    def charging_profile(self, station_id: str, plan: ProfilePlan) -> QueuedCall:
        """Set a charging profile (its id, when 0, a fresh one); CommandUnavailable names
        the first field the station's version's schema refuses."""
        problems = self.profile_problems(station_id, plan)
        if problems:
            raise CommandUnavailable(str(problems[0]))
        if not plan.profile_id:
            plan = replace(plan, profile_id=self.new_id())
        return self._send(station_id, lambda b: b.charging_profile(plan))

    def profile_problems(self, station_id: str, plan: ProfilePlan) -> list[FieldError]:
        """What the schema of the station's version refuses in the plan's SetChargingProfile,
        by the payload's field path ([]: nothing)."""
        check_plan(plan)
        d = self.dialect_of(station_id)
        call = d.commands().charging_profile(replace(plan, profile_id=plan.profile_id or 1))
        return validate(d, "SetChargingProfile", wire_json(call))

    def charging_profiles(self, station_id: str, evse: int | None) -> QueuedCall:
        """Ask which profiles a station holds (2.x); they come in ReportChargingProfiles."""
        return self._send(station_id, lambda b: b.charging_profiles(self.new_id(), evse))

    def clear_profiles(
        self,
        station_id: str,
        profile_id: int | None = None,
        evse: int | None = None,
        purpose: Purpose | None = None,
    ) -> QueuedCall:
        """Clear profiles by id, or those of an EVSE and purpose (none given: every one)."""
        return self._send(station_id, lambda b: b.clear_profile(profile_id, evse, purpose))

    def composite_schedule(
        self, station_id: str, evse: int, duration: int, unit: str = ""
    ) -> QueuedCall:
        """Ask for the limit an EVSE (0: the station) keeps over the next `duration` s."""
        if duration <= 0 or unit not in ("", "A", "W"):
            raise CommandUnavailable("a duration of 1 second or more, in A or W")
        return self._send(station_id, lambda b: b.composite_schedule(evse, duration, unit))


def check_plan(plan: ProfilePlan) -> None:
    """CommandUnavailable when the plan cannot be a profile in any version."""
    if plan.unit not in ("A", "W"):
        raise CommandUnavailable("a limit is in A or W")
    if plan.recurrency not in RECURRENCIES:
        raise CommandUnavailable("a profile recurs Daily or Weekly, or not at all")
    if plan.purpose is Purpose.STATION_MAX and plan.evse != 0:
        raise CommandUnavailable("the station's maximum is set on EVSE 0")
    if plan.purpose is Purpose.TX and plan.evse == 0:
        raise CommandUnavailable("a transaction's profile is set on its EVSE, not 0")
    if plan.duration is not None and plan.duration <= 0:
        raise CommandUnavailable("a duration is 1 second or more")
    if plan.stack_level < 0 or not plan.periods:
        raise CommandUnavailable("a stack level of 0 or more and one period or more")
