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
from ..contract_certificates import token_status
from ..token_info import id_token_info
from .answer_limits import longest
from .fixed import EMPTY, Answer, answering, refused
from .host import SessionAnswers

# Notifications and reports are answered with nothing; the projection reads what they say
# from the frames. 2.1's actions are here too: a 2.0.1 station's are refused before routing.
_NOTIFICATIONS = (
    "BatterySwap",
    "ClearedChargingLimit",
    "ClosePeriodicEventStream",
    "FirmwareStatusNotification",
    "LogStatusNotification",
    "MeterValues",
    "NotifyChargingLimit",
    "NotifyCustomerInformation",
    "NotifyDERAlarm",
    "NotifyDERStartStop",
    "NotifyDisplayMessages",
    "NotifyEvent",
    "NotifyMonitoringReport",
    "NotifyPriorityCharging",
    "NotifyReport",
    "NotifySettlement",
    "PublishFirmwareStatusNotification",
    "ReportChargingProfiles",
    "ReportDERControl",
    "ReservationStatusUpdate",
    "SecurityEventNotification",
    "StatusNotification",
)
CHARGING_STATION_CERTIFICATE = "ChargingStationCertificate"
_INFO_CHARS = 512  # statusInfo.additionalInfo's bound in the 2.x schemas
_NO_SCHEDULE = "the CSMS provides no charging schedule"
# What the spec answers a request that needs what ocppdeck does not have.
FIXED_2: dict[str, Answer] = {
    **dict.fromkeys(_NOTIFICATIONS, EMPTY),
    "NotifyEVChargingNeeds": refused("Rejected", "NoSchedule", _NO_SCHEDULE),
    # No profile was given, so no limit is broken: the EV's schedule stands.
    "NotifyEVChargingSchedule": {"status": "Accepted"},
    # Streams are SEND messages the library cannot take: the station reports by NotifyEvent.
    "OpenPeriodicEventStream": refused("Rejected", "NotSupported", "no periodic streams"),
    "PullDynamicScheduleUpdate": refused("Rejected", "NoSchedule", _NO_SCHEDULE),
}


