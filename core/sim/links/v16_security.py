"""A simulated 1.6 station's security extension (the whitepaper's messages): a CSR when the
CSMS asks (ExtendedTriggerMessage), the signed certificate it sends back, root certificates,
and its security events. The station's side is core/sim/station_security.py. Mixed into
`V16Answers`."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ocpp.routing import after, on
from ocpp.v16 import call_result

from ..host import StationHost

SIGN_TRIGGER = "SignChargePointCertificate"
# The 1.6 whitepaper's event for a chain the station cannot use.
INVALID_CERTIFICATE = "InvalidChargePointCertificate"
SECURITY_PROFILE_KEY = "SecurityProfile"


async def send_csr(station: StationHost, calls: ModuleType) -> None:
    """SignCertificate with a fresh CSR."""
    await station.send(calls.SignCertificate(csr=station.security.csr()))


async def report_event(station: StationHost, calls: ModuleType, kind: str) -> None:
    """SecurityEventNotification of `kind`, now (the same fields in every version)."""
    event = calls.SecurityEventNotification(
        type=kind, timestamp=station.timestamp(), tech_info=None
    )
    await station.send(event)


def took_chain(station: StationHost, calls: ModuleType, chain: str, invalid_event: str) -> None:
    """After a CertificateSigned is answered: log in again at once to present a chain the
    station kept (every version), or report `invalid_event` for one it could not use."""
    security = station.security
    if security.holds(chain):
        if not security.presents(chain):
            station.relogin()  # proven at once: the next connection presents it
    else:
        station.spawn(report_event(station, calls, invalid_event), "event")


class V16Security:
    """The `@on` / `@after` handlers of the security extension."""

    _station: StationHost
    calls: ModuleType  # the version's call module, set by the dialect registry

    @on("ExtendedTriggerMessage")
    def on_extended_trigger_message(self, requested_message: str, **_: Any) -> Any:
        status = "Accepted" if requested_message == SIGN_TRIGGER else "NotImplemented"
        return call_result.ExtendedTriggerMessage(status=status)

    @after("ExtendedTriggerMessage")
    def after_extended_trigger_message(self, requested_message: str, **_: Any) -> None:
        if requested_message == SIGN_TRIGGER:
            self._station.spawn(send_csr(self._station, self.calls), "csr")

    @on("CertificateSigned")
    def on_certificate_signed(self, certificate_chain: str, **_: Any) -> Any:
        taken = self._station.security.take_chain(certificate_chain)
        return call_result.CertificateSigned(status="Accepted" if taken else "Rejected")

    @after("CertificateSigned")
    def after_certificate_signed(self, certificate_chain: str, **_: Any) -> None:
        took_chain(self._station, self.calls, certificate_chain, INVALID_CERTIFICATE)

    @on("InstallCertificate")
    def on_install_certificate(self, certificate_type: str, certificate: str, **_: Any) -> Any:
        status = self._station.security.install(certificate_type, certificate)
        return call_result.InstallCertificate(status=status)

    @on("GetInstalledCertificateIds")
    def on_get_installed_certificate_ids(self, certificate_type: str, **_: Any) -> Any:
        found = self._station.security.installed([certificate_type])
        if not found:
            return call_result.GetInstalledCertificateIds(status="NotFound")
        return call_result.GetInstalledCertificateIds(
            status="Accepted", certificate_hash_data=[r.hash_data for r in found]
        )

    @on("DeleteCertificate")
    def on_delete_certificate(self, certificate_hash_data: dict[str, Any], **_: Any) -> Any:
        found = self._station.security.delete(certificate_hash_data)
        return call_result.DeleteCertificate(status="Accepted" if found else "NotFound")
