"""A tiny, real OCPP 1.6 central system on a local port for the simulated fleet to talk to."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action, RegistrationStatus
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from ocppdeck.core.clock import ManualClock, to_iso
from ocppdeck.core.dialects import V16
from ocppdeck.core.sim.fleet import Fleet
from ocppdeck.core.sim.spec import SimSettings, StationSpec
from ocppdeck.core.sim.station import SimStation

CLOCK_START = 1_700_000_000.0
# 100x compressed: a 30 s session takes 0.3 s, a 5 s meter interval 50 ms.
FAST = SimSettings(
    speed=100.0,
    idle_mean=2.0,
    session_mean=30.0,
    meter_interval=5.0,
    fault_probability=0.0,
    reconnect_min=0.5,
    reconnect_max=2.0,
)
# No walk-up drivers: only what the test asks for happens.
QUIET = replace(FAST, idle_mean=1e6)


class CentralSystem:
    """Records every request stations make and answers like a permissive CSMS."""

    def __init__(self) -> None:
        self.url = ""
        self.authorize_status = "Accepted"
        self.events: list[tuple[str, str, dict[str, Any]]] = []
        self.points: dict[str, CsmsPoint] = {}
        self.sockets: dict[str, ServerConnection] = {}
        self._tx_ids = itertools.count(1)

    async def handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        station_id = ws.request.path.strip("/")
        self.points[station_id] = CsmsPoint(station_id, ws, self)
        self.sockets[station_id] = ws
        with contextlib.suppress(ConnectionClosed):
            await self.points[station_id].start()

    def of(self, action: str, station: str | None = None) -> list[dict[str, Any]]:
        """Payloads of `action` received so far, optionally from one station."""
        return [p for s, a, p in self.events if a == action and station in (None, s)]

    def next_tx_id(self) -> int:
        return next(self._tx_ids)


class CsmsPoint(ChargePoint):
    """The central system's side of one station connection."""

    def __init__(self, station_id: str, ws: ServerConnection, csms: CentralSystem) -> None:
        super().__init__(station_id, ws, response_timeout=5)
        self.csms = csms

    def _record(self, action: str, payload: dict[str, Any]) -> None:
        self.csms.events.append((self.id, action, payload))

    @on(Action.boot_notification)
    def on_boot_notification(self, **payload: Any) -> call_result.BootNotification:
        self._record("BootNotification", payload)
        return call_result.BootNotification(
            current_time=to_iso(CLOCK_START), interval=300, status=RegistrationStatus.accepted
        )

    @on(Action.heartbeat)
    def on_heartbeat(self, **payload: Any) -> call_result.Heartbeat:
        self._record("Heartbeat", payload)
        return call_result.Heartbeat(current_time=to_iso(CLOCK_START))

    @on(Action.status_notification)
    def on_status_notification(self, **payload: Any) -> call_result.StatusNotification:
        self._record("StatusNotification", payload)
        return call_result.StatusNotification()

    @on(Action.authorize)
    def on_authorize(self, **payload: Any) -> call_result.Authorize:
        self._record("Authorize", payload)
        return call_result.Authorize(id_tag_info={"status": self.csms.authorize_status})

    @on(Action.start_transaction)
    def on_start_transaction(self, **payload: Any) -> call_result.StartTransaction:
        tx_id = self.csms.next_tx_id()
        self._record("StartTransaction", {**payload, "transaction_id": tx_id})
        return call_result.StartTransaction(
            transaction_id=tx_id, id_tag_info={"status": "Accepted"}
        )

    @on(Action.meter_values)
    def on_meter_values(self, **payload: Any) -> call_result.MeterValues:
        self._record("MeterValues", payload)
        return call_result.MeterValues()

    @on(Action.stop_transaction)
    def on_stop_transaction(self, **payload: Any) -> call_result.StopTransaction:
        self._record("StopTransaction", payload)
        return call_result.StopTransaction()


@contextlib.asynccontextmanager
async def running(fleet: Fleet) -> AsyncIterator[Fleet]:
    await fleet.start()
    try:
        yield fleet
    finally:
        await fleet.close()


async def eventually(predicate: Callable[[], object], timeout: float = 10.0) -> None:
    """Poll until `predicate` holds; TimeoutError otherwise."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


def one_station(csms: CentralSystem, settings: SimSettings, connectors: int = 2) -> Fleet:
    spec = StationSpec("SIM-T", connectors, "Voltaris", "VX-22", V16.name)
    return Fleet([spec], csms.url, settings, seed=1, clock=ManualClock(CLOCK_START))


async def ready(fleet: Fleet) -> SimStation:
    """The only station, once every connector is idle and would take a remote start."""
    station = fleet.stations[0]
    await eventually(lambda: all(c.accepts_remote_start() for c in station.connectors.values()))
    return station


def energy(payload: dict[str, Any]) -> float:
    """The Energy.Active.Import.Register reading of a MeterValues payload."""
    (sample,) = [
        s
        for s in payload["meter_value"][0]["sampled_value"]
        if s["measurand"] == "Energy.Active.Import.Register"
    ]
    assert sample["unit"] == "Wh"
    return float(sample["value"])
