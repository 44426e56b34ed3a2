"""The CSMS's answers to an OCPP 1.6 station, mixed into the library's ChargePoint.

The session (sessions/host.py) routes, validates and maps errors to CallError,
as the library would; the handlers here only decide answers. Handler names must
not be `start` or `stop`: that would replace the session's receive loop.
"""

from __future__ import annotations

from typing import Any

from ocpp.routing import after, on
from ocpp.v16 import call_result
from ocpp.v16.datatypes import IdTagInfo
from ocpp.v16.enums import Action, AuthorizationStatus, DataTransferStatus, RegistrationStatus

from ..call_errors import OCPP_J_16
from ..transaction_ids import REFUSED, NoTransactionId
from .host import SessionAnswers


class V16Answers(SessionAnswers):
    """Answers a 1.6 station's calls for the CSMS (`host`)."""

    call_errors = OCPP_J_16

    def _authorize(self, id_tag: str, starting: str | None = None) -> IdTagInfo:
        found = self.host.authorize(id_tag, starting=starting)
        return IdTagInfo(
            status=AuthorizationStatus(found.status),
            expiry_date=found.expiry,
            parent_id_tag=found.parent,
        )

    @on(Action.boot_notification)
    def on_boot_notification(self, **_: Any) -> call_result.BootNotification:
        # Pending (an operator has not accepted the station yet): ask again each interval.
        return call_result.BootNotification(
            current_time=self.host.now_iso(),
            interval=self.host.heartbeat_interval,
            status=RegistrationStatus(self.registration()),
        )

    @after(Action.boot_notification)
    def after_boot_notification(self, **_: Any) -> None:
        self.host.booted(self.id)

    @on(Action.heartbeat)
    def on_heartbeat(self) -> call_result.Heartbeat:
        return call_result.Heartbeat(current_time=self.host.now_iso())

    @on(Action.status_notification)
    def on_status_notification(self, **_: Any) -> call_result.StatusNotification:
        return call_result.StatusNotification()

    @on(Action.authorize)
    def on_authorize(self, id_tag: str) -> call_result.Authorize:
        return call_result.Authorize(id_tag_info=self._authorize(id_tag))

    @on(Action.start_transaction)
    def on_start_transaction(self, id_tag: str, **_: Any) -> call_result.StartTransaction:
        # The transaction itself is in the recording: the projection reads it from the frames.
        info = self._authorize(id_tag, starting="")
        try:
            tx_id = self.host.next_transaction_id()
        except NoTransactionId:  # the disk holds no id: refused, not numbered (transaction_ids)
            tx_id, info = REFUSED, IdTagInfo(status=AuthorizationStatus.invalid)
        return call_result.StartTransaction(transaction_id=tx_id, id_tag_info=info)

    @on(Action.stop_transaction)
    def on_stop_transaction(self, **extra: Any) -> call_result.StopTransaction:
        id_tag = extra.get("id_tag")
        if id_tag is None:
            return call_result.StopTransaction()
        return call_result.StopTransaction(id_tag_info=self._authorize(id_tag))

    @on(Action.meter_values)
    def on_meter_values(self, **_: Any) -> call_result.MeterValues:
        return call_result.MeterValues()

    @on(Action.data_transfer)
    def on_data_transfer(self, vendor_id: str, **_: Any) -> call_result.DataTransfer:
        # No vendor extensions are implemented; the frame log keeps what was sent.
        return call_result.DataTransfer(status=DataTransferStatus.unknown_vendor_id)

    @on(Action.diagnostics_status_notification)
    def on_diagnostics_status_notification(
        self, **_: Any
    ) -> call_result.DiagnosticsStatusNotification:
        return call_result.DiagnosticsStatusNotification()

    @on(Action.firmware_status_notification)
    def on_firmware_status_notification(self, **_: Any) -> call_result.FirmwareStatusNotification:
        return call_result.FirmwareStatusNotification()
