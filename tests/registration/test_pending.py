"""A boot answered Pending (OCPP 1.6 §4.2, 2.x B02), on loopback with real `ocpp` stations:
what the station may send then is answered, anything else is refused with SecurityError,
and the connection stays open for the operator to go on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from ocpp import v16, v201
from ocpp.exceptions import SecurityError
from ocpp.routing import on
from websockets.asyncio.client import connect
from websockets.protocol import State as WsState

from ocppdeck.core.clock import to_iso
from ocppdeck.core.engine import Engine
from ocppdeck.core.wire.frame import Kind
from tests.helpers.engine import frames_of, own_engine, wait_for


class Station201(v201.ChargePoint):
    """A 2.0.1 station that takes TriggerMessage and GetVariables while Pending."""

    def __init__(self, station_id: str, connection: Any) -> None:
        super().__init__(station_id, connection, response_timeout=5)
        self.triggered: list[str] = []

    @on("TriggerMessage")
    def on_trigger_message(self, requested_message: str, **_: Any) -> Any:
        self.triggered.append(requested_message)
        return v201.call_result.TriggerMessage(status="Accepted")

    async def boot(self) -> str:
        answer = await self.call(
            v201.call.BootNotification(
                charging_station={"vendor_name": "ACME", "model": "Duo"}, reason="PowerUp"
            )
        )
        return str(answer.status)

    async def heartbeat(self) -> Any:
        return await self.call(v201.call.Heartbeat(), suppress=False)

    async def status(self) -> Any:
        return await self.call(
            v201.call.StatusNotification(
                timestamp=to_iso(0.0), connector_status="Available", evse_id=1, connector_id=1
            ),
            suppress=False,
        )


class Station16(v16.ChargePoint):
    """A 1.6 station that takes TriggerMessage while Pending."""

    def __init__(self, station_id: str, connection: Any) -> None:
        super().__init__(station_id, connection, response_timeout=5)
        self.triggered: list[str] = []

    @on("TriggerMessage")
    def on_trigger_message(self, requested_message: str, **_: Any) -> Any:
        self.triggered.append(requested_message)
        return v16.call_result.TriggerMessage(status="Accepted")

    async def boot(self) -> str:
        answer = await self.call(
            v16.call.BootNotification(charge_point_vendor="ACME", charge_point_model="Duo")
        )
        return str(answer.status)

    async def heartbeat(self) -> Any:
        return await self.call(v16.call.Heartbeat(), suppress=False)

    async def status(self) -> Any:
        return await self.call(
            v16.call.StatusNotification(connector_id=1, error_code="NoError", status="Available"),
            suppress=False,
        )


VERSIONS = [("ocpp2.0.1", Station201), ("ocpp1.6", Station16)]


@asynccontextmanager
async def pending_station(
    engine: Engine, station_id: str, protocol: str, kind: type
) -> AsyncIterator[tuple[Any, Any]]:
    """A station connected to a CSMS under pending registration, its loop running."""
    ws = await connect(f"{engine.csms.url}/{station_id}", subprotocols=[protocol])
    cp = kind(station_id, ws)
    task = asyncio.create_task(cp.start())
    try:
        yield cp, ws
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await ws.close()


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("protocol", "kind"), VERSIONS)
async def test_a_pending_station_is_refused_with_security_error_and_kept_connected(
    tmp_path: Path, protocol: str, kind: type
) -> None:
    async with (
        own_engine(tmp_path, registration="pending") as engine,
        pending_station(engine, "NEW-1", protocol, kind) as (cp, ws),
    ):
        assert await cp.boot() == "Pending"
        with pytest.raises(SecurityError):
            await cp.heartbeat()
        with pytest.raises(SecurityError):
            await cp.status()
        errors = [f for f in frames_of(engine, "NEW-1") if f.kind is Kind.ERROR]
        assert [f.action for f in errors] == ["SecurityError", "SecurityError"]  # its code
        assert ws.state is WsState.OPEN  # refused, never dropped
        assert await cp.boot() == "Pending"  # a boot is always taken

        # The CSMS may ask for a message while Pending: the one it asked for is taken.
        engine.commands.trigger_message("NEW-1", "StatusNotification", 1)
        await wait_for(lambda: cp.triggered == ["StatusNotification"])
        assert await cp.status() is not None
        with pytest.raises(SecurityError):
            await cp.heartbeat()  # not asked for

        # Accepted by the operator: after its next boot, it may send anything.
        engine.csms.registry.accept("NEW-1")
        assert await cp.boot() == "Accepted"
        assert (await cp.heartbeat()).current_time
        assert ws.state is WsState.OPEN


@pytest.mark.timeout(30)
async def test_a_pending_station_that_reconnects_without_booting_is_refused_too(
    tmp_path: Path,
) -> None:
    async with own_engine(tmp_path, registration="pending") as engine:
        async with pending_station(engine, "NEW-2", "ocpp2.0.1", Station201) as (cp, _):
            assert await cp.boot() == "Pending"
        async with pending_station(engine, "NEW-2", "ocpp2.0.1", Station201) as (cp, ws):
            with pytest.raises(SecurityError):
                await cp.heartbeat()
            assert ws.state is WsState.OPEN
            assert await cp.boot() == "Pending"
