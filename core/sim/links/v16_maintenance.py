"""A simulated 1.6 station's firmware and logs: UpdateFirmware and GetDiagnostics (core
profile), SignedUpdateFirmware and GetLog (security extension), each answered at once
and then run (core/sim/maintenance.py), its steps reported in the message of its kind.
Mixed into `V16Answers`."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ocpp.routing import after, on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from ..host import StationHost
from ..maintenance import FirmwareJob, LogJob, firmware_job, update_firmware, upload_log


def log_name(station: StationHost, kind: str, call_unique_id: str) -> str:
    """The file name a log upload is given: the same in the answer and the upload."""
    return f"{station.spec.station_id}-{kind}-{call_unique_id[:16]}.log"


class V16Maintenance:
    """The `@on` / `@after` handlers of firmware and log requests."""

    _station: StationHost
    calls: ModuleType

    @on(Action.update_firmware)
    def on_update_firmware(self, **_: Any) -> call_result.UpdateFirmware:
        return call_result.UpdateFirmware()

    @after(Action.update_firmware)
    def after_update_firmware(
        self,
        location: str,
        retrieve_date: str,
        retries: int | None = None,
        retry_interval: int | None = None,
        **_: Any,
    ) -> None:
        async def report(status: str) -> None:
            await self._station.send(self.calls.FirmwareStatusNotification(status=status))

        job = FirmwareJob(location, retrieve_date, retries, retry_interval)
        self._station.spawn(update_firmware(self._station, job, report), "firmware")

    @on(Action.signed_update_firmware)
    def on_signed_update_firmware(self, **_: Any) -> call_result.SignedUpdateFirmware:
        return call_result.SignedUpdateFirmware(status="Accepted")

    @after(Action.signed_update_firmware)
    def after_signed_update_firmware(
        self,
        request_id: int,
        firmware: dict[str, Any],
        retries: int | None = None,
        retry_interval: int | None = None,
        **_: Any,
    ) -> None:
        async def report(status: str) -> None:
            await self._station.send(
                self.calls.SignedFirmwareStatusNotification(status=status, request_id=request_id)
            )

        job = firmware_job(firmware, retries, retry_interval)
        self._station.spawn(update_firmware(self._station, job, report), "firmware")

    @on(Action.get_diagnostics)
    def on_get_diagnostics(self, call_unique_id: str, **_: Any) -> call_result.GetDiagnostics:
        return call_result.GetDiagnostics(
            file_name=log_name(self._station, "diagnostics", call_unique_id)
        )

    @after(Action.get_diagnostics)
    def after_get_diagnostics(
        self,
        location: str,
        call_unique_id: str,
        retries: int | None = None,
        retry_interval: int | None = None,
        start_time: str | None = None,
        stop_time: str | None = None,
        **_: Any,
    ) -> None:
        async def report(status: str) -> None:
            await self._station.send(self.calls.DiagnosticsStatusNotification(status=status))

        name = log_name(self._station, "diagnostics", call_unique_id)
        # Posted as a form, as many 1.6 chargers do; GetLog's file is put.
        job = LogJob(
            location, name, "Diagnostics", start_time, stop_time, retries, retry_interval, True
        )
        self._station.spawn(upload_log(self._station, job, report, "UploadFailed"), "diagnostics")

    @on(Action.get_log)
    def on_get_log(self, log_type: str, call_unique_id: str, **_: Any) -> call_result.GetLog:
        return call_result.GetLog(
            status="Accepted", filename=log_name(self._station, log_type, call_unique_id)
        )

    @after(Action.get_log)
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


def log_job(
    station: StationHost,
    log: dict[str, Any],
    log_type: str,
    call_unique_id: str,
    retries: int | None,
    retry_interval: int | None,
) -> LogJob:
    """The upload a GetLog asks for (1.6 security extension and 2.x: the same fields)."""
    return LogJob(
        log["remote_location"],
        log_name(station, log_type, call_unique_id),
        log_type,
        log.get("oldest_timestamp"),
        log.get("latest_timestamp"),
        retries,
        retry_interval,
    )
