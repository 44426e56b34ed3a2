"""OCPP 1.6 security extension calls (the whitepaper's): certificates and the security profile."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .contract import CertificateHash

# What InstallCertificate / GetInstalledCertificateIds name in 1.6 (CertificateUseEnumType).
CERTIFICATE_TYPES_16 = ("CentralSystemRootCertificate", "ManufacturerRootCertificate")
# Not in OCPP 1.6: the key many 1.6 firmwares (EVerest's among them) take for the CSMS URL.
CENTRAL_SYSTEM_URL_KEY = "CentralSystemURI"


class V16Security:
    """Builds the security extension's operator calls from the 1.6 `call` module."""

    calls: ModuleType
    certificate_types = CERTIFICATE_TYPES_16

    def sign_certificate_trigger(self) -> Any:
        """ExtendedTriggerMessage SignChargePointCertificate: the station sends a CSR."""
        return self.calls.ExtendedTriggerMessage(requested_message="SignChargePointCertificate")

    def install_certificate(self, certificate_type: str, certificate: str) -> Any:
        """InstallCertificate of a root certificate (PEM)."""
        return self.calls.InstallCertificate(
            certificate_type=certificate_type, certificate=certificate
        )

    def installed_certificates(self, certificate_type: str) -> Any:
        """GetInstalledCertificateIds of one type (1.6 asks for exactly one)."""
        return self.calls.GetInstalledCertificateIds(certificate_type=certificate_type)

    def delete_certificate(self, which: CertificateHash) -> Any:
        """DeleteCertificate of the certificate these hashes name."""
        return self.calls.DeleteCertificate(certificate_hash_data=which.fields())

    def security_profile(self, profile: int, url: str, moving: bool) -> list[Any]:
        """ChangeConfiguration SecurityProfile: the station uses `profile` from its next
        connection; when it must move to `url` (the TLS port beside a plain one), first
        CentralSystemURI, which OCPP 1.6 does not define: a station without that key
        answers NotSupported, and the upgrade stops before anything changed."""
        calls = [self.calls.ChangeConfiguration(key=CENTRAL_SYSTEM_URL_KEY, value=url)]
        profile_call = self.calls.ChangeConfiguration(key="SecurityProfile", value=str(profile))
        return [*calls, profile_call] if moving else [profile_call]
