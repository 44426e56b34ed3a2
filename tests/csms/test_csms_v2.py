"""The 2.0.1 / 2.1 CSMS over real loopback websockets, with real `ocpp` ChargePoints."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import pytest
from ocpp import v21, v201
from ocpp.routing import after, on
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from ocppdeck.core.clock import to_iso
from ocppdeck.core.config import SettingsError, load_settings
from ocppdeck.core.engine import Engine
from ocppdeck.core.model.answers import answers
from ocppdeck.core.model.state import CountVerdict, connector_count
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.tui.widgets.stations_table import station_row
from tests.helpers.engine import frames_of, out_calls, own_engine, wait_for
from tests.helpers.folded import project, recorded

ENERGY = "Energy.Active.Import.Register"
VERSIONS = [("ocpp2.0.1", v201), ("ocpp2.1", v21)]


class _Station:
    """A 2.x station that answers the base report (in two parts) and remote start/stop."""

    lib: ModuleType
    # (evse, connector) pairs it reports; EVSE 1 has two connectors
    layout = ((1, 1), (1, 2), (2, 1))

    def __init__(self, station_id: str, connection: Any) -> None:
        super().__init__(station_id, connection, response_timeout=5)  # type: ignore[call-arg]
        self.report_requests: list[dict[str, Any]] = []
        self.starts: list[dict[str, Any]] = []
        self.stops: list[str] = []
        self.asked: list[tuple[str, Any]] = []
        self._tasks: set[asyncio.Task[Any]] = set()

    @on("GetBaseReport")
    def on_get_base_report(self, request_id: int, report_base: str, **_: Any) -> Any:
        self.report_requests.append({"request_id": request_id, "report_base": report_base})
        return self.lib.call_result.GetBaseReport(status="Accepted")

    @after("GetBaseReport")
    def after_get_base_report(self, request_id: int, **_: Any) -> None:
        task = asyncio.create_task(self.send_report(request_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def send_report(self, request_id: int) -> None:
        def item(name: str, evse: dict[str, int]) -> dict[str, Any]:
            return {
                "component": {"name": name, "evse": evse},
                "variable": {"name": "AvailabilityState"},
                "variable_attribute": [{"value": "Available"}],
            }

        evses = sorted({e for e, _ in self.layout})
        first = [item("EVSE", {"id": e}) for e in evses]
        second = [item("Connector", {"id": e, "connector_id": c}) for e, c in self.layout]
        now = to_iso(time.time())
        # The second part first: parts are united whatever their order.
        for seq, (data, tbc) in enumerate([(second, True), (first, False)]):
            await self.call(
                self.lib.call.NotifyReport(
                    request_id=request_id,
                    generated_at=now,
                    seq_no=seq,
                    report_data=data,
                    tbc=tbc,
                )
            )

    @on("RequestStartTransaction")
    def on_request_start(self, id_token: dict[str, Any], remote_start_id: int, **extra: Any) -> Any:
        self.starts.append({"id_token": id_token, "remote_start_id": remote_start_id, **extra})
        return self.lib.call_result.RequestStartTransaction(status="Accepted")

    @on("RequestStopTransaction")
    def on_request_stop(self, transaction_id: str, **_: Any) -> Any:
        self.stops.append(transaction_id)
        return self.lib.call_result.RequestStopTransaction(status="Accepted")

    @on("Reset")
    def on_reset(self, type: str, **_: Any) -> Any:
        self.asked.append(("Reset", type))
        return self.lib.call_result.Reset(status="Accepted")

    @on("UnlockConnector")
    def on_unlock(self, evse_id: int, connector_id: int, **_: Any) -> Any:
        self.asked.append(("UnlockConnector", (evse_id, connector_id)))
        return self.lib.call_result.UnlockConnector(status="Unlocked")

    @on("ChangeAvailability")
    def on_change_availability(self, operational_status: str, **extra: Any) -> Any:
        self.asked.append(("ChangeAvailability", (operational_status, extra.get("evse"))))
        return self.lib.call_result.ChangeAvailability(status="Accepted")

    @on("TriggerMessage")
    def on_trigger_message(self, requested_message: str, **_: Any) -> Any:
        self.asked.append(("TriggerMessage", requested_message))
        return self.lib.call_result.TriggerMessage(status="Accepted")

    @on("GetVariables")
    def on_get_variables(self, get_variable_data: list[dict[str, Any]], **_: Any) -> Any:
        self.asked.append(("GetVariables", get_variable_data[0]["variable"]["name"]))
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
    def on_set_variables(self, set_variable_data: list[dict[str, Any]], **_: Any) -> Any:
        self.asked.append(("SetVariables", set_variable_data[0]["attribute_value"]))
        results = [
            {
                "attribute_status": "Accepted",
                "component": d["component"],
                "variable": d["variable"],
            }
            for d in set_variable_data
        ]
        return self.lib.call_result.SetVariables(set_variable_result=results)


class StationV201(_Station, v201.ChargePoint):
    lib = v201


class StationV21(_Station, v21.ChargePoint):
    lib = v21


STATIONS = {"ocpp2.0.1": StationV201, "ocpp2.1": StationV21}


@asynccontextmanager
async def station(engine: Engine, station_id: str, protocol: str) -> AsyncIterator[Any]:
    """A connected 2.x station with its receive loop running; disconnected on exit."""
    ws = await connect(f"{engine.csms.url}/{station_id}", subprotocols=[protocol])
    cp = STATIONS[protocol](station_id, ws)
    task = asyncio.create_task(cp.start())
    try:
        yield cp
    finally:
        task.cancel()
        await asyncio.gather(task, *cp._tasks, return_exceptions=True)
        await ws.close()


async def boot(cp: Any) -> Any:
    return await cp.call(
        cp.lib.call.BootNotification(
            charging_station={"vendor_name": "ACME", "model": "Duo", "firmware_version": "2.0"},
            reason="PowerUp",
        )
    )


def meter(ts: float, energy_wh: float) -> list[dict[str, Any]]:
    return [
        {
            "timestamp": to_iso(ts),
            "sampled_value": [{"value": energy_wh, "measurand": ENERGY}],
        }
    ]


# --- boot, base report, status ---------------------------------------------
@pytest.mark.timeout(20)
@pytest.mark.parametrize(("protocol", "lib"), VERSIONS)
async def test_boot_asks_the_base_report_and_it_declares_the_evses(
    engine: Engine, protocol: str, lib: ModuleType
) -> None:
    async with station(engine, "CS1", protocol) as cp:
        answer = await boot(cp)
        assert answer.status == "Accepted"
        assert answer.interval == 30
        await wait_for(lambda: cp.report_requests)
        assert cp.report_requests[0]["report_base"] == "FullInventory"
        st = engine.state.stations["CS1"]
        assert st.protocol == protocol
        assert (st.vendor, st.model, st.firmware) == ("ACME", "Duo", "2.0")
        assert st.boot_status == "Accepted"
        layout = {(1, 0), (2, 0), (1, 1), (1, 2), (2, 1)}
        await wait_for(lambda: st.declared_layout == layout)  # both parts, united
        assert st.declared_evses == 2
        [ask] = out_calls(engine, "CS1", "GetBaseReport")
        assert ask.payload["reportBase"] == "FullInventory"
        assert connector_count(st).verdict is CountVerdict.MISSING  # none seen yet

        now = time.time()
        for evse, conn, status in [(1, 1, "Available"), (1, 2, "Occupied"), (2, 1, "Faulted")]:
            await cp.call(
                lib.call.StatusNotification(
                    timestamp=to_iso(now),
                    connector_status=status,
                    evse_id=evse,
                    connector_id=conn,
                )
            )
        await wait_for(lambda: 2 in st.evses)
        assert st.evses.keys() == {1, 2}
        assert {n: p.status for n, p in st.evses[1].connectors.items()} == {
            1: "Available",
            2: "Occupied",
        }
        assert st.evses[2].connectors[1].status == "Faulted"
        count = connector_count(st)
        assert (count.declared, count.seen, count.verdict) == (2, 2, CountVerdict.OK)
        stations = answers(engine.state)["stations"]
        assert list(stations["CS1"]["connectors"]) == ["1/1", "1/2", "2"]
        assert stations["CS1"]["connectorCountCorrect"] is True
        beat = await cp.call(lib.call.Heartbeat())
        assert beat.current_time


# --- transactions ------------------------------------------------------------
@pytest.mark.timeout(20)
@pytest.mark.parametrize(("protocol", "lib"), VERSIONS)
async def test_a_full_transaction_lands_with_its_energy(
    engine: Engine, protocol: str, lib: ModuleType
) -> None:
    async with station(engine, "CS1", protocol) as cp:
        await boot(cp)
        auth = await cp.call(lib.call.Authorize(id_token={"id_token": "TAG-7", "type": "ISO14443"}))
        assert auth.id_token_info["status"] == "Accepted"
        t0 = time.time()
        tx = {"transaction_id": "tx-abc-1"}
        started = await cp.call(
            lib.call.TransactionEvent(
                event_type="Started",
                timestamp=to_iso(t0),
                trigger_reason="Authorized",
                seq_no=0,
                transaction_info={**tx, "charging_state": "Charging"},
                id_token={"id_token": "TAG-7", "type": "ISO14443"},
                evse={"id": 2, "connector_id": 1},
                meter_value=meter(t0, 1000),
            )
        )
        assert started.id_token_info["status"] == "Accepted"
        await cp.call(
            lib.call.TransactionEvent(
                event_type="Updated",
                timestamp=to_iso(t0 + 60),
                trigger_reason="MeterValuePeriodic",
                seq_no=1,
                transaction_info=tx,
                meter_value=meter(t0 + 60, 2500),
                offline=True,
            )
        )
        await wait_for(lambda: engine.state.open_transaction_on("CS1", 2) is not None)
        open_tx = engine.state.open_transaction_on("CS1", 2)
        assert open_tx is not None and open_tx.transaction_id == "tx-abc-1"
        assert open_tx.id_tag == "TAG-7"
        await wait_for(lambda: engine.state.energy_so_far(open_tx) == 1500.0)
        [listed] = answers(engine.state)["openTransactions"]
        assert (listed["transactionId"], listed["connectorId"], listed["energyWh"]) == (
            "tx-abc-1",
            2,
            1500.0,
        )
        assert answers(engine.state)["stations"]["CS1"]["connectors"]["2"]["reading"] == 2500.0
        ended = await cp.call(
            lib.call.TransactionEvent(
                event_type="Ended",
                timestamp=to_iso(t0 + 120),
                trigger_reason="StopAuthorized",
                seq_no=2,
                transaction_info={**tx, "stopped_reason": "Remote"},
                meter_value=meter(t0 + 120, 4000),
            )
        )
        assert ended.id_token_info is None
        await wait_for(lambda: engine.state.open_transaction_on("CS1", 2) is None)
    closed = engine.state.transactions[("CS1", "tx-abc-1")]
    assert (closed.stop_reason, closed.meter_stop) == ("Remote", 4000.0)
    assert engine.state.energy_so_far(closed) == 3000.0
    # The recording folds to the same answers (replay shares the path).
    await engine.close()
    replayed = project(recorded(engine.settings.recording_path))
    assert answers(replayed) == answers(engine.state)


@pytest.mark.timeout(20)
@pytest.mark.parametrize(("protocol", "lib"), VERSIONS)
async def test_remote_start_and_stop_are_the_2x_requests(
    engine: Engine, protocol: str, lib: ModuleType
) -> None:
    async with station(engine, "CS1", protocol) as cp:
        await boot(cp)
        await wait_for(lambda: engine.state.stations["CS1"].protocol == protocol)
        start = engine.commands.remote_start("CS1", 1, "TAG-9")
        outcome = await asyncio.wait_for(start.future, 5)
        assert start.action == "RequestStartTransaction"
        assert outcome.accepted and outcome.status == "Accepted"
        [asked] = cp.starts
        assert asked["id_token"] == {"id_token": "TAG-9", "type": "Central"}
        assert asked["evse_id"] == 1
        t0 = time.time()
        await cp.call(
            lib.call.TransactionEvent(
                event_type="Started",
                timestamp=to_iso(t0),
                trigger_reason="RemoteStart",
                seq_no=0,
                transaction_info={
                    "transaction_id": "remote-1",
                    "remote_start_id": asked["remote_start_id"],
                },
                id_token={"id_token": "TAG-9", "type": "Central"},
                evse={"id": 1, "connector_id": 1},
                meter_value=meter(t0, 0),
            )
        )
        await wait_for(lambda: engine.state.open_transaction_on("CS1", 1) is not None)
        stop = engine.commands.remote_stop("CS1", 1)
        outcome = await asyncio.wait_for(stop.future, 5)
        assert stop.action == "RequestStopTransaction"
        assert outcome.status == "Accepted"
        assert cp.stops == ["remote-1"]


@pytest.mark.timeout(20)
@pytest.mark.parametrize(("protocol", "lib"), VERSIONS)
async def test_operator_calls_go_out_in_the_stations_version(
    engine: Engine, protocol: str, lib: ModuleType
) -> None:
    async with station(engine, "CS1", protocol) as cp:
        await boot(cp)
        await wait_for(lambda: engine.state.stations["CS1"].protocol == protocol)
        commands = engine.commands
        sent = [
            commands.reset("CS1", hard=True),
            commands.unlock("CS1", 2),
            commands.change_availability("CS1", 1, operative=False),
            commands.trigger_message("CS1", "StatusNotification", 1),
            commands.get_variables("CS1", "OCPPCommCtrlr", "HeartbeatInterval"),
            commands.set_variables("CS1", "OCPPCommCtrlr", "HeartbeatInterval", "120"),
        ]
        outcomes = [await asyncio.wait_for(c.future, 5) for c in sent]
        assert [o.status for o in outcomes] == [
            "Accepted",
            "Unlocked",
            "Accepted",
            "Accepted",
            "Accepted",  # getVariableResult[].attributeStatus (answer_status)
            "Accepted",  # setVariableResult[].attributeStatus
        ]
        assert cp.asked == [
            ("Reset", "Immediate"),
            ("UnlockConnector", (2, 1)),
            ("ChangeAvailability", ("Inoperative", {"id": 1})),
            ("TriggerMessage", "StatusNotification"),
            ("GetVariables", "HeartbeatInterval"),
            ("SetVariables", "120"),
        ]
        report = await asyncio.wait_for(commands.get_base_report("CS1").future, 5)
        assert report.status == "Accepted"


# --- errors --------------------------------------------------------------------
@pytest.mark.timeout(20)
@pytest.mark.parametrize(("protocol", "lib"), VERSIONS)
async def test_an_invalid_payload_gets_its_call_error(
    engine: Engine, protocol: str, lib: ModuleType
) -> None:
    # 2.x's words (tests/csms/test_call_errors.py has every case and version).
    async with connect(f"{engine.csms.url}/RAW", subprotocols=[protocol]) as ws:
        # StatusNotification without its required evseId / connectorId / status
        await ws.send('[2,"bad1","StatusNotification",{"timestamp":"2025-01-01T00:00:00Z"}]')
        answer = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
        assert answer[:3] == [4, "bad1", "OccurrenceConstraintViolation"]
        await ws.send('[2,"bad2","Heartbeat",{"extra":1}]')
        answer = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
        assert answer[:3] == [4, "bad2", "OccurrenceConstraintViolation"]
        sample = '{"timestamp":"2025-01-01T00:00:00Z","sampledValue":[{"value":1.0}]}'
        await ws.send(f'[2,"bad3","MeterValues",{{"evseId":"one","meterValue":[{sample}]}}]')
        answer = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
        assert answer[:3] == [4, "bad3", "TypeConstraintViolation"]
        await ws.send('[2,"ok","Heartbeat",{}]')
        alive = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
        assert alive[:2] == [3, "ok"]
        assert engine.csms.connected() == ["RAW"]
    assert engine.state.stations["RAW"].errors == 3


# --- subprotocol negotiation -------------------------------------------------------
@pytest.mark.timeout(20)
async def test_the_stations_order_of_preference_wins(engine: Engine) -> None:
    async with connect(
        f"{engine.csms.url}/PREF",
        subprotocols=["ocpp2.0.1", "ocpp1.6"],
    ) as ws:
        assert ws.subprotocol == "ocpp2.0.1"
    async with connect(
        f"{engine.csms.url}/PREF",
        subprotocols=["ocpp1.6", "ocpp2.1"],
    ) as ws:
        assert ws.subprotocol == "ocpp1.6"
    async with connect(
        f"{engine.csms.url}/PREF",
        subprotocols=["ocpp9", "ocpp2.1"],
    ) as ws:
        assert ws.subprotocol == "ocpp2.1"


@pytest.mark.timeout(20)
async def test_protocols_setting_restricts_what_is_served(tmp_path: Path) -> None:
    async with own_engine(tmp_path, protocols=("ocpp1.6",)) as live:
        async with connect(
            f"{live.csms.url}/ONLY16",
            subprotocols=["ocpp2.0.1", "ocpp1.6"],
        ) as ws:
            assert ws.subprotocol == "ocpp1.6"
        with pytest.raises(InvalidStatus) as refused:
            await connect(f"{live.csms.url}/NEW", subprotocols=["ocpp2.0.1"])
        assert refused.value.response.status_code == 400
        [frame] = frames_of(live, "NEW")
        assert frame.kind is Kind.REFUSED
        assert "ocpp2.0.1" in frame.text
        assert "NEW" not in live.state.stations


@pytest.mark.timeout(20)
async def test_a_station_offering_no_known_protocol_is_refused(engine: Engine) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await connect(f"{engine.csms.url}/ODD", subprotocols=["ocpp3.0"])
    assert refused.value.response.status_code == 400
    [frame] = frames_of(engine, "ODD")
    assert frame.kind is Kind.REFUSED
    assert "ocpp3.0" in frame.text
    assert engine.csms.connected() == []
    assert "ODD" not in engine.state.stations  # a refusal never makes a station
    # A station the console knows shows its refused attempt.
    async with connect(f"{engine.csms.url}/KNOWN", subprotocols=["ocpp1.6"]):
        await wait_for(lambda: "KNOWN" in engine.state.stations)
    known = engine.state.stations["KNOWN"]
    await wait_for(lambda: not engine.state.is_online(known))
    with pytest.raises(InvalidStatus):
        await connect(f"{engine.csms.url}/KNOWN", subprotocols=["ocpp3.0"])
    await wait_for(lambda: known.refused_at is not None)
    assert "refused" in str(station_row(engine.state, known)[3])


# --- the projection of 2.x inventory and connectors, in any order ---------------
def test_report_parts_and_connector_statuses_fold_in_any_order() -> None:
    t0 = 1_735_725_600.0

    def frame(uid: str, action: str, payload: dict[str, Any], at: float) -> Frame:
        return Frame(t0 + at, "CS", Direction.IN, Kind.CALL, uid, action, payload, "ocpp2.1")

    def part(uid: str, seq: int, items: list[tuple[str, dict[str, int]]]) -> Frame:
        data = [
            {"component": {"name": name, "evse": evse}, "variable": {"name": "Available"}}
            for name, evse in items
        ]
        payload = {
            "requestId": 7,
            "generatedAt": "2025-01-01T10:00:01Z",
            "seqNo": seq,
            "tbc": seq == 0,
            "reportData": data,
        }
        return frame(uid, "NotifyReport", payload, 1)

    def status(uid: str, evse: int, conn: int, word: str, at: float) -> Frame:
        payload = {
            "timestamp": to_iso(t0 + at),
            "connectorStatus": word,
            "evseId": evse,
            "connectorId": conn,
        }
        return frame(uid, "StatusNotification", payload, at)

    frames = [
        part("r0", 0, [("EVSE", {"id": 1}), ("Connector", {"id": 1, "connectorId": 2})]),
        part("r1", 1, [("EVSE", {"id": 2}), ("Connector", {"id": 2, "connectorId": 1})]),
        status("s1", 1, 1, "Available", 2),
        status("s2", 1, 2, "Occupied", 3),
        status("s3", 2, 1, "Unavailable", 2),
        status("s4", 1, 2, "Available", 4),
    ]
    seen = set()
    for order in itertools.permutations(frames):
        state = project(order)
        st = state.stations["CS"]
        plugs = {(e, n): p.status for e, c in st.evses.items() for n, p in c.connectors.items()}
        seen.add(
            (
                orjson.dumps(answers(state)),
                st.declared_layout,
                tuple(sorted(plugs.items())),
                st.evses[1].status,
            )
        )
    [(found, layout, plugs, evse_status)] = seen
    assert layout == {(1, 0), (1, 2), (2, 0), (2, 1)}
    assert dict(plugs) == {(1, 1): "Available", (1, 2): "Available", (2, 1): "Unavailable"}
    assert evse_status == "Available"  # the EVSE: its connectors' newest status
    stations = orjson.loads(found)["stations"]["CS"]
    assert (stations["declaredConnectors"], stations["seenConnectors"]) == (2, 2)
    assert list(stations["connectors"]) == ["1/1", "1/2", "2"]


def test_protocols_come_from_flags_environment_and_file(tmp_path: Path) -> None:
    assert load_settings(env={}).protocols == ("ocpp1.6", "ocpp2.0.1", "ocpp2.1")
    env = {"OCPPDECK_PROTOCOLS": "ocpp2.1, ocpp1.6"}
    assert load_settings(env=env).protocols == ("ocpp2.1", "ocpp1.6")
    config = tmp_path / "ocppdeck.toml"
    config.write_text('protocols = ["ocpp2.0.1"]\n')
    assert load_settings(env={}, config_file=config).protocols == ("ocpp2.0.1",)
    flags = {"protocols": "ocpp1.6"}
    assert load_settings(flags, env=env, config_file=config).protocols == ("ocpp1.6",)
    for bad in ("ocpp1.5", "", "ocpp1.6,nope"):
        with pytest.raises(SettingsError, match="protocols"):
            load_settings({"protocols": bad or " , "}, env={})
