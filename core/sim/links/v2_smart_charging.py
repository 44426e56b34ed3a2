"""A simulated 2.x station's GetChargingProfiles: it answers whether it holds any that
match, then reports them in ReportChargingProfiles, one message per EVSE; and once it took a
TxProfile for an ISO 15118 EV's transaction, the EV's schedule within it (K16,
v2_ev_charging.py). Mixed into `V2Answers`; the fields used are the same in 2.0.1 and 2.1.
Setting, clearing and the composite schedule are in v2_features.py."""

from __future__ import annotations

from itertools import groupby
from types import ModuleType
from typing import Any

from ocpp.routing import after, on
from ocpp.v201.enums import Action as A

from ...clock import to_iso
from ..charging_limit import Profile
from ..host import StationHost
from .v2_ev_charging import renegotiation, send_schedule
from .v2_features import PURPOSES

WORDS = {purpose: word for word, purpose in PURPOSES.items()}


def _matching(host: StationHost, evse_id: int | None, criteria: dict[str, Any]) -> list[Profile]:
    """The held profiles on `evse_id` (None: any) that match the request's criteria."""
    ids = criteria.get("charging_profile_id") or []
    purpose = criteria.get("charging_profile_purpose")
    level = criteria.get("stack_level")
    return sorted(
        (
            p
            for p in host.limits.profiles.values()
            if evse_id in (None, p.connector_id)
            and (not ids or p.profile_id in ids)
            and purpose in (None, WORDS[p.purpose])
            and level in (None, p.stack_level)
        ),
        key=lambda p: (p.connector_id, p.profile_id),
    )


def profile_payload(p: Profile) -> dict[str, Any]:
    """A held profile as the library takes a chargingProfile (snake_case)."""
    periods = []
    for period in p.periods:
        item: dict[str, Any] = {"start_period": int(period.start), "limit": period.limit}
        if period.phases is not None:
            item["number_phases"] = period.phases
        periods.append(item)
    schedule: dict[str, Any] = {
        "id": p.profile_id,
        "charging_rate_unit": p.unit,
        "charging_schedule_period": periods,
        "start_schedule": to_iso(p.starts_at),
    }
    if p.duration is not None:
        schedule["duration"] = int(p.duration)
    profile: dict[str, Any] = {
        "id": p.profile_id,
        "stack_level": p.stack_level,
        "charging_profile_purpose": WORDS[p.purpose],
        "charging_profile_kind": "Recurring" if p.recurrence else "Absolute",
        "charging_schedule": [schedule],
    }
    if p.recurrence:
        profile["recurrency_kind"] = "Weekly" if p.recurrence > 86_400 else "Daily"
    if p.transaction_id is not None:
        profile["transaction_id"] = str(p.transaction_id)
    return profile


class V2SmartCharging:
    """The `@on` / `@after` handlers of GetChargingProfiles, and what follows a
    SetChargingProfile (its `@on` is in v2_features.py)."""

    _station: StationHost
    calls: ModuleType
    results: ModuleType

    @on(A.get_charging_profiles)
    def on_get_charging_profiles(
        self, charging_profile: dict[str, Any], evse_id: int | None = None, **_: Any
    ) -> Any:
        found = _matching(self._station, evse_id, charging_profile)
        return self.results.GetChargingProfiles(status="Accepted" if found else "NoProfiles")

    @after(A.get_charging_profiles)
    def after_get_charging_profiles(
        self,
        request_id: int,
        charging_profile: dict[str, Any],
        evse_id: int | None = None,
        **_: Any,
    ) -> None:
        found = _matching(self._station, evse_id, charging_profile)
        by_evse = [(evse, list(ps)) for evse, ps in groupby(found, key=lambda p: p.connector_id)]

        async def report() -> None:
            for n, (evse, profiles) in enumerate(by_evse):
                await self._station.send(
                    self.calls.ReportChargingProfiles(
                        request_id=request_id,
                        charging_limit_source="CSO",
                        evse_id=evse,
                        charging_profile=[profile_payload(p) for p in profiles],
                        tbc=n < len(by_evse) - 1,
                    )
                )

        if by_evse:
            self._station.spawn(report(), "profiles report")

    @after(A.set_charging_profile)
    def after_set_charging_profile(
        self, evse_id: int, charging_profile: dict[str, Any], **_: Any
    ) -> None:
        found = renegotiation(self._station, evse_id, charging_profile)
        if found is not None:
            connector, profile = found
            self._station.spawn(
                send_schedule(self._station, self.calls, connector, profile), "ev schedule"
            )
