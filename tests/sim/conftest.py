"""The simulator's tests share a tiny central system on a free local port."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.server import serve
from websockets.typing import Subprotocol

from tests.helpers.sim_csms import CentralSystem


@pytest.fixture
async def csms() -> AsyncIterator[CentralSystem]:
    system = CentralSystem()
    server = await serve(system.handle, "127.0.0.1", 0, subprotocols=[Subprotocol("ocpp1.6")])
    try:
        system.url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        yield system
    finally:
        server.close()
        await server.wait_closed()
