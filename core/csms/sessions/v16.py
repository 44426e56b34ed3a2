"""The CSMS side of one OCPP 1.6 connection, on the `ocpp` library's ChargePoint.

The library routes, validates and maps errors to CallError; the handlers
here only decide answers. Handler names must not be `start` or `stop`: that
would replace ChargePoint.start, the receive loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ocpp.routing import after, on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.datatypes import IdTagInfo
from ocpp.v16.enums import Action, AuthorizationStatus, DataTransferStatus, RegistrationStatus

from ...clock import to_iso

if TYPE_CHECKING:
    from ..server import Csms


class SessionV16(ChargePoint):
    """Answers a 1.6 station's calls for the CSMS."""

    def __init__(self, station_id: str, connection: Any, csms: Csms) -> None:
        super().__init__(
            station_id,
            connection,
            response_timeout=csms.settings.call_timeout,
            logger=csms.ocpp_log,
        )
        self.csms = csms

    def _now(self) -> str:
        return to_iso(self.csms.clock.now())

    def _authorize(self, id_tag: str) -> IdTagInfo:
        return IdTagInfo(status=AuthorizationStatus(self.csms.authorize(id_tag)))

    @on(Action.boot_notification)
    def on_boot_notification(self, charge_point_vendor: str, charge_point_model: str, **extra: Any):
        self.csms.store.remember_station(
            self.id,
            vendor=charge_point_vendor,
            model=charge_point_model,
            firmware=extra.get("firmware_version"),
            protocol="ocpp1.6",
        )
        return call_result.BootNotification(
            current_time=self._now(),
            interval=int(self.csms.settings.heartbeat_interval),
            status=RegistrationStatus.accepted,
        )

    @after(Action.boot_notification)
    def after_boot_notification(self, **_: Any) -> None:
        # Ask for the declared connector count so the console can check it.
        self.csms.submit(self.id, call.GetConfiguration(key=["NumberOfConnectors"]))

    @on(Action.heartbeat)
    def on_heartbeat(self):
        return call_result.Heartbeat(current_time=self._now())

    @on(Action.status_notification)
    def on_status_notification(self, **_: Any):
        return call_result.StatusNotification()

    @on(Action.authorize)
    def on_authorize(self, id_tag: str):
        return call_result.Authorize(id_tag_info=self._authorize(id_tag))

    @on(Action.start_transaction)
    def on_start_transaction(
        self, connector_id: int, id_tag: str, meter_start: int, timestamp: str, **extra: Any
    ):
        info = self._authorize(id_tag)
        tx_id = self.csms.store.next_transaction_id()
        self.csms.store.record_transaction(
            self.id,
            str(tx_id),
            connector_id=connector_id,
            id_tag=id_tag,
            meter_start=meter_start,
            started_at=timestamp,
            authorization=info.status.value,
        )
        return call_result.StartTransaction(transaction_id=tx_id, id_tag_info=info)

    @on(Action.stop_transaction)
    def on_stop_transaction(
        self, meter_stop: int, timestamp: str, transaction_id: int, **extra: Any
    ):
        self.csms.store.record_transaction(
            self.id,
            str(transaction_id),
            meter_stop=meter_stop,
            stopped_at=timestamp,
            reason=extra.get("reason", "Local"),
        )
        id_tag = extra.get("id_tag")
        if id_tag is None:
            return call_result.StopTransaction()
        return call_result.StopTransaction(id_tag_info=self._authorize(id_tag))

    @on(Action.meter_values)
    def on_meter_values(self, **_: Any):
        return call_result.MeterValues()

    @on(Action.data_transfer)
    def on_data_transfer(self, vendor_id: str, **_: Any):
        # No vendor extensions are implemented; the frame log keeps what was sent.
        return call_result.DataTransfer(status=DataTransferStatus.unknown_vendor_id)

    @on(Action.diagnostics_status_notification)
    def on_diagnostics_status_notification(self, **_: Any):
        return call_result.DiagnosticsStatusNotification()

    @on(Action.firmware_status_notification)
    def on_firmware_status_notification(self, **_: Any):
        return call_result.FirmwareStatusNotification()
