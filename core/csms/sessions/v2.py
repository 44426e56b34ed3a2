"""The CSMS's answers to an OCPP 2.0.1 or 2.1 station, mixed into that version's ChargePoint.

The dialect registry mixes these answers into the library's ChargePoint of the
station's version and gives the class that version's `results` module, so
answers are built and validated by that version's schemas. As for 1.6, the
library routes, validates and maps errors to CallError, and no handler may be
named `start` or `stop` (that would replace the receive loop).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ocpp.routing import after, on

from .host import SessionAnswers


class V2Answers(SessionAnswers):
    """Answers a 2.x station's calls for the CSMS (`host`)."""

    results: ModuleType  # the version's call_result module, set by the dialect registry

    def _token_info(self, id_token: dict[str, Any]) -> dict[str, str]:
        if id_token.get("type") == "NoAuthorization":
            return {"status": "Accepted"}
        return {"status": self.host.authorize(str(id_token.get("id_token", "")))}

    @on("BootNotification")
    def on_boot_notification(self, **_: Any) -> Any:
        return self.results.BootNotification(
            current_time=self.host.now_iso(),
            interval=self.host.heartbeat_interval,
            status="Accepted",
        )

    @after("BootNotification")
    def after_boot_notification(self, **_: Any) -> None:
        self.host.booted(self.id)

    @on("Heartbeat")
    def on_heartbeat(self) -> Any:
        return self.results.Heartbeat(current_time=self.host.now_iso())

    @on("StatusNotification")
    def on_status_notification(self, **_: Any) -> Any:
        return self.results.StatusNotification()

    @on("Authorize")
    def on_authorize(self, id_token: dict[str, Any], **_: Any) -> Any:
        return self.results.Authorize(id_token_info=self._token_info(id_token))

    @on("TransactionEvent")
    def on_transaction_event(self, id_token: dict[str, Any] | None = None, **_: Any) -> Any:
        # The transaction itself is in the recording: the projection reads it from the frames.
        if not id_token:
            return self.results.TransactionEvent()
        return self.results.TransactionEvent(id_token_info=self._token_info(id_token))

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
