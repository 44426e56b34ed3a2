"""A simulated 2.x station's security messages: a CSR when the CSMS asks (TriggerMessage
SignChargingStationCertificate), the signed certificate, root certificates, the network
profile a security upgrade writes, and its security events. The station's side is
core/sim/station_security.py. Mixed into the 2.x `V2Answers`."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ocpp.routing import after, on

from ..host import StationHost
from .v16_security import took_chain

SIGN_TRIGGER = "SignChargingStationCertificate"
CHARGING_STATION_CERTIFICATE = "ChargingStationCertificate"
INVALID_CERTIFICATE = "InvalidChargingStationCertificate"
PRIORITY_VARIABLE = ("OCPPCommCtrlr", "NetworkConfigurationPriority")


async def send_csr(station: StationHost, calls: ModuleType) -> None:
    """SignCertificate of a ChargingStationCertificate with a fresh CSR."""
    await station.send(
        calls.SignCertificate(
            csr=station.security.csr(), certificate_type=CHARGING_STATION_CERTIFICATE
        )
    )


class V2Security:
    """The `@on` / `@after` handlers of the 2.x security messages."""

    _station: StationHost
    calls: ModuleType  # the version's call and call_result modules, set by the registry
    results: ModuleType

    def request_certificate(self) -> None:
        """Send a CSR, once the TriggerMessage's answer is on the wire."""
        self._station.spawn(send_csr(self._station, self.calls), "csr")

    @on("CertificateSigned")
    def on_certificate_signed(self, certificate_chain: str, **_: Any) -> Any:
        taken = self._station.security.take_chain(certificate_chain)
        return self.results.CertificateSigned(status="Accepted" if taken else "Rejected")

    @after("CertificateSigned")
    def after_certificate_signed(self, certificate_chain: str, **_: Any) -> None:
        took_chain(self._station, self.calls, certificate_chain, INVALID_CERTIFICATE)

    @on("InstallCertificate")
    def on_install_certificate(self, certificate_type: str, certificate: str, **_: Any) -> Any:
        status = self._station.security.install(certificate_type, certificate)
        return self.results.InstallCertificate(status=status)

    @on("GetInstalledCertificateIds")
    def on_get_installed_certificate_ids(
        self, certificate_type: list[str] | None = None, **_: Any
    ) -> Any:
        found = self._station.security.installed(certificate_type)
        if not found:
            return self.results.GetInstalledCertificateIds(status="NotFound")
        chains = [
            {"certificate_type": r.certificate_type, "certificate_hash_data": r.hash_data}
            for r in found
        ]
        return self.results.GetInstalledCertificateIds(
            status="Accepted", certificate_hash_data_chain=chains
        )

    @on("DeleteCertificate")
    def on_delete_certificate(self, certificate_hash_data: dict[str, Any], **_: Any) -> Any:
        found = self._station.security.delete(certificate_hash_data)
        return self.results.DeleteCertificate(status="Accepted" if found else "NotFound")

    @on("SetNetworkProfile")
    def on_set_network_profile(
        self, configuration_slot: int, connection_data: dict[str, Any], **_: Any
    ) -> Any:
        url = connection_data.get("ocpp_csms_url", "")
        station = self._station
        taken = (
            isinstance(url, str)
            and station.network.set_slot(configuration_slot, url)
            and station.security.set_profile(connection_data.get("security_profile", -1))
        )
        return self.results.SetNetworkProfile(status="Accepted" if taken else "Rejected")
