"""OCPP 2.0.1 / 2.1 Smart Charging (K) calls: profiles, reports of them, their clearing and
the composite schedule. Mixed into `V2Builder`; the fields used are the same in both."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ...model.charging_schedule import Period, Purpose
from .charging_profile import ProfilePlan

WORDS = {
    Purpose.STATION_MAX: "ChargingStationMaxProfile",
    Purpose.TX_DEFAULT: "TxDefaultProfile",
    Purpose.TX: "TxProfile",
}


class V2SmartCharging:
    """SetChargingProfile, GetChargingProfiles, ClearChargingProfile, GetCompositeSchedule."""

    calls: ModuleType

    def charging_profile(self, plan: ProfilePlan) -> Any:
        """SetChargingProfile of the plan on its EVSE (0: the station), one schedule."""
        schedule: dict[str, Any] = {
            "id": plan.profile_id,
            "charging_rate_unit": plan.unit,
            "charging_schedule_period": plan.periods_field(),
            "start_schedule": plan.start,
        }
        if plan.duration is not None:
            schedule["duration"] = plan.duration
        profile: dict[str, Any] = {
            "id": plan.profile_id,
            "stack_level": plan.stack_level,
            "charging_profile_purpose": WORDS[plan.purpose],
            "charging_profile_kind": plan.kind,
            "charging_schedule": [schedule],
            **plan.validity(),
        }
        if plan.recurrency:
            profile["recurrency_kind"] = plan.recurrency
        if plan.transaction_id:
            profile["transaction_id"] = plan.transaction_id
        return self.calls.SetChargingProfile(evse_id=plan.evse, charging_profile=profile)

    def charging_profiles(self, request_id: int, evse: int | None) -> Any:
        """GetChargingProfiles of an EVSE (None: every one); ReportChargingProfiles follow."""
        return self.calls.GetChargingProfiles(
            request_id=request_id, evse_id=evse, charging_profile={}
        )

    def clear_profile(
        self, profile_id: int | None, evse: int | None, purpose: Purpose | None
    ) -> Any:
        """ClearChargingProfile by id, or of a purpose on an EVSE (none given: all)."""
        criteria: dict[str, Any] = {}
        if evse is not None:
            criteria["evse_id"] = evse
        if purpose is not None:
            criteria["charging_profile_purpose"] = WORDS[purpose]
        return self.calls.ClearChargingProfile(
            charging_profile_id=profile_id, charging_profile_criteria=criteria or None
        )

    def composite_schedule(self, evse: int, duration: int, unit: str) -> Any:
        """GetCompositeSchedule of an EVSE (0: the grid connection) for `duration` s."""
        return self.calls.GetCompositeSchedule(
            duration=duration, evse_id=evse, charging_rate_unit=unit or None
        )

    def set_charging_limit(
        self, evse: int, limit: float, unit: str, duration: int, start: str, profile_id: int
    ) -> Any:
        """A one-period TxDefaultProfile on an EVSE, ChargingStationMaxProfile on 0."""
        purpose = Purpose.STATION_MAX if evse == 0 else Purpose.TX_DEFAULT
        periods = (Period(0.0, limit),)
        plan = ProfilePlan(profile_id, evse, purpose, 0, unit, periods, start, duration)
        return self.charging_profile(plan)

    def clear_charging_limit(self, evse: int) -> Any:
        """ClearChargingProfile of the purpose `set_charging_limit` used."""
        return self.clear_profile(
            None, evse, Purpose.STATION_MAX if evse == 0 else Purpose.TX_DEFAULT
        )
