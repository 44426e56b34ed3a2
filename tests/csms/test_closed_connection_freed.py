"""A station's closed connection is freed at once, by reference counting
(core/csms/server.py). The collector of a long run (core/collector.py) freezes what has
lived a while, so a connection kept in a reference cycle would stay in memory until the
frozen set doubled: the CSMS's memory would grow with every reconnect of every station."""

from __future__ import annotations

import asyncio
import base64
import gc
import socket
import struct
import weakref
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from ocpp.v16 import call
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import InvalidStatus
from websockets.protocol import State
from websockets.typing import Subprotocol

from ocppdeck.core.dialects import V16, V201
from ocppdeck.core.engine import Engine
from ocppdeck.core.wire.frame import Direction, Kind
from tests.helpers import station2x
from tests.helpers.certs import make_pki
from tests.helpers.engine import frames_of, own_engine, wait_for
from tests.helpers.simulated import simulated
from tests.helpers.station16 import boot, station

PASSWORD = "station-password-0123456789"


def _cut(connection: ClientConnection, how: str) -> None:
    """Lose the station's link as a network fault does: `dropped` closes the socket (the
    CSMS reads an end of stream), `reset` makes the kernel answer with a reset (the CSMS
    gets ECONNRESET, an error whose traceback runs through its transport)."""
    transport = connection.transport
    if how == "reset":
        linger = struct.pack("ii", 1, 0)  # on, 0 s: close() sends RST at once
        transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
    transport.abort()


@pytest.mark.timeout(30)
@pytest.mark.parametrize("how", ["closed", "dropped", "reset"])
@pytest.mark.parametrize("protocol", [V16.name, V201.name])
async def test_a_closed_connection_needs_no_collection_to_be_freed(
    tmp_path: Path, protocol: str, how: str
) -> None:
    """Closed with a close frame, dropped (the socket gone without one, as a station
    losing power does: websockets keeps the EOFError) or reset by the peer's kernel
    (websockets keeps the ECONNRESET). Its transport (and socket object) goes too."""
    async with own_engine(tmp_path) as engine:
        gc.collect()
        gc.disable()  # only reference counting frees anything from here
        try:
            if protocol == V16.name:
                async with station(engine, "CP1") as cp:
                    await boot(cp)
                    live = engine.csms._live["CP1"]
                    refs = [
                        weakref.ref(o)
                        for o in (live.ws, live.ws.protocol, live.ws.transport, live.session)
                    ]
                    del live
                    if how != "closed":
                        _cut(cp._connection, how)
            else:
                async with station2x.station(engine, protocol, station2x.v201) as cp:
                    live = engine.csms._live["PNC-1"]
                    refs = [
                        weakref.ref(o)
                        for o in (live.ws, live.ws.protocol, live.ws.transport, live.session)
                    ]
                    del live
                    if how != "closed":
                        _cut(cp._connection, how)
            await wait_for(lambda: all(ref() is None for ref in refs))
        finally:
            gc.enable()


@pytest.mark.timeout(30)
@pytest.mark.parametrize("protocol", [V16.name, V201.name])
async def test_a_simulated_station_s_dropped_link_needs_no_collection_to_be_freed(
    tmp_path: Path, protocol: str
) -> None:
    """The demo runs the fleet in the console's process: each reconnect of a simulated
    station must not leave its old link behind either."""
    async with own_engine(tmp_path) as engine, simulated(engine, protocol) as sim:
        old = sim._ws
        assert old is not None
        gc.collect()
        gc.disable()
        try:
            refs = [weakref.ref(o) for o in (old, old.protocol, old.transport, sim._cp)]
            del old
            sim.drop_connection()
            await wait_for(lambda: all(ref() is None for ref in refs))
            await wait_for(lambda: sim.booted, timeout=10)  # and it is back
        finally:
            gc.enable()


def _server_connections() -> int:
    return sum(1 for o in gc.get_objects() if isinstance(o, ServerConnection))


_UPGRADE = (
    "GET /CP9 HTTP/1.1\r\nHost: csms\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp1.6\r\n"
)
_KEY = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"


async def _no_common_subprotocol(url: str, host: str, port: int) -> None:
    with pytest.raises(InvalidStatus):
        async with connect(f"{url}/CP9", subprotocols=[Subprotocol("ocpp9.9")]):
            pass


