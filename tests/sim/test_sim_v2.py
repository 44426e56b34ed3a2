"""Simulated 2.0.1 and 2.1 stations against a tiny, real 2.x central system on a local port."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from ocpp import v21, v201
from ocpp.exceptions import NotImplementedError
from ocpp.routing import on
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from ocppdeck.core.clock import ManualClock, to_iso
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from ocppdeck.core.sim.spec import StationSpec
from ocppdeck.tui.cli import build_parser, settings_from
from tests.helpers.sim_csms import CLOCK_START, FAST, QUIET, eventually, running

ENERGY = "Energy.Active.Import.Register"
POINTS: dict[str, type[v201.ChargePoint] | type[v21.ChargePoint]] = {}


class CentralSystem:
    """Records every request stations make and answers like a permissive 2.x CSMS."""

    def __init__(self, protocol: str) -> None:
        self.protocol = protocol
        self.url = ""
        self.events: list[tuple[str, str, dict[str, Any]]] = []
        self.points: dict[str, Any] = {}
        self.sockets: dict[str, ServerConnection] = {}

    async def handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        station_id = ws.request.path.strip("/")
        point = POINTS[self.protocol](station_id, ws, response_timeout=5)
        point.csms = self
        self.points[station_id] = point
        self.sockets[station_id] = ws
        with contextlib.suppress(ConnectionClosed):
            await point.start()

    def of(self, action: str, station: str | None = None) -> list[dict[str, Any]]:
        """Payloads of `action` received so far (snake_case keys), optionally from one station."""
        return [p for s, a, p in self.events if a == action and station in (None, s)]


class Answers:
    """The central system's handlers, shared by its 2.0.1 and 2.1 points."""

    id: str
    csms: CentralSystem
    results: ModuleType

    def _record(self, action: str, payload: dict[str, Any]) -> None:
        self.csms.events.append((self.id, action, payload))

    @on("BootNotification")
    def on_boot(self, **payload: Any) -> Any:
        self._record("BootNotification", payload)
        return self.results.BootNotification(
            current_time=to_iso(CLOCK_START), interval=300, status="Accepted"
        )

    @on("Heartbeat")
    def on_heartbeat(self, **payload: Any) -> Any:
        self._record("Heartbeat", payload)
        return self.results.Heartbeat(current_time=to_iso(CLOCK_START))

    @on("StatusNotification")
    def on_status(self, **payload: Any) -> Any:
        self._record("StatusNotification", payload)
        return self.results.StatusNotification()

    @on("Authorize")
    def on_authorize(self, **payload: Any) -> Any:
        self._record("Authorize", payload)
        return self.results.Authorize(id_token_info={"status": "Accepted"})

    @on("TransactionEvent")
    def on_transaction_event(self, **payload: Any) -> Any:
        self._record("TransactionEvent", payload)
        return self.results.TransactionEvent()

    @on("MeterValues")
    def on_meter_values(self, **payload: Any) -> Any:
        self._record("MeterValues", payload)
        return self.results.MeterValues()

    @on("NotifyReport")
    def on_notify_report(self, **payload: Any) -> Any:
        self._record("NotifyReport", payload)
        return self.results.NotifyReport()


class CsmsV201(Answers, v201.ChargePoint):
    results = v201.call_result


class CsmsV21(Answers, v21.ChargePoint):
    results = v21.call_result


POINTS.update({"ocpp2.0.1": CsmsV201, "ocpp2.1": CsmsV21})


@contextlib.asynccontextmanager
async def central(protocol: str) -> AsyncIterator[CentralSystem]:
    system = CentralSystem(protocol)
    server: Server = await serve(
        system.handle, "127.0.0.1", 0, subprotocols=[Subprotocol(protocol)]
    )
    try:
        system.url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        yield system
    finally:
        server.close()
        await server.wait_closed()


def one_station(csms: CentralSystem, settings: Any, evses: int = 2) -> Fleet:
    spec = StationSpec("SIM-X", evses, "Voltaris", "VX-22", csms.protocol)
    return Fleet([spec], csms.url, settings, seed=1, clock=ManualClock(CLOCK_START))


def events_of(csms: CentralSystem, tx_id: str) -> list[dict[str, Any]]:
    return [
        e for e in csms.of("TransactionEvent") if e["transaction_info"]["transaction_id"] == tx_id
    ]


def energy(event: dict[str, Any]) -> float:
    """The Energy.Active.Import.Register reading of a TransactionEvent (Wh)."""
    (sample,) = [s for s in event["meter_value"][0]["sampled_value"] if s["measurand"] == ENERGY]
    assert sample["unit_of_measure"] == {"unit": "Wh"}
    return float(sample["value"])