@answering(FIXED_2)
class V2Answers(SessionAnswers):
    """Answers a 2.x station's calls for the CSMS (`host`)."""

    call_errors = OCPP_J_2
    results: ModuleType  # the version's call_result module, set by the dialect registry

    def _token_info(self, id_token: dict[str, Any], starting: str | None = None) -> dict[str, Any]:
        """An idTokenInfo (snake_case, as the library takes it) for a presented idToken; its
        groupIdToken lets a station decide a stop by another token of the group (C09) or a
        master pass (C16). An idToken that is no object (an unvalidated station's) is Invalid."""
        if not isinstance(id_token, dict):
            return {"status": "Invalid"}
        token_type = str(id_token.get("type", ""))
        if token_type == "NoAuthorization":
            return {"status": "Accepted"}
        found = self.host.authorize(str(id_token.get("id_token", "")), token_type, starting)
        return id_token_info(found)

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

    @on("Authorize")
    async def on_authorize(
        self,
        id_token: dict[str, Any],
        iso15118_certificate_hash_data: list[dict[str, Any]] | None = None,
        certificate: str | None = None,
        **_: Any,
    ) -> Any:
        info = self._token_info(id_token)
        if not iso15118_certificate_hash_data and not certificate:
            return self.results.Authorize(id_token_info=info)
        # Plug & Charge (C07): the contract certificate's status, and a token that agrees.
        status = await self.host.contracts.authorize(
            self.id, iso15118_certificate_hash_data or [], certificate
        )
        info = {**info, "status": token_status(info["status"], status)}
        return self.results.Authorize(id_token_info=info, certificate_status=status)

    @on("TransactionEvent")
    def on_transaction_event(
        self,
        event_type: str,
        transaction_info: dict[str, Any],
        id_token: dict[str, Any] | None = None,
        meter_value: list[dict[str, Any]] | None = None,
        **_: Any,
    ) -> Any:
        # The transaction itself is in the recording: the projection reads it from the frames.
        tx_id = str(transaction_info.get("transaction_id", ""))
        # Updated: the running cost (I02); Ended: the final cost (I03); None without a tariff.
        cost = self.host.costs.cost(self.id, tx_id, event_type, meter_value)
        if not id_token:
            return self.results.TransactionEvent(total_cost=cost)
        info = self._token_info(id_token, tx_id if event_type == "Started" else None)
        return self.results.TransactionEvent(total_cost=cost, id_token_info=info)

    @after("TransactionEvent")
    def after_transaction_event(self, transaction_info: dict[str, Any], **_: Any) -> None:
        tx_id = str(transaction_info.get("transaction_id", ""))
        cost = self.host.costs.to_push(self.id, tx_id)
        if cost is not None:  # the running cost changed: push it (I02)
            self.host.submit(self.id, self.calls.CostUpdated(total_cost=cost, transaction_id=tx_id))

    @on("SignCertificate")
    def on_sign_certificate(self, csr: str, certificate_type: str = "", **_: Any) -> Any:
        # Accepted only by a station CA, for a CSR naming this station; the reason is logged
        # and told (NoCA keeps the answer a station got before a CA was configured).
        reason = self.host.certificates.refusal(self.id, csr, certificate_type)
        if reason is None:
            return self.results.SignCertificate(status="Accepted")
        code = "NoCA" if self.host.certificates.ca is None else "InvalidCSR"
        return self.results.SignCertificate(**refused("Rejected", code, reason[:_INFO_CHARS]))

    @after("SignCertificate")
    def after_sign_certificate(self, csr: str, certificate_type: str = "", **extra: Any) -> None:
        signed = self.host.certificates.issue(self.id, csr, certificate_type)
        if signed is None:
            return
        fields: dict[str, Any] = {
            "certificate_chain": signed.chain,
            "certificate_type": CHARGING_STATION_CERTIFICATE,
        }
        if extra.get("request_id") is not None:  # 2.1: the answer names the request
            fields["request_id"] = extra["request_id"]
        self.host.submit(self.id, self.calls.CertificateSigned(**fields))

    @on("DataTransfer")
    def on_data_transfer(self, vendor_id: str, **_: Any) -> Any:
        # No vendor extensions are implemented; the frame log keeps what was sent.
        return self.results.DataTransfer(status="UnknownVendorId")

    @on("GetCertificateStatus")
    async def on_get_certificate_status(self, ocsp_request_data: dict[str, Any], **_: Any) -> Any:
        limit = longest(self.results, "GetCertificateStatus", "ocspResult")
        answer = await self.host.contracts.certificate_status(self.id, ocsp_request_data, limit)
        return self.results.GetCertificateStatus(**answer)

    @on("GetCertificateChainStatus")
    async def on_get_certificate_chain_status(
        self, certificate_status_requests: list[dict[str, Any]], **_: Any
    ) -> Any:
        statuses = await self.host.contracts.chain_status(self.id, certificate_status_requests)
        return self.results.GetCertificateChainStatus(certificate_status=statuses)

    @on("Get15118EVCertificate")
    async def on_get_15118_ev_certificate(self, **fields: Any) -> Any:
        limit = longest(self.results, "Get15118EVCertificate", "exiResponse")
        answer = await self.host.contracts.ev_certificate(self.id, fields, limit)
        return self.results.Get15118EVCertificate(**answer)

    @on("VatNumberValidation")
    def on_vat_number_validation(self, vat_number: str, **extra: Any) -> Any:
        # No VAT register is configured to check the number against.
        return self.results.VatNumberValidation(
            vat_number=vat_number,
            status="Rejected",
            evse_id=extra.get("evse_id"),
            status_info={"reason_code": "NotSupported", "additional_info": "no VAT register"},
        )
