"""A booted 2.x station of the `ocpp` library on a test engine, and the versions it speaks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any

from ocpp import v21, v201
from websockets.asyncio.client import connect

from ocppdeck.core.engine import Engine

VERSIONS = [("ocpp2.0.1", v201), ("ocpp2.1", v21)]


@asynccontextmanager
async def station(engine: Engine, protocol: str, lib: ModuleType) -> AsyncIterator[Any]:
    """A booted 2.x station of the library, its receive loop running; gone on leaving."""
    ws = await connect(f"{engine.csms.url}/PNC-1", subprotocols=[protocol])
    cp = lib.ChargePoint("PNC-1", ws, response_timeout=15)
    task = asyncio.create_task(cp.start())
    try:
        await cp.call(
            lib.call.BootNotification(
                charging_station={"vendor_name": "ACME", "model": "PnC"}, reason="PowerUp"
            ),
            suppress=False,
        )
        yield cp
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await ws.close()
