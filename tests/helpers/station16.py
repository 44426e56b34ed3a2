"""A scripted OCPP 1.6 station (a real `ocpp` ChargePoint) against the real CSMS."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import orjson
from ocpp.charge_point import ChargePoint as AnyChargePoint
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action, RemoteStartStopStatus
from websockets.asyncio.client import ClientConnection, connect

from ocppdeck.core.clock import to_iso
from ocppdeck.core.engine import Engine

AnyPoint = TypeVar("AnyPoint", bound=AnyChargePoint)
ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"


class Station(ChargePoint):
    """A 1.6 charge point that answers the CSMS's configuration and remote calls."""

    def __init__(self, station_id: str, connection: Any) -> None:
        super().__init__(station_id, connection, response_timeout=5)
        self.remote_starts: list[tuple[int | None, str]] = []
        self.remote_stops: list[int] = []

    @on(Action.get_configuration)
    def on_get_configuration(self, **_: Any) -> call_result.GetConfiguration:
        return call_result.GetConfiguration(
            configuration_key=[{"key": "NumberOfConnectors", "readonly": True, "value": "2"}]
        )

    @on(Action.remote_start_transaction)
    def on_remote_start(
        self, id_tag: str, connector_id: int | None = None, **_: Any
    ) -> call_result.RemoteStartTransaction:
        self.remote_starts.append((connector_id, id_tag))
        return call_result.RemoteStartTransaction(status=RemoteStartStopStatus.accepted)

    @on(Action.remote_stop_transaction)
    def on_remote_stop(self, transaction_id: int) -> call_result.RemoteStopTransaction:
        self.remote_stops.append(transaction_id)
        return call_result.RemoteStopTransaction(status=RemoteStartStopStatus.accepted)


class DeafToRemoteStart(Station):
    """Drops every RemoteStartTransaction without an answer; answers everything else."""

    async def route_message(self, raw_msg: str) -> None:
        if '"RemoteStartTransaction"' in raw_msg:
            return
        await super().route_message(raw_msg)


@asynccontextmanager
async def station(
    engine: Engine,
    station_id: str,
    cls: type[AnyPoint] = Station,  # type: ignore[assignment]
    protocol: str = "ocpp1.6",
    **options: Any,
) -> AsyncIterator[AnyPoint]:
    """A connected station (of `cls`, speaking `protocol`) with its receive loop running;
    disconnected on exit."""
    ws = await connect(f"{engine.csms.url}/{station_id}", subprotocols=[protocol])
    cp = cls(station_id, ws, **options)
    task = asyncio.create_task(cp.start())
    try:
        yield cp
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await ws.close()


async def boot(cp: Station) -> call_result.BootNotification:
    return await cp.call(
        call.BootNotification(
            charge_point_vendor="ACME", charge_point_model="Twin", firmware_version="1.2"
        )
    )


def meter_value(ts: float, energy_wh: float, power_w: float) -> dict[str, Any]:
    return {
        "timestamp": to_iso(ts),
        "sampledValue": [
            {"value": str(energy_wh), "measurand": ENERGY, "unit": "Wh"},
            {"value": str(power_w), "measurand": POWER, "unit": "W"},
        ],
    }


async def raw_call(ws: ClientConnection, text: str) -> list[Any]:
    await ws.send(text)
    return orjson.loads(await asyncio.wait_for(ws.recv(), 5))
