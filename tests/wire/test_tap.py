"""The wire tap over a real loopback websocket: every frame captured, and only the answer
to the call in flight let through to the library."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, serve

from ocppdeck.core.clock import ManualClock
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.core.wire.tap import WireTap, is_stray
from tests.helpers.engine import wait_for


@dataclass
class Tapped:
    """A tap on the CSMS side of a connection, the station's side, and what was published."""

    tap: WireTap
    station: ClientConnection
    published: list[Frame] = field(default_factory=list)


@asynccontextmanager
async def tapped() -> AsyncIterator[Tapped]:
    """A connection on 127.0.0.1 with a tap on its server side; closed on leaving."""
    server_side: asyncio.Future[ServerConnection] = asyncio.get_running_loop().create_future()
    done = asyncio.Event()

    async def handle(ws: ServerConnection) -> None:
        server_side.set_result(ws)
        await done.wait()

    async with serve(handle, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}") as station:
            published: list[Frame] = []
            ws = await asyncio.wait_for(server_side, 5)
            tap = WireTap(ws, "CP1", "ocpp1.6", ManualClock(), published.append)
            try:
                yield Tapped(tap, station, published)
            finally:
                done.set()


@pytest.mark.timeout(10)
async def test_only_the_answer_to_the_call_in_flight_goes_on() -> None:
    async with tapped() as t:
        reading = asyncio.create_task(t.tap.recv())
        try:
            await t.station.send('[3,"early",{}]')  # nothing was asked yet
            await wait_for(lambda: t.published)
            await t.tap.send('[2,"c1","GetConfiguration",{}]')
            assert await asyncio.wait_for(t.station.recv(), 5) == '[2,"c1","GetConfiguration",{}]'
            await t.station.send('[3,"other",{"configurationKey":[]}]')
            await t.station.send('[4,"other","GenericError","",{}]')
            await t.station.send('[3,"c1",{"configurationKey":[]}]')
            await t.station.send('[3,"c1",{"configurationKey":[]}]')  # the same answer again
            await t.station.send('[2,"s1","Heartbeat",{}]')
            assert await asyncio.wait_for(reading, 5) == '[3,"c1",{"configurationKey":[]}]'
            assert t.tap.last_call_answered
            assert await asyncio.wait_for(t.tap.recv(), 5) == '[2,"s1","Heartbeat",{}]'
        finally:
            reading.cancel()
    seen = [(f.direction, f.kind, f.unique_id, is_stray(f)) for f in t.published]
    assert seen == [
        (Direction.IN, Kind.MALFORMED, "early", True),
        (Direction.OUT, Kind.CALL, "c1", False),
        (Direction.IN, Kind.MALFORMED, "other", True),
        (Direction.IN, Kind.MALFORMED, "other", True),
        (Direction.IN, Kind.RESULT, "c1", False),
        (Direction.IN, Kind.MALFORMED, "c1", True),
        (Direction.IN, Kind.CALL, "s1", False),
    ]
    stray = t.published[2]
    assert stray.payload == {"error": "answers no call in flight", "kind": "CALLRESULT"}
    assert stray.text == '[3,"other",{"configurationKey":[]}]'


@pytest.mark.timeout(10)
async def test_a_stray_answer_is_recorded_cut_short() -> None:
    big = f'[3,"ghost",{{"pad":"{"x" * 1_000_000}"}}]'
    async with tapped() as t:
        await t.station.send(big)
        await t.station.send("not json")
        assert await asyncio.wait_for(t.tap.recv(), 5) == "not json"  # the session answers it
    stray, unreadable = t.published
    assert is_stray(stray) and stray.unique_id == "ghost"
    assert (
        stray.text.startswith('[3,"ghost",{"pad":"xxx')
        and f"({len(big):,} characters)" in stray.text
    )
    assert len(stray.text) < 300
    assert unreadable.kind is Kind.MALFORMED and not is_stray(unreadable)


@pytest.mark.timeout(10)
async def test_an_answer_leaves_only_after_what_was_recorded_is_handed_on() -> None:
    """The engine flushes its recording in `before_answer`: a station never holds an answer
    (a transaction id) whose request a kill -9 could still take from the recording."""
    async with tapped() as t:
        seen: list[str] = []
        tap = WireTap(
            t.tap.ws,
            "CP1",
            "ocpp1.6",
            ManualClock(),
            lambda frame: seen.append(frame.kind.value),
            lambda: seen.append("flush"),
        )
        await tap.send('[2,"c1","GetConfiguration",{}]')  # a call: nothing to settle first
        await tap.send('[3,"s1",{"transactionId":7}]')
        await tap.send('[4,"s2","NotSupported","",{}]')
        assert seen == ["CALL", "CALLRESULT", "flush", "CALLERROR", "flush"]
        for expected in ("c1", "s1", "s2"):
            assert f'"{expected}"' in await asyncio.wait_for(t.station.recv(), 5)
