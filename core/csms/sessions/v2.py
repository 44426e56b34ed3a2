"""The CSMS side of one OCPP 2.0.1 or 2.1 connection, on the `ocpp` library's ChargePoint.

Both versions share the handlers here; each session class names its library
module, so answers are built and validated by that version's schemas. As for
1.6, the library routes, validates and maps errors to CallError, and no
handler may be named `start` or `stop` (that would replace the receive loop).
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from ocpp import v21, v201
from ocpp.routing import after, on

from ...clock import to_iso

if TYPE_CHECKING:
    from ..server import Csms

# One name per action for both versions: the routing compares the action's text.
BOOT = "BootNotification"


class _Session2x:
    """Answers a 2.x station's calls for the CSMS; mixed into the version's ChargePoint."""

    protocol = ""
    calls: ModuleType
    results: ModuleType
    id: str

    def __init__(self, station_id: str, connection: Any, csms: Csms) -> None:
        super().__init__(  # type: ignore[call-arg]
            station_id,
            connection,
            response_timeout=csms.settings.call_timeout,
            logger=csms.ocpp_log,
        )
        self.csms = csms

    def _now(self) -> str:
        return to_iso(self.csms.clock.now())

    def _token_info(self, id_token: dict[str, Any]) -> dict[str, str]:
        if id_token.get("type") == "NoAuthorization":
            return {"status": "Accepted"}
        return {"status": self.csms.authorize(str(id_token.get("id_token", "")))}

    @on(BOOT)
    def on_boot_notification(self, charging_station: dict[str, Any], **_: Any) -> Any:
        self.csms.store.remember_station(
            self.id,
            vendor=charging_station.get("vendor_name", ""),
            model=charging_station.get("model", ""),
            firmware=charging_station.get("firmware_version"),
            protocol=self.protocol,
        )
        return self.results.BootNotification(
            current_time=self._now(),
            interval=int(self.csms.settings.heartbeat_interval),
            status="Accepted",
        )

    @after(BOOT)
    def after_boot_notification(self, **_: Any) -> None:
        # Ask for the inventory so the console knows the declared EVSEs and connectors.
        self.csms.submit(
            self.id,
            self.calls.GetBaseReport(
                request_id=self.csms.next_request_id(), report_base="FullInventory"
            ),
        )

    @on("Heartbeat")
    def on_heartbeat(self) -> Any:
        return self.results.Heartbeat(current_time=self._now())

    @on("StatusNotification")
    def on_status_notification(self, **_: Any) -> Any:
        return self.results.StatusNotification()

    @on("Authorize")
    def on_authorize(self, id_token: dict[str, Any], **_: Any) -> Any:
        return self.results.Authorize(id_token_info=self._token_info(id_token))

    @on("TransactionEvent")
    def on_transaction_event(
        self,
        event_type: str,
        timestamp: str,
        transaction_info: dict[str, Any],
        id_token: dict[str, Any] | None = None,
        evse: dict[str, Any] | None = None,
        **extra: Any,
    ) -> Any:
        tx_id = str(transaction_info.get("transaction_id", ""))
        info = self._token_info(id_token) if id_token else None
        fields: dict[str, Any] = {}
        if event_type == "Started":
            fields.update(
                connector_id=(evse or {}).get("id"),
                id_tag=(id_token or {}).get("id_token", ""),
                started_at=timestamp,
                trigger_reason=extra.get("trigger_reason"),
                offline=bool(extra.get("offline")),
            )
            if info is not None:
                fields["authorization"] = info["status"]
        elif event_type == "Ended":
            fields.update(
                stopped_at=timestamp,
                reason=transaction_info.get("stopped_reason") or "Local",
            )
        if fields:  # Updated events are meter-rate: they stay in the recording, not the store
            self.csms.store.record_transaction(self.id, tx_id, **fields)
        if info is None:
            return self.results.TransactionEvent()
        return self.results.TransactionEvent(id_token_info=info)

    @on("MeterValues")
    def on_meter_values(self, **_: Any) -> Any:
        return self.results.MeterValues()

    @on("NotifyReport")
    def on_notify_report(self, **_: Any) -> Any:
        # The projection reads the report from the frame; nothing to decide here.
        return self.results.NotifyReport()

    @on("NotifyEvent")
    def on_notify_event(self, **_: Any) -> Any:
        return self.results.NotifyEvent()

    @on("SecurityEventNotification")
    def on_security_event_notification(self, **_: Any) -> Any:
        return self.results.SecurityEventNotification()

    @on("FirmwareStatusNotification")
    def on_firmware_status_notification(self, **_: Any) -> Any:
        return self.results.FirmwareStatusNotification()

    @on("LogStatusNotification")
    def on_log_status_notification(self, **_: Any) -> Any:
        return self.results.LogStatusNotification()

    @on("DataTransfer")
    def on_data_transfer(self, vendor_id: str, **_: Any) -> Any:
        # No vendor extensions are implemented; the frame log keeps what was sent.
        return self.results.DataTransfer(status="UnknownVendorId")


class SessionV201(_Session2x, v201.ChargePoint):
    """An OCPP 2.0.1 station's session."""

    protocol = "ocpp2.0.1"
    calls = v201.call
    results = v201.call_result


class SessionV21(_Session2x, v21.ChargePoint):
    """An OCPP 2.1 station's session."""

    protocol = "ocpp2.1"
    calls = v21.call
    results = v21.call_result
