"""The CSMS's answers to an OCPP 1.6 station, mixed into the library's ChargePoint.

The session (sessions/host.py) routes, validates and maps errors to CallError,
as the library would; the handlers here only decide answers. Handler names must
not be `start` or `stop`: that would replace the session's receive loop.
"""

from __future__ import annotations

from typing import Any

from ocpp.routing import after, on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action, DataTransferStatus, RegistrationStatus

from ..call_errors import OCPP_J_16
from ..token_info import id_tag_info
from ..transaction_ids import REFUSED, NoTransactionId
from .fixed import EMPTY, answering
from .host import SessionAnswers

# Notifications are answered with nothing; the projection reads what they say from the frames.
_NOTIFICATIONS = (
    "DiagnosticsStatusNotification",
    "FirmwareStatusNotification",
    "LogStatusNotification",
    "MeterValues",
    "SecurityEventNotification",
    "SignedFirmwareStatusNotification",
    "StatusNotification",
)
FIXED_16 = dict.fromkeys(_NOTIFICATIONS, EMPTY)


@answering(FIXED_16)
class V16Answers(SessionAnswers):
    """Answers a 1.6 station's calls for the CSMS (`host`)."""

    call_errors = OCPP_J_16

    def _authorize(self, id_tag: str, starting: str | None = None) -> dict[str, str]:
        # The parentIdTag is the tag's group: with it a station decides whether a tag may
        # stop a transaction another tag of the group started.
        return id_tag_info(self.host.authorize(str(id_tag), starting=starting))

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

    @on(Action.authorize)
    def on_authorize(self, id_tag: str) -> call_result.Authorize:
        return call_result.Authorize(id_tag_info=self._authorize(id_tag))

    @on(Action.start_transaction)
    def on_start_transaction(
        self, id_tag: str, connector_id: int, meter_start: int, timestamp: str, **_: Any
    ) -> call_result.StartTransaction:
        # The transaction itself is in the recording: the projection reads it from the frames.
        repeated = self.host.repeated_start(self.id, connector_id, id_tag, meter_start, timestamp)
        if repeated is not None:  # the firmware sent it again: the same answer, no new id
            info = self._authorize(id_tag)
            return call_result.StartTransaction(transaction_id=repeated, id_tag_info=info)
        info = self._authorize(id_tag, starting="")
        try:
            tx_id = self.host.next_transaction_id()
        except NoTransactionId:  # the disk holds no id: refused, not numbered (transaction_ids)
            tx_id, info = REFUSED, {"status": "Invalid"}
        return call_result.StartTransaction(transaction_id=tx_id, id_tag_info=info)

    @on(Action.stop_transaction)
    def on_stop_transaction(self, **extra: Any) -> call_result.StopTransaction:
        # Another tag than the one that started may stop it: its info (with its group) is
        # the answer, as for an Authorize.
        id_tag = extra.get("id_tag")
        if id_tag is None:
            return call_result.StopTransaction()
        return call_result.StopTransaction(id_tag_info=self._authorize(id_tag))

    @on(Action.sign_certificate)
    def on_sign_certificate(self, csr: str, **_: Any) -> call_result.SignCertificate:
        # Accepted only by a station CA, for a CSR naming this station (the reason is logged).
        refused = self.host.certificates.refusal(self.id, csr)
        return call_result.SignCertificate(status="Rejected" if refused else "Accepted")

    @after(Action.sign_certificate)
    def after_sign_certificate(self, csr: str, **_: Any) -> None:
        signed = self.host.certificates.issue(self.id, csr)
        if signed is not None:
            self.host.submit(self.id, self.calls.CertificateSigned(certificate_chain=signed.chain))

    @on(Action.data_transfer)
    def on_data_transfer(self, vendor_id: str, **_: Any) -> call_result.DataTransfer:
        # No vendor extensions are implemented; the frame log keeps what was sent.
        return call_result.DataTransfer(status=DataTransferStatus.unknown_vendor_id)
