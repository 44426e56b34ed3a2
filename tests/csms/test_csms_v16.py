"""The 1.6 CSMS over real loopback websockets, with real `ocpp` ChargePoints as stations."""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from ocpp.v16 import call, call_result
from ocpp.v16.enums import RemoteStartStopStatus
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from ocppdeck.core.clock import to_iso
from ocppdeck.core.csms.outbound_queue import CallState, QueuedCall, StationQueue
from ocppdeck.core.csms.store import IdTag
from ocppdeck.core.disk.formats import ImportReport
from ocppdeck.core.engine import Engine
from ocppdeck.core.wire.frame import Direction, Kind
from tests.helpers.engine import (
    frames_of,
    make_settings,
    out_calls,
    own_engine,
    partner_of,
    wait_for,
)
from tests.helpers.folded import project, recorded
from tests.helpers.station16 import DeafToRemoteStart, Station, boot, meter_value, raw_call, station


# --- boot, configuration, status -----------------------------------------
@pytest.mark.timeout(20)
async def test_boot_is_accepted_and_station_appears(engine: Engine) -> None:
    async with station(engine, "CP1") as cp:
        answer = await boot(cp)
        assert answer.status == "Accepted"
        assert answer.interval == 30
        await wait_for(lambda: "CP1" in engine.state.stations)
        st1 = engine.state.stations["CP1"]
        assert (st1.vendor, st1.model, st1.firmware) == ("ACME", "Twin", "1.2")
        assert st1.protocol == "ocpp1.6"
        assert st1.boot_status == "Accepted"
        assert engine.state.is_online(st1)
        assert engine.csms.connected() == ["CP1"]
    await wait_for(lambda: not engine.state.is_online(engine.state.stations["CP1"]))
    assert engine.csms.connected() == []


@pytest.mark.timeout(20)
async def test_after_boot_the_csms_asks_the_connector_count(engine: Engine) -> None:
    async with station(engine, "CP1") as cp:
        await boot(cp)
        await wait_for(lambda: engine.state.stations["CP1"].declared_evses == 2)
        [ask] = out_calls(engine, "CP1", "GetConfiguration")
        assert ask.payload == {"key": ["NumberOfConnectors"]}


@pytest.mark.timeout(20)
async def test_status_notifications_land_in_state(engine: Engine) -> None:
    async with station(engine, "CP1") as cp:
        await boot(cp)
        now = time.time()
        for cid, value in [(0, "Available"), (1, "Charging"), (2, "Faulted")]:
            await cp.call(
                call.StatusNotification(
                    connector_id=cid,
                    error_code="GroundFailure" if value == "Faulted" else "NoError",
                    status=value,
                    timestamp=to_iso(now),
                )
            )
        await wait_for(lambda: 2 in engine.state.stations["CP1"].evses)
        st1 = engine.state.stations["CP1"]
        assert st1.status == "Available"
        assert st1.evses[1].status == "Charging"
        assert (st1.evses[2].status, st1.evses[2].error_code) == (
            "Faulted",
            "GroundFailure",
        )
        await wait_for(lambda: st1.declared_evses == 2)
        assert engine.state.stations["CP1"].evses.keys() == {1, 2}


# --- authorization --------------------------------------------------------
@pytest.mark.timeout(20)
async def test_authorize_by_store_and_settings(tmp_path: Path) -> None:
    async with own_engine(tmp_path, accept_unknown_tags=False) as live:
        live.store.put_id_tag(IdTag("GOOD"))
        live.store.put_id_tag(IdTag("BAD", status="Blocked"))
        async with station(live, "CP1") as cp:
            await boot(cp)
            unknown = await cp.call(call.Authorize(id_tag="STRANGER"))
            good = await cp.call(call.Authorize(id_tag="GOOD"))
            bad = await cp.call(call.Authorize(id_tag="BAD"))
    assert unknown.id_tag_info["status"] == "Invalid"
    assert good.id_tag_info["status"] == "Accepted"
    assert bad.id_tag_info["status"] == "Blocked"


@pytest.mark.timeout(20)
async def test_unknown_tag_accepted_when_settings_allow(engine: Engine) -> None:
    async with station(engine, "CP1") as cp:
        answer = await cp.call(call.Authorize(id_tag="STRANGER"))
    assert answer.id_tag_info["status"] == "Accepted"


