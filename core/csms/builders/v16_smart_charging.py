"""OCPP 1.6 Smart Charging calls: profiles, their clearing and the composite schedule.

Mixed into `V16Builder`. 1.6 has no GetChargingProfiles: a station reports its profiles
only through GetCompositeSchedule.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ...model.charging_schedule import Period, Purpose
from .charging_profile import ProfilePlan
from .contract import CommandUnavailable

WORDS = {
    Purpose.STATION_MAX: "ChargePointMaxProfile",
    Purpose.TX_DEFAULT: "TxDefaultProfile",
    Purpose.TX: "TxProfile",
}


class V16SmartCharging:
    """SetChargingProfile, ClearChargingProfile and GetCompositeSchedule."""

    calls: ModuleType

    def charging_profile(self, plan: ProfilePlan) -> Any:
        """SetChargingProfile of the plan on its connector (0: the charge point)."""
        profile: dict[str, Any] = {
            "charging_profile_id": plan.profile_id,
            "stack_level": plan.stack_level,
            "charging_profile_purpose": WORDS[plan.purpose],
            "charging_profile_kind": plan.kind,
            "charging_schedule": {
                "charging_rate_unit": plan.unit,
                "charging_schedule_period": plan.periods_field(),
                "start_schedule": plan.start,
            },
            **plan.validity(),
        }
        if plan.duration is not None:
            profile["charging_schedule"]["duration"] = plan.duration
        if plan.recurrency:
            profile["recurrency_kind"] = plan.recurrency
        if plan.transaction_id:
            try:
                profile["transaction_id"] = int(plan.transaction_id)
            except ValueError:
                raise CommandUnavailable(
                    f"transaction {plan.transaction_id!r} is not 1.6"
                ) from None
        return self.calls.SetChargingProfile(connector_id=plan.evse, cs_charging_profiles=profile)

    def charging_profiles(self, request_id: int, evse: int | None) -> Any:
        """1.6 has no GetChargingProfiles."""
        raise CommandUnavailable("1.6 has no GetChargingProfiles: ask for the composite schedule")

    def clear_profile(
        self, profile_id: int | None, evse: int | None, purpose: Purpose | None
    ) -> Any:
        """ClearChargingProfile by id, or of a purpose on a connector (none given: all)."""
        return self.calls.ClearChargingProfile(
            id=profile_id,
            connector_id=evse,
            charging_profile_purpose=None if purpose is None else WORDS[purpose],
        )

    def composite_schedule(self, evse: int, duration: int, unit: str) -> Any:
        """GetCompositeSchedule of a connector (0: the charge point) for `duration` s."""
        return self.calls.GetCompositeSchedule(
            connector_id=evse, duration=duration, charging_rate_unit=unit or None
        )

    def set_charging_limit(
        self, evse: int, limit: float, unit: str, duration: int, start: str, profile_id: int
    ) -> Any:
        """A one-period TxDefaultProfile on a connector, ChargePointMaxProfile on 0."""
        purpose = Purpose.STATION_MAX if evse == 0 else Purpose.TX_DEFAULT
        periods = (Period(0.0, limit),)
        plan = ProfilePlan(profile_id, evse, purpose, 0, unit, periods, start, duration)
        return self.charging_profile(plan)

    def clear_charging_limit(self, evse: int) -> Any:
        """ClearChargingProfile of the purpose `set_charging_limit` used."""
        return self.clear_profile(
            None, evse, Purpose.STATION_MAX if evse == 0 else Purpose.TX_DEFAULT
        )
