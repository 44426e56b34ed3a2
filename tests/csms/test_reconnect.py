"""Reconnects over real loopback websockets: one live session per station id, whatever the
old peer does, and nothing the old connection owned is lost on the way to the new one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
import pytest
from ocpp.v16 import call
from ocpp.v16.enums import Action
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from ocppdeck.core.csms.outbound_queue import CallState
from ocppdeck.core.engine import Engine
from ocppdeck.core.wire.frame import Kind
from tests.helpers.engine import frames_of, out_calls, wait_for
from tests.helpers.station16 import DeafToRemoteStart, Station, boot, station

BOOT = '[2,"b1","BootNotification",{"chargePointVendor":"ACME","chargePointModel":"Old"}]'


class DeafToConfiguration(Station):
    """Never answers GetConfiguration (the CSMS's after-boot question); answers the rest."""

    async def route_message(self, raw_msg: str) -> None:
        if f'"{Action.get_configuration.value}"' in raw_msg:
            return
        await super().route_message(raw_msg)


@asynccontextmanager
async def running(cp: Station) -> AsyncIterator[Station]:
    """A station's receive loop, stopped and its socket closed on leaving."""
    task = asyncio.create_task(cp.start())
    try:
        yield cp
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await cp._connection.close()


async def open_link(engine: Engine, station_id: str) -> ClientConnection:
    return await connect(f"{engine.csms.url}/{station_id}", subprotocols=["ocpp1.6"])


def kinds(engine: Engine, station_id: str, kind: Kind) -> list[str]:
    return [f.text for f in frames_of(engine, station_id) if f.kind is kind]


# --- the old peer never answers the close ----------------------------------
@pytest.mark.timeout(20)
async def test_a_reconnect_is_answered_when_the_old_peer_never_answers_the_close(
    engine: Engine,
) -> None:
    old = await open_link(engine, "CP1")
    try:
        await old.send(BOOT)
        assert orjson.loads(await asyncio.wait_for(old.recv(), 5))[0] == 3
        # The old peer goes deaf: it reads nothing more, so it never answers the CSMS's close.
        old.transport.pause_reading()
        async with station(engine, "CP1") as new:
            # The station's own timeout (5 s) is well under websockets' 10 s close wait: the
            # answer comes only because the CSMS stops waiting for the old peer.
            answer = await boot(new)
            assert answer.status == "Accepted"
            assert engine.csms.connected() == ["CP1"]
            await wait_for(lambda: engine.state.stations["CP1"].model == "Twin")
            assert engine.state.is_online(engine.state.stations["CP1"])
            assert kinds(engine, "CP1", Kind.DISCONNECTED) == ["replaced by a new connection"]
            assert len(kinds(engine, "CP1", Kind.CONNECTED)) == 2
            heartbeat = await new.call(call.Heartbeat())
            assert heartbeat.current_time
    finally:
        old.transport.abort()


# --- two connections racing with one id ------------------------------------
@pytest.mark.timeout(30)
async def test_racing_connections_leave_one_live_session_with_the_queue(engine: Engine) -> None:
    async with station(engine, "CP1") as cp:
        await boot(cp)
        await wait_for(lambda: engine.state.stations["CP1"].declared_evses == 2)
    await wait_for(lambda: not engine.csms.is_connected("CP1"))
    # Five connections with its id come at once.
    links = await asyncio.gather(*(open_link(engine, "CP1") for _ in range(5)))
    try:
        # Each connection replaced the one before: all but one are closed by the CSMS.
        await wait_for(lambda: sum(link.close_code is not None for link in links) == 4, 10)
        [survivor] = [link for link in links if link.close_code is None]
        closed = [link for link in links if link is not survivor]
        assert all(link.close_code == 1000 for link in closed)
        assert all("replaced" in (link.close_reason or "") for link in closed)
        assert engine.csms.connected() == ["CP1"]
        assert len(kinds(engine, "CP1", Kind.CONNECTED)) == 1 + 5
        assert len(kinds(engine, "CP1", Kind.DISCONNECTED)) == 1 + 4
        async with running(Station("CP1", survivor)) as cp:
            await cp.call(call.Heartbeat())  # its first message: the queue may follow
            # The queue went with the survivor, not with one of the closed ones.
            command = engine.commands.remote_start("CP1", 1, "TAG-1")
            assert (await asyncio.wait_for(command.future, 10)).accepted
            assert cp.remote_starts == [(1, "TAG-1")]
            assert (await boot(cp)).status == "Accepted"
            assert engine.state.is_online(engine.state.stations["CP1"])
    finally:
        for link in links:
            await link.close()
    await wait_for(lambda: not engine.csms.is_connected("CP1"))
    assert len(kinds(engine, "CP1", Kind.DISCONNECTED)) == 1 + 5


@pytest.mark.timeout(30)
async def test_a_command_queued_behind_an_unanswered_one_goes_to_the_successor(
    engine: Engine,
) -> None:
    async with running(DeafToRemoteStart("CP1", await open_link(engine, "CP1"))) as old:
        await boot(old)
        await wait_for(lambda: engine.state.stations["CP1"].declared_evses == 2)
        lost = engine.commands.remote_start("CP1", 1, "TAG-1")  # the old peer never answers
        await wait_for(lambda: len(out_calls(engine, "CP1", "RemoteStartTransaction")) == 1)
        queued = engine.commands.remote_start("CP1", 2, "TAG-2")
        assert queued.state is CallState.QUEUED
        async with station(engine, "CP1") as new:
            await new.call(call.Heartbeat())  # its first message: the queue may follow
            assert (await asyncio.wait_for(queued.future, 10)).accepted
            assert new.remote_starts == [(2, "TAG-2")]
            # The call the old connection took with it is reported lost, not sent twice.
            assert (await asyncio.wait_for(lost.future, 5)).status == "ConnectionLost"
            assert old.remote_starts == []


# --- the after-boot question ------------------------------------------------
@pytest.mark.timeout(30)
async def test_the_unanswered_after_boot_question_is_asked_on_the_next_connection(
    engine: Engine,
) -> None:
    async with running(DeafToConfiguration("CP1", await open_link(engine, "CP1"))) as deaf:
        await boot(deaf)
        await wait_for(lambda: len(out_calls(engine, "CP1", "GetConfiguration")) == 1)
    await wait_for(lambda: not engine.csms.is_connected("CP1"))
    assert engine.state.stations["CP1"].declared_evses is None
    # It comes back without booting (a 1.6 station boots only when it restarts).
    async with station(engine, "CP1") as cp:
        await cp.call(call.Heartbeat())  # its first message: the question may follow
        await wait_for(lambda: engine.state.stations["CP1"].declared_evses == 2)
        assert len(out_calls(engine, "CP1", "GetConfiguration")) == 2
    # Answered now: the next connection is not asked again.
    async with station(engine, "CP1") as cp:
        await cp.call(call.Heartbeat())  # the question would have been queued on connecting
        asks = [c for c in engine.csms.commands_overview() if c.action == "GetConfiguration"]
        assert len(asks) == 2


@pytest.mark.timeout(30)
async def test_a_successor_is_asked_what_its_replaced_connection_left_unanswered(
    engine: Engine,
) -> None:
    async with running(DeafToConfiguration("CP1", await open_link(engine, "CP1"))) as deaf:
        await boot(deaf)
        await wait_for(lambda: len(out_calls(engine, "CP1", "GetConfiguration")) == 1)
        async with station(engine, "CP1") as cp:
            await cp.call(call.Heartbeat())  # its first message: the question may follow
            await wait_for(lambda: engine.state.stations["CP1"].declared_evses == 2)
            assert len(out_calls(engine, "CP1", "GetConfiguration")) == 2


@pytest.mark.timeout(30)
async def test_a_boot_while_the_question_is_out_does_not_ask_twice(engine: Engine) -> None:
    async with running(DeafToConfiguration("CP1", await open_link(engine, "CP1"))) as deaf:
        await boot(deaf)
        await wait_for(lambda: len(out_calls(engine, "CP1", "GetConfiguration")) == 1)
        await boot(deaf)  # booted again while the first question waits for its answer
        await deaf.call(call.Heartbeat())
        asks = [c for c in engine.csms.commands_overview() if c.action == "GetConfiguration"]
        assert len(asks) == 1


# --- an upgrade without a subprotocol ---------------------------------------
@pytest.mark.timeout(20)
async def test_an_upgrade_without_a_subprotocol_makes_no_station(engine: Engine) -> None:
    with pytest.raises(InvalidStatus) as caught:
        async with connect(f"{engine.csms.url}/NOPROTO"):
            pass
    assert caught.value.response.status_code == 400
    await wait_for(lambda: kinds(engine, "NOPROTO", Kind.REFUSED))
    [refused] = kinds(engine, "NOPROTO", Kind.REFUSED)
    assert "subprotocol" in refused
    assert "NOPROTO" not in engine.state.stations
    assert engine.csms.connected() == []
    # A station that speaks OCPP after it is let in as usual.
    async with station(engine, "NOPROTO") as cp:
        await boot(cp)
        assert engine.csms.connected() == ["NOPROTO"]


@pytest.mark.timeout(30)
async def test_every_connection_of_a_reconnect_storm_ends_once(engine: Engine) -> None:
    for _ in range(3):
        links = await asyncio.gather(*(open_link(engine, "CP1") for _ in range(3)))
        for link in links:
            await link.close()
    await wait_for(lambda: not engine.csms.is_connected("CP1"))
    await wait_for(lambda: len(kinds(engine, "CP1", Kind.DISCONNECTED)) == 9)
    assert len(kinds(engine, "CP1", Kind.CONNECTED)) == 9
    assert not engine.state.is_online(engine.state.stations["CP1"])
    async with station(engine, "CP1") as cp:
        assert (await boot(cp)).status == "Accepted"
        assert engine.csms.connected() == ["CP1"]
