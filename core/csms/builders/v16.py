"""OCPP 1.6 calls for every operator command. A 1.6 connector is ocppdeck's EVSE."""

from __future__ import annotations

from typing import Any

from ...model.state import VariableKey
from ..authorization import ListedTag
from ..token_info import id_tag_info
from .contract import CommandUnavailable, SameInEveryVersion, Setting
from .v16_absent import V16Absent
from .v16_maintenance import V16Maintenance
from .v16_security import V16Security
from .v16_smart_charging import V16SmartCharging


class V16Builder(V16SmartCharging, V16Absent, V16Security, V16Maintenance, SameInEveryVersion):
    """Builds 1.6 calls from the library's `call` module."""

    device_model = False

    def remote_start(self, evse: int, id_tag: str, request_id: int) -> Any:
        """RemoteStartTransaction (1.6 has no remoteStartId)."""
        return self.calls.RemoteStartTransaction(id_tag=id_tag, connector_id=evse)

    def remote_stop(self, transaction_id: str) -> Any:
        """RemoteStopTransaction: 1.6 transaction ids are the CSMS's integers."""
        try:
            tx_id = int(transaction_id)
        except ValueError:
            raise CommandUnavailable(f"transaction id {transaction_id!r} is not 1.6") from None
        return self.calls.RemoteStopTransaction(transaction_id=tx_id)

    def reset(self, hard: bool) -> Any:
        """Reset Hard or Soft."""
        return self.calls.Reset(type="Hard" if hard else "Soft")

    def unlock(self, evse: int, connector: int) -> Any:
        """UnlockConnector of the connector (1.6 has one per EVSE)."""
        return self.calls.UnlockConnector(connector_id=evse)

    def change_availability(self, evse: int, operative: bool) -> Any:
        """ChangeAvailability of a connector (0: the station)."""
        word = "Operative" if operative else "Inoperative"
        return self.calls.ChangeAvailability(connector_id=evse, type=word)

    def trigger(self, message: str, evse: int | None, custom: str) -> Any:
        """TriggerMessage, of a connector when one is named."""
        return self.calls.TriggerMessage(requested_message=message, connector_id=evse)

    def get_variable(self, component: str, variable: str) -> Any:
        """GetConfiguration of the key `variable` (1.6 has no components)."""
        return self.calls.GetConfiguration(key=[variable])

    def set_variable(
        self, component: str, variable: str, value: str, where: VariableKey | None
    ) -> Any:
        """ChangeConfiguration of the key `variable`."""
        return self.calls.ChangeConfiguration(key=variable, value=value)

    def get_settings(self) -> Any:
        """GetConfiguration of every key."""
        return self.calls.GetConfiguration()

    def read_settings(self, response: Any) -> list[Setting]:
        """The keys of a GetConfiguration answer, the unknown ones marked."""
        found = [
            Setting("", item["key"], item.get("value"), bool(item.get("readonly")))
            for item in getattr(response, "configuration_key", None) or []
        ]
        found.extend(
            Setting("", key, None, True, "unknown key")
            for key in getattr(response, "unknown_key", None) or []
        )
        return found

    def set_statuses(self, response: Any) -> list[str]:
        """1.6 answers a change with one status, no per-variable list."""
        return []

    def base_report(self, request_id: int, report_base: str) -> Any:
        """1.6 has no device-model reports."""
        raise CommandUnavailable("a device-model report is OCPP 2.x; 1.6 has GetConfiguration")

    def inventory(self, request_id: int) -> Any:
        """GetConfiguration of NumberOfConnectors: the count the console checks."""
        return self.calls.GetConfiguration(key=["NumberOfConnectors"])

    def reserve_now(self, evse: int, id_tag: str, expiry: str, reservation_id: int) -> Any:
        """ReserveNow of a connector (0: any)."""
        return self.calls.ReserveNow(
            connector_id=evse, expiry_date=expiry, id_tag=id_tag, reservation_id=reservation_id
        )

    def send_local_list(self, version: int, entries: list[ListedTag], full: bool) -> Any:
        """SendLocalList, Full or Differential: each tag with its idTagInfo (status, expiry,
        parentIdTag: its group)."""
        listed = [{"id_tag": e.tag, "id_tag_info": id_tag_info(e.info)} for e in entries]
        return self.calls.SendLocalList(
            list_version=version,
            update_type="Full" if full else "Differential",
            local_authorization_list=listed,
        )

    def set_password(self, password: str) -> Any:
        """ChangeConfiguration of AuthorizationKey (the 1.6 security whitepaper)."""
        return self.calls.ChangeConfiguration(key="AuthorizationKey", value=password)
