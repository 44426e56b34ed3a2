"""OCPP 2.0.1 and 2.1 firmware and log calls: UpdateFirmware (signed when given a
certificate and signature) and GetLog. Mixed into `V2Builder`."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .contract import CommandUnavailable
from .jobs import DIAGNOSTICS, LOG_TYPES, FirmwareUpdate, LogUpload
from .v16_maintenance import log_parameters


class V2Maintenance:
    """Firmware and log calls of 2.x."""

    calls: ModuleType
    log_types = LOG_TYPES

    def update_firmware(self, job: FirmwareUpdate) -> Any:
        """UpdateFirmware, with the signing certificate and signature of a signed update."""
        firmware: dict[str, Any] = {"location": job.location, "retrieve_date_time": job.retrieve_at}
        if job.signed:
            firmware["signing_certificate"] = job.signing_certificate
            firmware["signature"] = job.signature
        return self.calls.UpdateFirmware(
            request_id=job.request_id,
            firmware=firmware,
            retries=job.retries.count,
            retry_interval=job.retries.interval,
        )

    def get_log(self, job: LogUpload) -> Any:
        """GetLog (2.x has no GetDiagnostics: its diagnostics are the DiagnosticsLog)."""
        if job.log_type == DIAGNOSTICS:
            raise CommandUnavailable("GetDiagnostics is OCPP 1.6: ask 2.x for the DiagnosticsLog")
        return self.calls.GetLog(
            log=log_parameters(job),
            log_type=job.log_type,
            request_id=job.request_id,
            retries=job.retries.count,
            retry_interval=job.retries.interval,
        )