# --- transactions ---------------------------------------------------------
@pytest.mark.timeout(20)
async def test_full_transaction(engine: Engine) -> None:
    t0 = time.time()
    async with station(engine, "CP1") as cp:
        await boot(cp)
        started = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag="TAG-1", meter_start=1000, timestamp=to_iso(t0)
            )
        )
        tx_id = started.transaction_id
        assert isinstance(tx_id, int)
        assert started.id_tag_info["status"] == "Accepted"
        await wait_for(lambda: engine.state.open_transaction_on("CP1", 1) is not None)
        tx = engine.state.open_transaction_on("CP1", 1)
        assert tx is not None
        assert (tx.transaction_id, tx.id_tag, tx.meter_start) == (str(tx_id), "TAG-1", 1000)

        for i, (energy, power) in enumerate([(1400, 7000), (1900, 7200), (2500, 7100)], 1):
            await cp.call(
                call.MeterValues(
                    connector_id=1,
                    transaction_id=tx_id,
                    meter_value=[meter_value(t0 + 10 * i, energy, power)],
                )
            )
        conn = engine.state.stations["CP1"].evses[1]
        await wait_for(lambda: conn.energy_wh == 2500)
        assert conn.power_w == 7100
        assert engine.state.energy_so_far(tx) == 1500

        await cp.call(
            call.StopTransaction(
                meter_stop=3100,
                timestamp=to_iso(t0 + 60),
                transaction_id=tx_id,
                reason="EVDisconnected",
                id_tag="TAG-1",
                transaction_data=[meter_value(t0 + 50, 3000, 6900)],
            )
        )
        await wait_for(lambda: not tx.is_open)
    assert engine.state.open_transactions() == []
    assert tx.meter_stop == 3100
    assert tx.stop_reason == "EVDisconnected"
    assert engine.state.energy_so_far(tx) == 2100
    assert conn.energy_wh == 3100
    # The recording alone holds the transaction: a replay folds it the same.
    await engine.close()
    replayed = project(recorded(engine.settings.recording_path))
    again = replayed.transactions[("CP1", str(tx_id))]
    assert (again.meter_start, again.meter_stop, again.stop_reason) == (
        1000,
        3100,
        "EVDisconnected",
    )


@pytest.mark.timeout(20)
async def test_transaction_ids_differ_per_start(engine: Engine) -> None:
    async with station(engine, "CP1") as cp:
        ids = []
        for cid in (1, 2):
            started = await cp.call(
                call.StartTransaction(
                    connector_id=cid, id_tag="T", meter_start=0, timestamp=to_iso(time.time())
                )
            )
            ids.append(started.transaction_id)
    assert ids[0] < ids[1]


# --- commands -------------------------------------------------------------
@pytest.mark.timeout(20)
async def test_remote_start_and_stop(engine: Engine) -> None:
    async with station(engine, "CP1") as cp:
        await boot(cp)
        await wait_for(lambda: engine.state.stations["CP1"].declared_evses == 2)

        command = engine.commands.remote_start("CP1", 1, "TAG-9")
        outcome = await asyncio.wait_for(command.future, 5)
        assert outcome.accepted
        assert (outcome.state, outcome.status) == (CallState.ANSWERED, "Accepted")
        assert cp.remote_starts == [(1, "TAG-9")]
        [request] = out_calls(engine, "CP1", "RemoteStartTransaction")
        assert request.payload == {"idTag": "TAG-9", "connectorId": 1}
        reply = partner_of(engine, request)
        assert reply is not None
        assert (reply.kind, reply.direction, reply.payload) == (
            Kind.RESULT,
            Direction.IN,
            {"status": "Accepted"},
        )

        started = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag="TAG-9", meter_start=0, timestamp=to_iso(time.time())
            )
        )
        await wait_for(lambda: engine.state.open_transaction_on("CP1", 1) is not None)
        command = engine.commands.remote_stop("CP1", 1)
        outcome = await asyncio.wait_for(command.future, 5)
        assert outcome.accepted
        assert cp.remote_stops == [started.transaction_id]
        [request] = out_calls(engine, "CP1", "RemoteStopTransaction")
        assert request.payload == {"transactionId": started.transaction_id}
        reply = partner_of(engine, request)
        assert reply is not None
        assert reply.payload == {"status": "Accepted"}


@pytest.mark.timeout(20)
async def test_unanswered_command_times_out_and_the_next_one_still_goes(tmp_path: Path) -> None:
    async with (
        own_engine(tmp_path, call_timeout=0.5) as live,
        station(live, "CP1", DeafToRemoteStart) as cp,
    ):
        await boot(cp)
        await wait_for(lambda: live.state.stations["CP1"].declared_evses == 2)
        first = live.commands.remote_start("CP1", 1, "TAG-1")
        second = live.csms.submit("CP1", call.GetConfiguration(key=["NumberOfConnectors"]))
        outcome = await asyncio.wait_for(first.future, 5)
        assert outcome.state is CallState.TIMED_OUT
        assert outcome.status == "Timeout"
        assert not outcome.accepted
        follow_up = await asyncio.wait_for(second.future, 5)
        assert follow_up.state is CallState.ANSWERED
        asks = out_calls(live, "CP1", "GetConfiguration")
        [remote] = out_calls(live, "CP1", "RemoteStartTransaction")
        assert len(asks) == 2
        assert asks[1].seq > remote.seq
        assert asks[1].ts - remote.ts >= 0.4
        assert partner_of(live, remote) is None
        assert cp.remote_starts == []