def test_fleet_specs_mix_versions_deterministically() -> None:
    specs = fleet_specs(6, seed=3)
    assert specs == fleet_specs(6, seed=3)
    assert [s.protocol for s in specs] == ["ocpp1.6", "ocpp2.0.1"] * 3
    everything = fleet_specs(3, seed=3, protocols=("ocpp1.6", "ocpp2.0.1", "ocpp2.1"))
    assert [s.protocol for s in everything] == ["ocpp1.6", "ocpp2.0.1", "ocpp2.1"]
    # The mix changes the versions only, never the shape of the fleet.
    assert [s.connectors for s in everything] == [s.connectors for s in specs[:3]]
    with pytest.raises(ValueError):
        fleet_specs(2, protocols=("ocpp1.5",))
    fleet = Fleet(everything, "ws://127.0.0.1:1")
    links = [type(s.link).__name__ for s in fleet.stations]
    assert links == ["V16Link", "V2Link", "V2Link"]


def test_demo_and_simulate_pick_the_mix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OCPPDECK_DATA_DIR", str(tmp_path))
    parser = build_parser()
    assert settings_from(parser.parse_args(["demo"])).protocols == ("ocpp1.6", "ocpp2.0.1")
    every = parser.parse_args(["demo", "--protocols", "ocpp1.6,ocpp2.0.1,ocpp2.1"])
    assert settings_from(every).protocols == ("ocpp1.6", "ocpp2.0.1", "ocpp2.1")
    simulate = parser.parse_args(["simulate", "--url", "ws://x", "--protocols", "ocpp2.1"])
    assert simulate.protocols == ("ocpp2.1",)
    assert parser.parse_args(["simulate", "--url", "ws://x"]).protocols == ("ocpp1.6", "ocpp2.0.1")
    with pytest.raises(SystemExit):
        parser.parse_args(["simulate", "--url", "ws://x", "--protocols", "ocpp1.5"])
    assert "subset" in capsys.readouterr().err


@pytest.mark.timeout(30)
async def test_boots_reports_evses_and_completes_a_transaction() -> None:
    async with central("ocpp2.0.1") as csms, running(one_station(csms, FAST)) as fleet:

        def ended() -> list[dict[str, Any]]:
            """Ended transactions with at least two periodic updates."""
            return [
                e
                for e in csms.of("TransactionEvent")
                if e["event_type"] == "Ended"
                and sum(
                    u["trigger_reason"] == "MeterValuePeriodic"
                    for u in events_of(csms, e["transaction_info"]["transaction_id"])
                )
                >= 2
            ]

        await eventually(ended)
        (boot,) = csms.of("BootNotification")
        assert boot["reason"] == "PowerUp"
        assert boot["charging_station"] == {
            "model": "VX-22",
            "vendor_name": "Voltaris",
            "firmware_version": "ocppdeck-sim 0.1",
            "serial_number": "SN-SIM-X",
        }
        statuses = csms.of("StatusNotification")
        assert {(s["evse_id"], s["connector_id"]) for s in statuses} == {(1, 1), (2, 1)}
        assert statuses[0]["connector_status"] == "Available"
        assert all(s["timestamp"] == to_iso(CLOCK_START) for s in statuses)

        tx_id = ended()[0]["transaction_info"]["transaction_id"]
        events = events_of(csms, tx_id)
        assert [e["seq_no"] for e in events] == list(range(len(events)))
        started, *updates, end = events
        assert (started["event_type"], started["trigger_reason"]) == ("Started", "Authorized")
        assert started["id_token"]["type"] == "ISO14443"
        assert started["id_token"]["id_token"] in FAST.id_tags
        assert started["evse"] == {"id": started["evse"]["id"], "connector_id": 1}
        begin = started["meter_value"][0]["sampled_value"]
        assert {s["context"] for s in begin} == {"Transaction.Begin"}
        assert {s["measurand"] for s in begin} == {ENERGY, "Power.Active.Import"}
        periodic = [e for e in updates if e["trigger_reason"] == "MeterValuePeriodic"]
        values = [energy(e) for e in periodic]
        assert values == sorted(values) and values[-1] > values[0] >= energy(started)
        assert end["transaction_info"]["stopped_reason"] in {"Local", "EVDisconnected"}
        assert energy(end) >= values[-1]
        authorized = {a["id_token"]["id_token"] for a in csms.of("Authorize")}
        assert started["id_token"]["id_token"] in authorized
        assert any(s["connector_status"] == "Occupied" for s in statuses)
    assert not fleet.stations[0].connected


