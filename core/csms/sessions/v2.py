"""The CSMS's answers to an OCPP 2.0.1 or 2.1 station, mixed into that version's ChargePoint.

The dialect registry mixes these answers into the library's ChargePoint of the
station's version and gives the class that version's `results` module, so
answers are built and validated by that version's schemas. As for 1.6, the
session (sessions/host.py) routes, validates and maps errors to CallError, and no
handler may be named `start` or `stop` (that would replace the receive loop).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ocpp.routing import after, on

from ..call_errors import OCPP_J_2
from .host import SessionAnswers


class V2Answers(SessionAnswers):
    """Answers a 2.x station's calls for the CSMS (`host`)."""

    call_errors = OCPP_J_2
    results: ModuleType  # the version's call_result module, set by the dialect registry

    def _token_info(self, id_token: dict[str, Any], starting: str | None = None) -> dict[str, Any]:
        """An idTokenInfo (snake_case, as the library takes it) for a presented idToken."""
        token_type = str(id_token.get("type", ""))
        if token_type == "NoAuthorization":
            return {"status": "Accepted"}
        found = self.host.authorize(str(id_token.get("id_token", "")), token_type, starting)
        info: dict[str, Any] = {"status": found.status}
        if found.expiry is not None:
            info["cache_expiry_date_time"] = found.expiry
        if found.parent is not None:
            info["group_id_token"] = {"id_token": found.parent, "type": "Central"}
        return info

    @on("BootNotification")
    def on_boot_notification(self, **_: Any) -> Any:
        # Pending (an operator has not accepted the station yet): ask again each interval.
        return self.results.BootNotification(
            current_time=self.host.now_iso(),
            interval=self.host.heartbeat_interval,
            status=self.registration(),
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
    def on_transaction_event(
        self,
        event_type: str,
        transaction_info: dict[str, Any],
        id_token: dict[str, Any] | None = None,
        **_: Any,
    ) -> Any:
        # The transaction itself is in the recording: the projection reads it from the frames.
        if not id_token:
            return self.results.TransactionEvent()
        starting = (
            str(transaction_info.get("transaction_id", "")) if event_type == "Started" else None
        )
        info = self._token_info(id_token, starting)
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
