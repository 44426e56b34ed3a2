"""Real `ocpp` stations (1.6, 2.0.1, 2.1) answering every operator command, keeping what they got.

Each handler records `(action, fields)` in `asked` (fields as the library hands them
over: snake_case) and answers Accepted, so tests can check the call and its fields.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any

from ocpp import v21, v201
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call, call_result
from websockets.asyncio.client import connect

from ocppdeck.core.clock import to_iso
from ocppdeck.core.engine import Engine
from tests.helpers.engine import wait_for

# The 1.6 station's configuration: key → (value, read-only).
CONFIG_16 = {
    "NumberOfConnectors": ("1", True),
    "HeartbeatInterval": ("300", False),
    "MeterValueSampleInterval": ("60", False),
}


# A 2.x station's device model as its NotifyReport gives it (library field names).
REPORT_2X: list[dict[str, Any]] = [
    {
        "component": {"name": "OCPPCommCtrlr"},
        "variable": {"name": "HeartbeatInterval"},
        "variable_attribute": [{"type": "Actual", "value": "300", "mutability": "ReadWrite"}],
    },
    {
        "component": {"name": "SecurityCtrlr"},
        "variable": {"name": "SecurityProfile"},
        "variable_attribute": [{"value": "1", "mutability": "ReadOnly"}],
    },
    {
        "component": {"name": "Connector", "evse": {"id": 1, "connector_id": 1}},
        "variable": {"name": "Enabled"},
        "variable_attribute": [
            {"type": "Target", "value": "false"},
            {"type": "Actual", "value": "true"},  # mutability: ReadWrite by default
        ],
    },
    {
        "component": {"name": "SecurityCtrlr"},
        "variable": {"name": "BasicAuthPassword"},
        "variable_attribute": [{"mutability": "WriteOnly"}],
    },
]


class Station16(ChargePoint16):
    """A 1.6 charge point answering every operator command."""

    def __init__(self, station_id: str, connection: Any) -> None:
        super().__init__(station_id, connection, response_timeout=5)
        self.asked: list[tuple[str, dict[str, Any]]] = []
        self.config = dict(CONFIG_16)

    def _got(self, action: str, fields: dict[str, Any]) -> None:
        self.asked.append((action, fields))

    def of(self, action: str) -> list[dict[str, Any]]:
        """The fields of every `action` received, oldest first."""
        return [fields for name, fields in self.asked if name == action]

    @on("GetConfiguration")
    def on_get_configuration(self, key: list[str] | None = None) -> Any:
        self._got("GetConfiguration", {"key": key})
        keys = [k for k in self.config if key is None or k in key]
        return call_result.GetConfiguration(
            configuration_key=[
                {"key": k, "value": self.config[k][0], "readonly": self.config[k][1]} for k in keys
            ]
        )

    @on("ChangeConfiguration")
    def on_change_configuration(self, key: str, value: str) -> Any:
        self._got("ChangeConfiguration", {"key": key, "value": value})
        self.config[key] = (value, False)
        return call_result.ChangeConfiguration(status="Accepted")

    @on("Reset")
    def on_reset(self, type: str) -> Any:
        self._got("Reset", {"type": type})
        return call_result.Reset(status="Accepted")

    @on("UnlockConnector")
    def on_unlock(self, connector_id: int) -> Any:
        self._got("UnlockConnector", {"connector_id": connector_id})
        return call_result.UnlockConnector(status="Unlocked")

    @on("ChangeAvailability")
    def on_change_availability(self, **fields: Any) -> Any:
        self._got("ChangeAvailability", fields)
        return call_result.ChangeAvailability(status="Accepted")

    @on("TriggerMessage")
    def on_trigger(self, **fields: Any) -> Any:
        self._got("TriggerMessage", fields)
        return call_result.TriggerMessage(status="Accepted")

    @on("ClearCache")
    def on_clear_cache(self) -> Any:
        self._got("ClearCache", {})
        return call_result.ClearCache(status="Accepted")

    @on("DataTransfer")
    def on_data_transfer(self, **fields: Any) -> Any:
        self._got("DataTransfer", fields)
        return call_result.DataTransfer(status="Accepted", data="pong")

    @on("ReserveNow")
    def on_reserve_now(self, **fields: Any) -> Any:
        self._got("ReserveNow", fields)
        return call_result.ReserveNow(status="Accepted")

    @on("CancelReservation")
    def on_cancel_reservation(self, reservation_id: int) -> Any:
        self._got("CancelReservation", {"reservation_id": reservation_id})
        return call_result.CancelReservation(status="Accepted")

    @on("SendLocalList")
    def on_send_local_list(self, **fields: Any) -> Any:
        self._got("SendLocalList", fields)
        return call_result.SendLocalList(status="Accepted")

    @on("GetLocalListVersion")
    def on_get_local_list_version(self) -> Any:
        self._got("GetLocalListVersion", {})
        return call_result.GetLocalListVersion(list_version=3)

    @on("SetChargingProfile")
    def on_set_charging_profile(self, **fields: Any) -> Any:
        self._got("SetChargingProfile", fields)
        return call_result.SetChargingProfile(status="Accepted")

    @on("ClearChargingProfile")
    def on_clear_charging_profile(self, **fields: Any) -> Any:
        self._got("ClearChargingProfile", fields)
        return call_result.ClearChargingProfile(status="Accepted")


class _Station2x:
    """A 2.x charging station answering every operator command.

    After a GetBaseReport it sends `report` (reportData items) as a NotifyReport, if any.
    """

    lib: ModuleType

    def __init__(self, station_id: str, connection: Any) -> None:
        super().__init__(station_id, connection, response_timeout=5)  # type: ignore[call-arg]
        self.asked: list[tuple[str, dict[str, Any]]] = []
        self.report: list[dict[str, Any]] = []
        self._tasks: set[asyncio.Task[Any]] = set()

    def _got(self, action: str, fields: dict[str, Any]) -> None:
        self.asked.append((action, fields))

    def of(self, action: str) -> list[dict[str, Any]]:
        """The fields of every `action` received, oldest first."""
        return [fields for name, fields in self.asked if name == action]

    @on("GetBaseReport")
    def on_get_base_report(self, **fields: Any) -> Any:
        self._got("GetBaseReport", fields)
        return self.lib.call_result.GetBaseReport(status="Accepted")

    @after("GetBaseReport")
    def after_get_base_report(self, request_id: int, **_: Any) -> None:
        if self.report:
            task = asyncio.create_task(self.send_report(request_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def send_report(self, request_id: int) -> None:
        """Send `report` as one NotifyReport generated now."""
        await self.call(  # type: ignore[attr-defined]
            self.lib.call.NotifyReport(
                request_id=request_id,
                generated_at=to_iso(time.time()),
                seq_no=0,
                report_data=self.report,
            )
        )

    @on("GetVariables")
    def on_get_variables(self, get_variable_data: list[dict[str, Any]]) -> Any:
        self._got("GetVariables", {"get_variable_data": get_variable_data})
        results = [
            {
                "attribute_status": "Accepted",
                "attribute_value": "60",
                "component": d["component"],
                "variable": d["variable"],
            }
            for d in get_variable_data
        ]
        return self.lib.call_result.GetVariables(get_variable_result=results)

    @on("SetVariables")
    def on_set_variables(self, set_variable_data: list[dict[str, Any]]) -> Any:
        self._got("SetVariables", {"set_variable_data": set_variable_data})
        results = [
            {"attribute_status": "Accepted", "component": d["component"], "variable": d["variable"]}
            for d in set_variable_data
        ]
        return self.lib.call_result.SetVariables(set_variable_result=results)

    @on("Reset")
    def on_reset(self, **fields: Any) -> Any:
        self._got("Reset", fields)
        return self.lib.call_result.Reset(status="Accepted")

    @on("TriggerMessage")
    def on_trigger(self, **fields: Any) -> Any:
        self._got("TriggerMessage", fields)
        return self.lib.call_result.TriggerMessage(status="Accepted")

    @on("ClearCache")
    def on_clear_cache(self, **fields: Any) -> Any:
        self._got("ClearCache", fields)
        return self.lib.call_result.ClearCache(status="Accepted")

    @on("DataTransfer")
    def on_data_transfer(self, **fields: Any) -> Any:
        self._got("DataTransfer", fields)
        return self.lib.call_result.DataTransfer(status="Accepted", data="pong")

    @on("ReserveNow")
    def on_reserve_now(self, **fields: Any) -> Any:
        self._got("ReserveNow", fields)
        return self.lib.call_result.ReserveNow(status="Accepted")

    @on("CancelReservation")
    def on_cancel_reservation(self, **fields: Any) -> Any:
        self._got("CancelReservation", fields)
        return self.lib.call_result.CancelReservation(status="Accepted")

    @on("SendLocalList")
    def on_send_local_list(self, **fields: Any) -> Any:
        self._got("SendLocalList", fields)
        return self.lib.call_result.SendLocalList(status="Accepted")

    @on("GetLocalListVersion")
    def on_get_local_list_version(self, **fields: Any) -> Any:
        self._got("GetLocalListVersion", fields)
        return self.lib.call_result.GetLocalListVersion(version_number=3)

    @on("SetChargingProfile")
    def on_set_charging_profile(self, **fields: Any) -> Any:
        self._got("SetChargingProfile", fields)
        return self.lib.call_result.SetChargingProfile(status="Accepted")

    @on("ClearChargingProfile")
    def on_clear_charging_profile(self, **fields: Any) -> Any:
        self._got("ClearChargingProfile", fields)
        return self.lib.call_result.ClearChargingProfile(status="Accepted")


class Station201(_Station2x, v201.ChargePoint):
    """A 2.0.1 charging station answering every operator command."""

    lib = v201


class Station21(_Station2x, v21.ChargePoint):
    """A 2.1 charging station answering every operator command."""

    lib = v21


@asynccontextmanager
async def station16(engine: Engine, station_id: str) -> AsyncIterator[Station16]:
    """Connected, booted, connector 1 Available; disconnected on exit."""
    ws = await connect(f"{engine.csms.url}/{station_id}", subprotocols=["ocpp1.6"])
    cp = Station16(station_id, ws)
    task = asyncio.create_task(cp.start())
    try:
        await cp.call(call.BootNotification(charge_point_vendor="ACME", charge_point_model="Cmd"))
        for cid in (0, 1):
            await cp.call(
                call.StatusNotification(connector_id=cid, error_code="NoError", status="Available")
            )
        await wait_for(lambda: engine.state.stations[station_id].protocol == "ocpp1.6")
        yield cp
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await ws.close()


@asynccontextmanager
async def station201(
    engine: Engine,
    station_id: str,
    report: list[dict[str, Any]] | None = None,
    protocol: str = "ocpp2.0.1",
) -> AsyncIterator[Any]:
    """Connected and booted, EVSE 1 connector 1 Available; disconnected on exit.

    `report` is what it answers the CSMS's GetBaseReport with (none: no NotifyReport);
    `protocol` "ocpp2.1" makes it a 2.1 station.
    """
    ws = await connect(f"{engine.csms.url}/{station_id}", subprotocols=[protocol])
    cp = (Station21 if protocol == "ocpp2.1" else Station201)(station_id, ws)
    cp.report = list(report or ())
    task = asyncio.create_task(cp.start())
    try:
        await cp.call(
            cp.lib.call.BootNotification(
                charging_station={"vendor_name": "ACME", "model": "Cmd2"}, reason="PowerUp"
            )
        )
        await cp.call(
            cp.lib.call.StatusNotification(
                timestamp="2026-01-01T00:00:00Z",
                connector_status="Available",
                evse_id=1,
                connector_id=1,
            )
        )
        await wait_for(lambda: engine.state.stations[station_id].protocol == protocol)
        yield cp
    finally:
        task.cancel()
        await asyncio.gather(task, *cp._tasks, return_exceptions=True)
        await ws.close()
