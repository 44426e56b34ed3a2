"""OCPP 1.6 firmware and log calls: the core profile's UpdateFirmware and GetDiagnostics,
and the security extension's SignedUpdateFirmware and GetLog. Mixed into `V16Builder`."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .jobs import DIAGNOSTICS, LOG_TYPES, FirmwareUpdate, LogUpload


def _firmware(job: FirmwareUpdate) -> dict[str, Any]:
    return {
        "location": job.location,
        "retrieve_date_time": job.retrieve_at,
        "signing_certificate": job.signing_certificate,
        "signature": job.signature,
    }


def log_parameters(job: LogUpload) -> dict[str, Any]:
    """GetLog's `log` (1.6 security extension and 2.x): where and which window."""
    log: dict[str, Any] = {"remote_location": job.location}
    if job.oldest is not None:
        log["oldest_timestamp"] = job.oldest
    if job.latest is not None:
        log["latest_timestamp"] = job.latest
    return log


class V16Maintenance:
    """Firmware and log calls of 1.6."""

    calls: ModuleType
    log_types = (DIAGNOSTICS, *LOG_TYPES)

    def update_firmware(self, job: FirmwareUpdate) -> Any:
        """SignedUpdateFirmware for a signed update, else UpdateFirmware."""
        if job.signed:
            return self.calls.SignedUpdateFirmware(
                request_id=job.request_id,
                firmware=_firmware(job),
                retries=job.retries.count,
                retry_interval=job.retries.interval,
            )
        return self.calls.UpdateFirmware(
            location=job.location,
            retrieve_date=job.retrieve_at,
            retries=job.retries.count,
            retry_interval=job.retries.interval,
        )

    def get_log(self, job: LogUpload) -> Any:
        """GetDiagnostics for the core profile's diagnostics, else GetLog."""
        if job.log_type == DIAGNOSTICS:
            return self.calls.GetDiagnostics(
                location=job.location,
                retries=job.retries.count,
                retry_interval=job.retries.interval,
                start_time=job.oldest,
                stop_time=job.latest,
            )
        return self.calls.GetLog(
            log=log_parameters(job),
            log_type=job.log_type,
            request_id=job.request_id,
            retries=job.retries.count,
            retry_interval=job.retries.interval,
        )