@pytest.mark.timeout(20)
async def test_command_for_offline_station_waits_and_goes_on_reconnect(engine: Engine) -> None:
    async with station(engine, "CP1") as cp:
        await boot(cp)
        await wait_for(lambda: engine.state.stations["CP1"].declared_evses == 2)
    await wait_for(lambda: not engine.csms.is_connected("CP1"))
    command = engine.commands.remote_start("CP1", 2, "TAG-2")
    await asyncio.sleep(0.1)
    assert command.state is CallState.QUEUED
    async with station(engine, "CP1") as cp:
        await cp.call(call.Heartbeat())  # back without a reboot: the queue follows this answer
        outcome = await asyncio.wait_for(command.future, 5)
        assert outcome.accepted
        assert cp.remote_starts == [(2, "TAG-2")]


class GatedSession:
    """A stand-in for a session's `call`: answers Accepted when its gate opens."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.gate = asyncio.Event()

    async def call(self, payload: Any, suppress: bool = True) -> Any:
        self.sent.append(payload)
        await self.gate.wait()
        return call_result.RemoteStartTransaction(status=RemoteStartStopStatus.accepted)


@pytest.mark.timeout(20)
async def test_replaced_session_never_sends_again() -> None:
    """An answer landing in the same loop turn as a reconnect must not revive the old worker."""
    queue = StationQueue("CP1", timeout=5)
    old, new = GatedSession(), GatedSession()
    try:
        queue.attach(old)
        first = queue.enqueue(QueuedCall("CP1", "first", id=1))
        await wait_for(lambda: old.sent == ["first"])
        old.gate.set()  # the old station answers...
        queue.attach(new)  # ...just as the station reconnects
        second = queue.enqueue(QueuedCall("CP1", "second", id=2))
        new.gate.set()
        assert (await asyncio.wait_for(second.future, 5)).accepted
        await asyncio.wait_for(first.future, 5)
        await asyncio.sleep(0.05)
        assert old.sent == ["first"]
        assert new.sent == ["second"]
    finally:
        await queue.close()


# --- connections ----------------------------------------------------------
@pytest.mark.timeout(20)
async def test_reconnect_with_same_id_replaces_old_session(engine: Engine) -> None:
    old_ws = await connect(f"{engine.csms.url}/CP1", subprotocols=["ocpp1.6"])
    old = Station("CP1", old_ws)
    old_task = asyncio.create_task(old.start())
    try:
        await boot(old)
        async with station(engine, "CP1") as new:
            await asyncio.wait_for(old_ws.wait_closed(), 5)
            assert old_ws.close_code == 1000
            assert "replaced" in (old_ws.close_reason or "")
            await asyncio.wait_for(asyncio.gather(old_task, return_exceptions=True), 5)
            answer = await new.call(call.Heartbeat())
            assert answer.current_time
            assert engine.csms.connected() == ["CP1"]
            assert engine.state.is_online(engine.state.stations["CP1"])
            connected = [f for f in frames_of(engine, "CP1") if f.kind is Kind.CONNECTED]
            disconnected = [f for f in frames_of(engine, "CP1") if f.kind is Kind.DISCONNECTED]
            assert len(connected) == 2
            assert len(disconnected) == 1
            assert "replaced" in disconnected[0].text
            # Commands now go through the new session.
            command = engine.commands.remote_start("CP1", 1, "TAG-1")
            assert (await asyncio.wait_for(command.future, 5)).accepted
            assert new.remote_starts == [(1, "TAG-1")]
    finally:
        old_task.cancel()
        await asyncio.gather(old_task, return_exceptions=True)
        await old_ws.close()


@pytest.mark.timeout(20)
async def test_malformed_text_gets_callerror_and_connection_stays_open(engine: Engine) -> None:
    async with station(engine, "GOOD") as good:
        await boot(good)
        async with connect(f"{engine.csms.url}/RAW", subprotocols=["ocpp1.6"]) as ws:
            # 1.6's own words (tests/csms/test_call_errors.py has every case and version).
            not_json = await raw_call(ws, "not json")
            assert not_json[:3] == [4, "-1", "FormationViolation"]
            bad_payload = await raw_call(ws, '[2,"u1","Heartbeat",{"bad":1}]')
            assert bad_payload[:3] == [4, "u1", "OccurenceConstraintViolation"]
            unknown = await raw_call(ws, '[2,"u3","NoSuchAction",{}]')
            assert unknown[:3] == [4, "u3", "NotImplemented"]
            missing = await raw_call(ws, '[2,"u4","StatusNotification",{"connectorId":1}]')
            assert missing[:3] == [4, "u4", "OccurenceConstraintViolation"]
            # An unknown message type and a broken answer get no reply: the next reply is
            # the heartbeat's.
            await ws.send('[9,"u2"]')
            await ws.send('[3,"u5"]')
            alive = await raw_call(ws, '[2,"h1","Heartbeat",{}]')
            assert alive[:2] == [3, "h1"]
            assert "currentTime" in alive[2]

            assert engine.csms.connected() == ["GOOD", "RAW"]
            beat = await good.call(call.Heartbeat())
            assert beat.current_time
            raw_frames = frames_of(engine, "RAW")
            malformed = [f for f in raw_frames if f.kind is Kind.MALFORMED]
            assert [f.text for f in malformed] == ["not json", '[9,"u2"]', '[3,"u5"]']
            assert engine.state.stations["RAW"].errors == 7  # 3 unreadable, 4 CallErrors
            assert engine.state.stations["GOOD"].errors == 0


@pytest.mark.timeout(20)
async def test_unsupported_subprotocol_is_refused(engine: Engine) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await connect(f"{engine.csms.url}/CP15", subprotocols=["ocpp1.5"])
    assert refused.value.response.status_code == 400
    [frame] = frames_of(engine, "CP15")
    assert frame.kind is Kind.REFUSED
    assert "ocpp1.5" in frame.text
    assert "CP15" not in engine.state.stations  # recorded, but a refusal makes no station
    assert engine.csms.connected() == []


@pytest.mark.timeout(20)
async def test_wrong_path_is_not_found(engine: Engine) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await connect(f"{engine.csms.url}/a/b/c", subprotocols=["ocpp1.6"])
    assert refused.value.response.status_code == 404


@pytest.mark.timeout(20)
async def test_ocpp_prefixed_path_is_accepted(engine: Engine) -> None:
    async with connect(f"{engine.csms.url}/ocpp/CP7", subprotocols=["ocpp1.6"]) as ws:
        reply = await raw_call(ws, '[2,"h","Heartbeat",{}]')
        assert reply[:2] == [3, "h"]
        assert engine.csms.connected() == ["CP7"]


@pytest.mark.timeout(20)
async def test_metrics_over_plain_http(engine: Engine) -> None:
    async with station(engine, "CP1") as cp:
        await boot(cp)
        await wait_for(lambda: engine.state.stations["CP1"].declared_evses == 2)
        url = f"http://127.0.0.1:{engine.csms.port}/metrics"

        def fetch() -> tuple[int, str]:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read().decode()

        status, body = await asyncio.to_thread(fetch)
    assert status == 200
    assert "ocppdeck_frames_total" in body
    assert 'ocppdeck_frames_total{direction="in",kind="CALL"} 1.0' in body
    assert "ocppdeck_stations_connected 1.0" in body
    # The boot's round trip (a station's call) and the GetConfiguration's (the CSMS's).
    for way in ("in", "out"):
        assert f'ocppdeck_call_round_trip_seconds_count{{direction="{way}"}} 1.0' in body
        assert f'ocppdeck_call_round_trip_seconds_bucket{{direction="{way}",le="+Inf"}} 1.0' in body


@pytest.mark.timeout(20)
async def test_plain_http_request_is_no_station(engine: Engine) -> None:
    """A browser asking for /favicon.ico must not add a station to the console."""
    url = f"http://127.0.0.1:{engine.csms.port}/favicon.ico"

    def fetch() -> int:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    assert await asyncio.to_thread(fetch) == 426
    assert "favicon.ico" not in engine.state.stations
    assert frames_of(engine, "favicon.ico") == []


# --- recording ------------------------------------------------------------
@pytest.mark.timeout(20)
async def test_every_frame_is_recorded(tmp_path: Path) -> None:
    live = Engine(make_settings(tmp_path))
    await live.start()
    try:
        async with station(live, "CP1") as cp:
            await boot(cp)
            await wait_for(lambda: live.state.stations["CP1"].declared_evses == 2)
            await cp.call(call.Heartbeat())
        async with station(live, "CP2") as cp2:
            await boot(cp2)
            await live.close()  # CP2 is still connected
    finally:
        await live.close()
    report = ImportReport()
    frames = recorded(live.settings.recording_path, report)
    assert report.skipped == []
    assert len(frames) == len(live.frames)
    assert frames == [live.frames.get(p) for p in live.frames.positions()]
    kinds = [f.kind for f in frames if f.station == "CP2"]
    assert kinds[0] is Kind.CONNECTED
    assert kinds[-1] is Kind.DISCONNECTED
