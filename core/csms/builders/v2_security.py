"""OCPP 2.0.1 and 2.1 security calls: certificates and the network connection profile."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .contract import CertificateHash

# What InstallCertificate names in 2.x (InstallCertificateUseEnumType, 2.0.1's; 2.1 adds OEM).
CERTIFICATE_TYPES_2 = (
    "CSMSRootCertificate",
    "ManufacturerRootCertificate",
    "V2GRootCertificate",
    "MORootCertificate",
)
# The slot a profile upgrade writes: the station's first (1) is kept to fall back to.
UPGRADE_SLOT = 2
MESSAGE_TIMEOUT_S = 30


class V2Security:
    """Builds the 2.x security operator calls from the version's `call` module."""

    calls: ModuleType
    certificate_types = CERTIFICATE_TYPES_2

    def sign_certificate_trigger(self) -> Any:
        """TriggerMessage SignChargingStationCertificate: the station sends a CSR."""
        return self.calls.TriggerMessage(requested_message="SignChargingStationCertificate")

    def install_certificate(self, certificate_type: str, certificate: str) -> Any:
        """InstallCertificate of a root certificate (PEM)."""
        return self.calls.InstallCertificate(
            certificate_type=certificate_type, certificate=certificate
        )

    def installed_certificates(self, certificate_type: str) -> Any:
        """GetInstalledCertificateIds of one type ("": every type)."""
        types = [certificate_type] if certificate_type else None
        return self.calls.GetInstalledCertificateIds(certificate_type=types)

    def delete_certificate(self, which: CertificateHash) -> Any:
        """DeleteCertificate of the certificate these hashes name."""
        return self.calls.DeleteCertificate(certificate_hash_data=which.fields())

    def security_profile(self, profile: int, url: str, moving: bool) -> list[Any]:
        """SetNetworkProfile of UPGRADE_SLOT with `profile` and the CSMS's `url` (the
        profile carries the URL whether or not it is `moving`), then
        NetworkConfigurationPriority naming that slot first."""
        data = {
            "ocpp_version": "OCPP20",
            "ocpp_transport": "JSON",
            "ocpp_csms_url": url,
            "message_timeout": MESSAGE_TIMEOUT_S,
            "security_profile": profile,
            "ocpp_interface": "Wired0",
        }
        priority = [
            {
                "attribute_value": f"{UPGRADE_SLOT},1",
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "NetworkConfigurationPriority"},
            }
        ]
        return [
            self.calls.SetNetworkProfile(configuration_slot=UPGRADE_SLOT, connection_data=data),
            self.calls.SetVariables(set_variable_data=priority),
        ]
