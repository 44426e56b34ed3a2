"""A simulated 2.x station's functional blocks beyond the core: Reservation (H), the
authorization cache (C) and Local Authorization List (D), Smart Charging (K) and
DataTransfer, answered from what the station keeps (core/sim/reservations.py, local_list.py,
charging_limit.py, vendor_messages.py).
Mixed into `V2Answers`; the fields used are the same in 2.0.1 and 2.1."""

from __future__ import annotations

from dataclasses import replace
from types import ModuleType
from typing import Any

from ocpp.routing import after, on
from ocpp.v201.enums import Action as A

from ...clock import parse_iso
from .. import vendor_messages
from ..charging_limit import Purpose, read_profile, watts
from ..host import StationHost
from ..reservations import Reservation, ReserveStatus

PURPOSES = {
    "ChargingStationMaxProfile": Purpose.STATION_MAX,
    "TxDefaultProfile": Purpose.TX_DEFAULT,
    "TxProfile": Purpose.TX,
}


def _tokens(entries: list[dict[str, Any]] | None) -> list[tuple[str, str | None, object]]:
    """(idToken, status, its groupIdToken's idToken) of SendLocalList entries; no
    idTokenInfo removes the token."""
    found = []
    for e in entries or []:
        info = e.get("id_token_info") or {}
        group = (info.get("group_id_token") or {}).get("id_token")
        found.append((e["id_token"]["id_token"], info.get("status"), group))
    return found


class V2Features:
    """The `@on` / `@after` handlers of those blocks."""

    _station: StationHost
    results: ModuleType

    @on(A.reserve_now)
    def on_reserve_now(
        self,
        id: int,
        expiry_date_time: str,
        id_token: dict[str, Any],
        evse_id: int | None = None,
        **_: Any,
    ) -> Any:
        expires = parse_iso(expiry_date_time)
        if expires is None:
            return self.results.ReserveNow(status=ReserveStatus.REJECTED)
        reservation = Reservation(id, evse_id or 0, id_token["id_token"], expires)
        return self.results.ReserveNow(status=self._station.reserve(reservation))

    @on(A.cancel_reservation)
    def on_cancel_reservation(self, reservation_id: int, **_: Any) -> Any:
        found = self._station.cancel_reservation(reservation_id)
        return self.results.CancelReservation(status="Accepted" if found else "Rejected")

    @after(A.reserve_now)
    def after_reserve_now(self, **_: Any) -> None:
        self._station.wake_connectors()

    @after(A.cancel_reservation)
    def after_cancel_reservation(self, **_: Any) -> None:
        self._station.wake_connectors()

    @on(A.clear_cache)
    def on_clear_cache(self, **_: Any) -> Any:
        # The simulator caches no authorizations: there is nothing to clear, and that works.
        return self.results.ClearCache(status="Accepted")

    @on(A.send_local_list)
    def on_send_local_list(
        self,
        version_number: int,
        update_type: str,
        local_authorization_list: list[dict[str, Any]] | None = None,
        **_: Any,
    ) -> Any:
        changes = _tokens(local_authorization_list)
        status = self._station.local_list.update(version_number, update_type == "Full", changes)
        return self.results.SendLocalList(status=status)

    @on(A.get_local_list_version)
    def on_get_local_list_version(self, **_: Any) -> Any:
        return self.results.GetLocalListVersion(version_number=self._station.local_list.version)

    @on(A.set_charging_profile)
    def on_set_charging_profile(
        self, evse_id: int, charging_profile: dict[str, Any], **_: Any
    ) -> Any:
        p = charging_profile
        purpose = PURPOSES.get(p["charging_profile_purpose"])
        profile = None
        if purpose is not None:
            head = (p["id"], evse_id, purpose, p["stack_level"])
            kind, recurrency = p["charging_profile_kind"], p.get("recurrency_kind")
            schedule = p["charging_schedule"][0]  # the first: the simulator has no EV to ask
            profile = read_profile(head, kind, recurrency, schedule, self._station.now())
        if profile is not None and p.get("transaction_id") is not None:
            profile = replace(profile, transaction_id=p["transaction_id"])
        taken = profile is not None and self._station.set_charging_profile(profile)
        return self.results.SetChargingProfile(status="Accepted" if taken else "Rejected")

    @on(A.clear_charging_profile)
    def on_clear_charging_profile(
        self,
        charging_profile_id: int | None = None,
        charging_profile_criteria: dict[str, Any] | None = None,
        **_: Any,
    ) -> Any:
        criteria = charging_profile_criteria or {}
        named = criteria.get("charging_profile_purpose")
        purpose = None if named is None else PURPOSES.get(named)
        cleared = (named is None or purpose is not None) and self._station.clear_charging_profiles(
            charging_profile_id, criteria.get("evse_id"), purpose, criteria.get("stack_level")
        )
        return self.results.ClearChargingProfile(status="Accepted" if cleared else "Unknown")

    @on(A.get_composite_schedule)
    def on_get_composite_schedule(
        self, duration: int, evse_id: int, charging_rate_unit: str | None = None, **_: Any
    ) -> Any:
        if evse_id != 0 and evse_id not in self._station.connectors:
            return self.results.GetCompositeSchedule(status="Rejected")
        unit = charging_rate_unit or "W"
        steps = self._station.composite_schedule(evse_id, duration)
        periods = [
            {"start_period": int(at), "limit": round(w / watts(1.0, unit, None), 1)}
            for at, w in steps
        ]
        schedule = {
            "evse_id": evse_id,
            "duration": duration,
            "schedule_start": self._station.timestamp(),
            "charging_rate_unit": unit,
            "charging_schedule_period": periods,
        }
        return self.results.GetCompositeSchedule(status="Accepted", schedule=schedule)

    @on(A.data_transfer)
    def on_data_transfer(
        self, vendor_id: str, message_id: str | None = None, data: Any = None, **_: Any
    ) -> Any:
        status, back = vendor_messages.answer(vendor_id, message_id, data)
        return self.results.DataTransfer(status=status, data=back)
