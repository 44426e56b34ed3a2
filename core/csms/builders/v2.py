"""OCPP 2.0.1 and 2.1 calls for every operator command (the fields are the same in both)."""

from __future__ import annotations

from typing import Any

from ...model.state import VariableKey
from ..authorization import ListedTag
from ..token_info import id_token_info
from .contract import SameInEveryVersion, Setting
from .v2_display import V2Display
from .v2_maintenance import V2Maintenance
from .v2_monitoring import V2Monitoring
from .v2_security import V2Security
from .v2_smart_charging import V2SmartCharging

# Until a station has reported its variables (NotifyReport), the console asks these common
# ones of the 2.0.1 device model: (component, variable, read-only per the spec's mutability).
COMMON_VARIABLES = (
    ("OCPPCommCtrlr", "HeartbeatInterval", False),
    ("OCPPCommCtrlr", "OfflineThreshold", False),
    ("OCPPCommCtrlr", "ResetRetries", False),
    ("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", False),
    ("TxCtrlr", "EVConnectionTimeOut", False),
    ("TxCtrlr", "StopTxOnEVSideDisconnect", False),
    ("TxCtrlr", "TxStartPoint", False),
    ("TxCtrlr", "TxStopPoint", False),
    ("SampledDataCtrlr", "TxUpdatedInterval", False),
    ("SampledDataCtrlr", "TxUpdatedMeasurands", False),
    ("AuthCtrlr", "AuthorizeRemoteStart", False),
    ("AuthCtrlr", "LocalAuthorizeOffline", False),
    ("AuthCtrlr", "LocalPreAuthorize", False),
    ("AuthCtrlr", "MasterPassGroupId", False),  # C16: its tags stop every transaction
    ("AuthCacheCtrlr", "Enabled", False),
    ("LocalAuthListCtrlr", "Enabled", False),
    ("LocalAuthListCtrlr", "Entries", True),
    ("SecurityCtrlr", "SecurityProfile", True),
    ("ClockCtrlr", "DateTime", True),
)
_READONLY = {(c, v): ro for c, v, ro in COMMON_VARIABLES}


def _central(id_tag: str) -> dict[str, str]:
    return {"id_token": id_tag, "type": "Central"}


def _component_variable(where: VariableKey) -> dict[str, Any]:
    """The component and variable fields of a SetVariables entry naming `where`."""
    evse: dict[str, int] = {"id": where.evse} if where.evse else {}
    if where.evse and where.connector:
        evse["connector_id"] = where.connector
    component: dict[str, Any] = {"name": where.component}
    if where.component_instance:
        component["instance"] = where.component_instance
    if evse:
        component["evse"] = evse
    variable = {"name": where.variable}
    if where.variable_instance:
        variable["instance"] = where.variable_instance
    return {"component": component, "variable": variable}


class V2Builder(
    V2SmartCharging, V2Monitoring, V2Display, V2Security, V2Maintenance, SameInEveryVersion
):
    """Builds 2.x calls from the version's `call` module."""

    device_model = True

    def remote_start(self, evse: int, id_tag: str, request_id: int) -> Any:
        """RequestStartTransaction with a Central idToken on the EVSE."""
        return self.calls.RequestStartTransaction(
            id_token=_central(id_tag), remote_start_id=request_id, evse_id=evse
        )

    def remote_stop(self, transaction_id: str) -> Any:
        """RequestStopTransaction: 2.x transaction ids are the station's strings."""
        return self.calls.RequestStopTransaction(transaction_id=transaction_id)

    def reset(self, hard: bool) -> Any:
        """Reset Immediate or OnIdle."""
        return self.calls.Reset(type="Immediate" if hard else "OnIdle")

    def unlock(self, evse: int, connector: int) -> Any:
        """UnlockConnector of a connector of an EVSE."""
        return self.calls.UnlockConnector(evse_id=evse, connector_id=connector)

    def change_availability(self, evse: int, operative: bool) -> Any:
        """ChangeAvailability of an EVSE (0: none named, the station)."""
        word = "Operative" if operative else "Inoperative"
        return self.calls.ChangeAvailability(
            operational_status=word, evse={"id": evse} if evse > 0 else None
        )

    def trigger(self, message: str, evse: int | None, custom: str) -> Any:
        """TriggerMessage, of an EVSE when one is named; CustomTrigger (2.1) names its message."""
        where = {"id": evse} if evse else None
        if custom:
            return self.calls.TriggerMessage(
                requested_message=message, evse=where, custom_trigger=custom
            )
        return self.calls.TriggerMessage(requested_message=message, evse=where)

    def get_variable(self, component: str, variable: str) -> Any:
        """GetVariables of one variable."""
        data = [{"component": {"name": component}, "variable": {"name": variable}}]
        return self.calls.GetVariables(get_variable_data=data)

    def set_variable(
        self, component: str, variable: str, value: str, where: VariableKey | None
    ) -> Any:
        """SetVariables of one variable (a reported one with its instances and EVSE)."""
        names = _component_variable(where or VariableKey(component, variable))
        return self.calls.SetVariables(set_variable_data=[{"attribute_value": value, **names}])

    def get_settings(self) -> Any:
        """GetVariables of COMMON_VARIABLES (for a station that sent no report)."""
        data = [{"component": {"name": c}, "variable": {"name": v}} for c, v, _ in COMMON_VARIABLES]
        return self.calls.GetVariables(get_variable_data=data)

    def read_settings(self, response: Any) -> list[Setting]:
        """The variables of a GetVariables answer, each with its attribute status."""
        found = []
        for item in getattr(response, "get_variable_result", None) or []:
            component, variable = item["component"]["name"], item["variable"]["name"]
            status = item.get("attribute_status", "")
            found.append(
                Setting(
                    component,
                    variable,
                    item.get("attribute_value"),
                    _READONLY.get((component, variable), False),
                    "" if status == "Accepted" else status,
                )
            )
        return found

    def set_statuses(self, response: Any) -> list[str]:
        """The per-variable statuses of a SetVariables answer."""
        results = getattr(response, "set_variable_result", None) or []
        return [r.get("attribute_status", "") for r in results]

    def base_report(self, request_id: int, report_base: str) -> Any:
        """GetBaseReport (its NotifyReports follow)."""
        return self.calls.GetBaseReport(request_id=request_id, report_base=report_base)

    def inventory(self, request_id: int) -> Any:
        """GetBaseReport FullInventory: the EVSEs and connectors the console checks."""
        return self.base_report(request_id, "FullInventory")

    def reserve_now(self, evse: int, id_tag: str, expiry: str, reservation_id: int) -> Any:
        """ReserveNow of an EVSE (0: any)."""
        return self.calls.ReserveNow(
            id=reservation_id,
            expiry_date_time=expiry,
            id_token=_central(id_tag),
            evse_id=evse or None,
        )

    def send_local_list(self, version: int, entries: list[ListedTag], full: bool) -> Any:
        """SendLocalList, Full or Differential: each idToken (of its stored type, Central for
        a tag of any type) with its idTokenInfo (status, expiry, groupIdToken)."""
        listed = [
            {
                "id_token": {"id_token": e.tag, "type": e.token_type or "Central"},
                "id_token_info": id_token_info(e.info),
            }
            for e in entries
        ]
        return self.calls.SendLocalList(
            version_number=version,
            update_type="Full" if full else "Differential",
            local_authorization_list=listed or None,
        )

    def set_password(self, password: str) -> Any:
        """SetVariables of SecurityCtrlr.BasicAuthPassword."""
        return self.set_variable("SecurityCtrlr", "BasicAuthPassword", password, None)
