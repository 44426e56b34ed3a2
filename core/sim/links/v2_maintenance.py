"""A simulated 2.x station's firmware and logs: UpdateFirmware (signed when it carries a
signing certificate and signature) and GetLog, answered at once and then run (core/sim/
maintenance.py), each step a FirmwareStatusNotification or LogStatusNotification with the
request's id. Mixed into `V2Answers`; the fields are the same in 2.0.1 and 2.1."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ocpp.routing import after, on
from ocpp.v201.enums import Action as A

from ..host import StationHost
from ..maintenance import firmware_job, update_firmware, upload_log
from .v16_maintenance import log_job, log_name


class V2Maintenance:
    """The `@on` / `@after` handlers of firmware and log requests."""

    _station: StationHost
    calls: ModuleType
    results: ModuleType

    @on(A.update_firmware)
    def on_update_firmware(self, **_: Any) -> Any:
        return self.results.UpdateFirmware(status="Accepted")

    @after(A.update_firmware)
    def after_update_firmware(
        self,
        request_id: int,
        firmware: dict[str, Any],
        retries: int | None = None,
        retry_interval: int | None = None,
        **_: Any,
    ) -> None:
        async def report(status: str) -> None:
            await self._station.send(
                self.calls.FirmwareStatusNotification(status=status, request_id=request_id)
            )

        job = firmware_job(firmware, retries, retry_interval)
        self._station.spawn(update_firmware(self._station, job, report), "firmware")

    @on(A.get_log)
    def on_get_log(self, log_type: str, call_unique_id: str, **_: Any) -> Any:
        name = log_name(self._station, log_type, call_unique_id)
        return self.results.GetLog(status="Accepted", filename=name)

    @after(A.get_log)
    def after_get_log(
        self,
        log: dict[str, Any],
        log_type: str,
        request_id: int,
        call_unique_id: str,
        retries: int | None = None,
        retry_interval: int | None = None,
        **_: Any,
    ) -> None:
        async def report(status: str) -> None:
            await self._station.send(
                self.calls.LogStatusNotification(status=status, request_id=request_id)
            )

        job = log_job(self._station, log, log_type, call_unique_id, retries, retry_interval)
        self._station.spawn(upload_log(self._station, job, report, "UploadFailure"), "log")