@pytest.mark.timeout(30)
async def test_remote_start_stop_and_base_report() -> None:
    async with central("ocpp2.0.1") as csms, running(one_station(csms, QUIET)) as fleet:
        station = fleet.stations[0]
        await eventually(lambda: all(c.accepts_remote_start() for c in station.connectors.values()))
        point = csms.points["SIM-X"]

        started = await point.call(
            v201.call.RequestStartTransaction(
                id_token={"idToken": "REMOTE-1", "type": "ISO14443"}, remote_start_id=42, evse_id=2
            )
        )
        assert started.status == "Accepted"
        await eventually(lambda: 2 in station.transactions)
        start = csms.of("TransactionEvent")[0]
        assert start["trigger_reason"] == "RemoteStart"
        assert start["id_token"]["id_token"] == "REMOTE-1"
        assert start["transaction_info"]["remote_start_id"] == 42
        tx_id = start["transaction_info"]["transaction_id"]
        assert station.transactions == {2: tx_id}

        unknown = await point.call(v201.call.RequestStopTransaction(transaction_id="nope"))
        assert unknown.status == "Rejected"
        stopped = await point.call(v201.call.RequestStopTransaction(transaction_id=tx_id))
        assert stopped.status == "Accepted"
        await eventually(lambda: events_of(csms, tx_id)[-1]["event_type"] == "Ended")
        end = events_of(csms, tx_id)[-1]
        assert (end["trigger_reason"], end["transaction_info"]["stopped_reason"]) == (
            "RemoteStop",
            "Remote",
        )

        report = await point.call(
            v201.call.GetBaseReport(request_id=7, report_base="FullInventory")
        )
        assert report.status == "Accepted"
        await eventually(lambda: csms.of("NotifyReport"))
        (notify,) = csms.of("NotifyReport")
        assert (notify["request_id"], notify["seq_no"], notify["tbc"]) == (7, 0, False)
        components = [d["component"] for d in notify["report_data"]]
        assert {"name": "EVSE", "evse": {"id": 1}} in components
        assert {"name": "Connector", "evse": {"id": 2, "connector_id": 1}} in components

        got = await point.call(
            v201.call.GetVariables(
                get_variable_data=[
                    {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "Nope"}},
                    {
                        "component": {"name": "SampledDataCtrlr"},
                        "variable": {"name": "TxUpdatedInterval"},
                    },
                ]
            )
        )
        statuses = [
            (r["attribute_status"], r.get("attribute_value")) for r in got.get_variable_result
        ]
        assert statuses == [("UnknownVariable", None), ("Accepted", "5")]
        changed = await point.call(
            v201.call.SetVariables(
                set_variable_data=[
                    {
                        "attributeValue": "60",
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "HeartbeatInterval"},
                    }
                ]
            )
        )
        assert changed.set_variable_result[0]["attribute_status"] == "Accepted"
        heartbeat = await point.call(v201.call.TriggerMessage(requested_message="Heartbeat"))
        assert heartbeat.status == "Accepted"
        await eventually(lambda: csms.of("Heartbeat"))

        off = await point.call(v201.call.ChangeAvailability(operational_status="Inoperative"))
        assert off.status == "Accepted"
        await eventually(
            lambda: all(c.status == "Unavailable" for c in station.connectors.values())
        )
        await eventually(
            lambda: (
                {
                    s["evse_id"]
                    for s in csms.of("StatusNotification")
                    if s["connector_status"] == "Unavailable"
                }
                == {1, 2}
            )
        )


@pytest.mark.timeout(30)
async def test_reconnects_and_boots_again_when_the_link_drops() -> None:
    async with central("ocpp2.0.1") as csms, running(one_station(csms, QUIET)) as fleet:
        station = fleet.stations[0]
        await eventually(lambda: len(csms.of("StatusNotification")) == 2)
        await csms.sockets["SIM-X"].close()
        await eventually(lambda: len(csms.of("BootNotification")) == 2)
        await eventually(lambda: station.connected and station.booted)
        # Every EVSE is reported again on the new connection.
        await eventually(lambda: len(csms.of("StatusNotification")) == 4)


@pytest.mark.timeout(30)
async def test_a_2_1_station_boots_charges_and_reports() -> None:
    async with central("ocpp2.1") as csms, running(one_station(csms, FAST, evses=1)):
        await eventually(
            lambda: any(e["event_type"] == "Ended" for e in csms.of("TransactionEvent"))
        )
        assert csms.of("BootNotification")[0]["charging_station"]["vendor_name"] == "Voltaris"
        assert csms.of("StatusNotification")[0]["connector_status"] == "Available"
        assert csms.of("Authorize")
        kinds = [e["event_type"] for e in csms.of("TransactionEvent")]
        assert kinds[0] == "Started" and "Updated" in kinds
        point = csms.points["SIM-X"]
        report = await point.call(v21.call.GetBaseReport(request_id=3, report_base="FullInventory"))
        assert report.status == "Accepted"
        await eventually(lambda: csms.of("NotifyReport"))
        components = [d["component"] for d in csms.of("NotifyReport")[0]["report_data"]]
        assert {"name": "EVSE", "evse": {"id": 1}} in components
        # What the station does not handle is answered NotImplemented, never left hanging.
        with pytest.raises(NotImplementedError):
            await point.call(v21.call.GetTransactionStatus(), suppress=False)
