"""A simulated 1.6 station's optional feature profiles: Reservation, LocalAuthListManagement
and SmartCharging, answered from what the station keeps (core/sim/reservations.py,
local_list.py, charging_limit.py). Mixed into `V16Answers`."""

from __future__ import annotations

from typing import Any

from ocpp.routing import after, on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from ...clock import parse_iso
from ..charging_limit import Purpose, read_profile, watts
from ..host import StationHost
from ..reservations import Reservation, ReserveStatus

PURPOSES = {
    "ChargePointMaxProfile": Purpose.STATION_MAX,
    "TxDefaultProfile": Purpose.TX_DEFAULT,
    "TxProfile": Purpose.TX,
}


def _tags(entries: list[dict[str, Any]] | None) -> list[tuple[str, str | None, object]]:
    """(id tag, status, parentIdTag: its group) of SendLocalList entries; no idTagInfo
    removes the tag."""
    found = []
    for e in entries or []:
        info = e.get("id_tag_info") or {}
        found.append((e["id_tag"], info.get("status"), info.get("parent_id_tag")))
    return found


class V16Features:
    """The `@on` / `@after` handlers of the three feature profiles."""

    _station: StationHost

    @on(Action.reserve_now)
    def on_reserve_now(
        self, connector_id: int, expiry_date: str, id_tag: str, reservation_id: int, **_: Any
    ) -> call_result.ReserveNow:
        expires = parse_iso(expiry_date)
        if expires is None:
            return call_result.ReserveNow(status=ReserveStatus.REJECTED)
        reservation = Reservation(reservation_id, connector_id, id_tag, expires)
        return call_result.ReserveNow(status=self._station.reserve(reservation))

    @on(Action.cancel_reservation)
    def on_cancel_reservation(self, reservation_id: int, **_: Any) -> call_result.CancelReservation:
        found = self._station.cancel_reservation(reservation_id)
        return call_result.CancelReservation(status="Accepted" if found else "Rejected")

    @after(Action.reserve_now)
    def after_reserve_now(self, **_: Any) -> None:
        self._station.wake_connectors()

    @after(Action.cancel_reservation)
    def after_cancel_reservation(self, **_: Any) -> None:
        self._station.wake_connectors()

    @on(Action.send_local_list)
    def on_send_local_list(
        self,
        list_version: int,
        update_type: str,
        local_authorization_list: list[dict[str, Any]] | None = None,
        **_: Any,
    ) -> call_result.SendLocalList:
        changes = _tags(local_authorization_list)
        status = self._station.local_list.update(list_version, update_type == "Full", changes)
        return call_result.SendLocalList(status=status)

    @on(Action.get_local_list_version)
    def on_get_local_list_version(self, **_: Any) -> call_result.GetLocalListVersion:
        return call_result.GetLocalListVersion(list_version=self._station.local_list.version)

    @on(Action.set_charging_profile)
    def on_set_charging_profile(
        self, connector_id: int, cs_charging_profiles: dict[str, Any], **_: Any
    ) -> call_result.SetChargingProfile:
        p = cs_charging_profiles
        purpose = PURPOSES.get(p["charging_profile_purpose"])
        profile = None
        if purpose is not None:
            head = (p["charging_profile_id"], connector_id, purpose, p["stack_level"])
            kind, recurrency = p["charging_profile_kind"], p.get("recurrency_kind")
            schedule = p["charging_schedule"]
            profile = read_profile(head, kind, recurrency, schedule, self._station.now())
        taken = profile is not None and self._station.set_charging_profile(profile)
        return call_result.SetChargingProfile(status="Accepted" if taken else "Rejected")

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(
        self,
        id: int | None = None,
        connector_id: int | None = None,
        charging_profile_purpose: str | None = None,
        stack_level: int | None = None,
        **_: Any,
    ) -> call_result.ClearChargingProfile:
        purpose = None if charging_profile_purpose is None else PURPOSES[charging_profile_purpose]
        cleared = self._station.clear_charging_profiles(id, connector_id, purpose, stack_level)
        return call_result.ClearChargingProfile(status="Accepted" if cleared else "Unknown")

    @on(Action.get_composite_schedule)
    def on_get_composite_schedule(
        self, connector_id: int, duration: int, charging_rate_unit: str | None = None, **_: Any
    ) -> call_result.GetCompositeSchedule:
        if connector_id != 0 and connector_id not in self._station.connectors:
            return call_result.GetCompositeSchedule(status="Rejected")
        unit = charging_rate_unit or "W"
        steps = self._station.composite_schedule(connector_id, duration)
        periods = [
            {"start_period": int(at), "limit": round(w / watts(1.0, unit, None), 1)}
            for at, w in steps
        ]
        now = self._station.timestamp()
        return call_result.GetCompositeSchedule(
            status="Accepted",
            connector_id=connector_id,
            schedule_start=now,
            charging_schedule={
                "duration": duration,
                "start_schedule": now,
                "charging_rate_unit": unit,
                "charging_schedule_period": periods,
            },
        )