async def _gone_before_the_answer(url: str, host: str, port: int) -> None:
    _, writer = await asyncio.open_connection(host, port)
    writer.write(f"{_UPGRADE}{_KEY}\r\n".encode())
    await writer.drain()
    writer.transport.abort()


async def _malformed(url: str, host: str, port: int) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"{_UPGRADE}\r\n".encode())  # no Sec-WebSocket-Key
    assert (await reader.read()).startswith(b"HTTP/1.1 400")
    writer.close()


async def _gone_mid_request(url: str, host: str, port: int) -> None:
    _, writer = await asyncio.open_connection(host, port)
    writer.write(_UPGRADE.encode())
    await writer.drain()
    writer.transport.abort()


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "handshake",
    [_no_common_subprotocol, _gone_before_the_answer, _malformed, _gone_mid_request],
    ids=["refused", "gone-before-the-answer", "malformed", "gone-mid-request"],
)
async def test_a_handshake_that_never_opens_needs_no_collection_to_be_freed(
    tmp_path: Path, handshake: Callable[[str, str, int], Awaitable[None]]
) -> None:
    """No handler ever runs for these (a station knocking with the wrong subprotocol or
    password, a broken or hostile client): each must not leave its connection behind."""
    async with own_engine(tmp_path) as engine:
        gc.collect()
        before = _server_connections()
        gc.disable()
        try:
            await handshake(engine.csms.url, "127.0.0.1", engine.csms.port)
            await wait_for(lambda: _server_connections() == before)
        finally:
            gc.enable()
        async with station(engine, "CP1") as cp:  # and the CSMS still takes stations
            await boot(cp)


def _answered(engine: Engine, station_id: str) -> bool:
    return any(
        f.kind is Kind.RESULT and f.direction is Direction.IN for f in frames_of(engine, station_id)
    )


@pytest.mark.timeout(30)
async def test_a_write_to_a_station_gone_needs_no_collection_to_be_freed(tmp_path: Path) -> None:
    """The CSMS learns that a station is gone from a write, not a read (it was not reading
    the station: slowed for its rate, as a flooder is): websockets keeps the write's
    BrokenPipeError, whose traceback runs through the connection's own send."""
    async with own_engine(tmp_path) as engine:
        gc.collect()
        gc.disable()
        try:
            async with station(engine, "CP1") as cp:
                await boot(cp)
                # The CSMS's GetConfiguration after the boot answered: the Reset goes at once.
                await wait_for(lambda: _answered(engine, "CP1"))
                ws = engine.csms._live["CP1"].ws
                ws.transport.pause_reading()
                _cut(cp._connection, "reset")
                await asyncio.sleep(0.1)  # the reset is in; the CSMS has not read it
                engine.csms.submit("CP1", call.Reset(type="Soft"))
                await wait_for(lambda: ws.protocol.state is State.CLOSED)
                assert isinstance(ws.connection_exc, OSError)  # what the write met
                refs = [weakref.ref(ws), weakref.ref(ws.transport)]
                ws = None
            await wait_for(lambda: all(ref() is None for ref in refs))
        finally:
            gc.enable()


@pytest.mark.timeout(30)
@pytest.mark.parametrize("how", ["closed", "dropped"])
async def test_a_closed_tls_connection_needs_no_collection_to_be_freed(
    tmp_path: Path, how: str
) -> None:
    """Over TLS the connection's transport wraps a socket transport, which asyncio leaves
    holding its own read callback once closed, as it does a plain one."""
    pki = make_pki(tmp_path / "pki")
    settings = {"security_profile": 2, "tls_cert": pki.cert, "tls_key": pki.key}
    async with own_engine(tmp_path / "data", registration="closed", **settings) as engine:
        engine.csms.registry.add("CP1", PASSWORD)
        token = base64.b64encode(f"CP1:{PASSWORD}".encode()).decode()
        gc.collect()
        gc.disable()
        try:
            ws = await connect(
                f"{engine.csms.url}/CP1",
                subprotocols=[Subprotocol(V16.name)],
                ssl=pki.client(),
                additional_headers={"Authorization": f"Basic {token}"},
            )
            await wait_for(lambda: "CP1" in engine.csms._live)
            live = engine.csms._live["CP1"]
            outer = live.ws.transport
            refs = [weakref.ref(o) for o in (live.ws, outer, outer._ssl_protocol._transport)]
            del live, outer
            if how == "closed":
                await ws.close()
            else:
                _cut(ws, "dropped")
            await wait_for(lambda: all(ref() is None for ref in refs))
        finally:
            gc.enable()
