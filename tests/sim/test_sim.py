"""The simulated fleet against a tiny, real OCPP 1.6 central system on a local port."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from ocpp.v16 import call
from websockets.asyncio.server import serve
from websockets.typing import Subprotocol

from ocppdeck.core.clock import ManualClock, to_iso
from ocppdeck.core.dialects import V16
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from ocppdeck.core.sim.spec import StationSpec
from tests.helpers.sim_csms import (
    CLOCK_START,
    FAST,
    QUIET,
    CentralSystem,
    energy,
    eventually,
    one_station,
    ready,
    running,
)


def test_fleet_specs_are_deterministic() -> None:
    specs = fleet_specs(12, seed=3, protocols=("ocpp1.6",))
    assert specs == fleet_specs(12, seed=3, protocols=("ocpp1.6",))
    assert [s.station_id for s in specs] == [f"SIM-{n:03d}" for n in range(1, 13)]
    assert {s.connectors for s in specs} <= {1, 2, 3}
    assert all(s.protocol == "ocpp1.6" and s.vendor and s.model for s in specs)
    assert fleet_specs(0) == []


@pytest.mark.timeout(30)
async def test_fleet_boots_reports_status_and_completes_transactions(
    csms: CentralSystem,
) -> None:
    specs = [
        StationSpec("SIM-A", 2, "Voltaris", "VX-22", V16.name),
        StationSpec("SIM-B", 1, "Northgrid", "NG-Tri", V16.name),
    ]
    fleet = Fleet(specs, csms.url, FAST, seed=5, clock=ManualClock(CLOCK_START))

    def completed() -> list[dict[str, Any]]:
        """Stopped transactions with at least two periodic meter readings."""
        samples = csms.of("MeterValues")
        return [
            stop
            for stop in csms.of("StopTransaction")
            if sum(m.get("transaction_id") == stop["transaction_id"] for m in samples) >= 2
        ]

    async with running(fleet):
        await eventually(completed)
        for spec in specs:
            (boot,) = csms.of("BootNotification", spec.station_id)
            assert (boot["charge_point_vendor"], boot["charge_point_model"]) == (
                spec.vendor,
                spec.model,
            )
            statuses = csms.of("StatusNotification", spec.station_id)
            assert {s["connector_id"] for s in statuses} == set(range(spec.connectors + 1))
            assert all(s["timestamp"] == to_iso(CLOCK_START) for s in statuses)
        assert all(s.connected and s.booted for s in fleet.stations)

        stop = completed()[0]
        tx_id = stop["transaction_id"]
        (start,) = [s for s in csms.of("StartTransaction") if s["transaction_id"] == tx_id]
        readings = [m for m in csms.of("MeterValues") if m.get("transaction_id") == tx_id]
        assert all(
            v["context"] == "Sample.Periodic"
            for m in readings
            for v in m["meter_value"][0]["sampled_value"]
        )
        values = [energy(m) for m in readings]
        assert values == sorted(values) and values[-1] > values[0]
        assert start["meter_start"] <= values[0]
        assert stop["meter_stop"] >= round(values[-1])
        assert stop["reason"] in {"Local", "EVDisconnected"}
        assert stop["id_tag"] in FAST.id_tags
        assert energy({"meter_value": stop["transaction_data"]}) >= values[-1]

    leftovers = [t for t in asyncio.all_tasks() if t.get_name().startswith("sim:")]
    assert leftovers == []
    assert not any(s.connected for s in fleet.stations)


@pytest.mark.timeout(30)
async def test_remote_start_and_stop(csms: CentralSystem) -> None:
    async with running(one_station(csms, QUIET)) as fleet:
        station = await ready(fleet)
        point = csms.points["SIM-T"]

        started = await point.call(call.RemoteStartTransaction(id_tag="REMOTE-1", connector_id=1))
        assert started.status == "Accepted"
        await eventually(lambda: 1 in station.transactions)
        (start,) = csms.of("StartTransaction")
        assert (start["id_tag"], start["connector_id"]) == ("REMOTE-1", 1)
        assert [a["id_tag"] for a in csms.of("Authorize")] == ["REMOTE-1"]

        busy = await point.call(call.RemoteStartTransaction(id_tag="REMOTE-2", connector_id=1))
        assert busy.status == "Rejected"
        unknown = await point.call(call.RemoteStopTransaction(transaction_id=999))
        assert unknown.status == "Rejected"

        stopped = await point.call(
            call.RemoteStopTransaction(transaction_id=start["transaction_id"])
        )
        assert stopped.status == "Accepted"
        await eventually(lambda: csms.of("StopTransaction"))
        (stop,) = csms.of("StopTransaction")
        assert (stop["transaction_id"], stop["reason"]) == (start["transaction_id"], "Remote")
        await eventually(lambda: station.connectors[1].status == "Available")

        await point.call(call.RemoteStartTransaction(id_tag="REMOTE-3", connector_id=2))
        await eventually(lambda: 2 in station.transactions)
        unlocked = await point.call(call.UnlockConnector(connector_id=2))
        assert unlocked.status == "Unlocked"
        await eventually(lambda: len(csms.of("StopTransaction")) == 2)
        assert csms.of("StopTransaction")[1]["reason"] == "UnlockCommand"


@pytest.mark.timeout(30)
async def test_configuration_and_other_requests(csms: CentralSystem) -> None:
    async with running(one_station(csms, QUIET)) as fleet:
        station = await ready(fleet)
        point = csms.points["SIM-T"]

        conf = await point.call(call.GetConfiguration(key=["NumberOfConnectors", "Nope"]))
        assert conf.configuration_key == [
            {"key": "NumberOfConnectors", "readonly": True, "value": "2"}
        ]
        assert conf.unknown_key == ["Nope"]

        change = await point.call(
            call.ChangeConfiguration(key="MeterValueSampleInterval", value="10")
        )
        assert change.status == "Accepted"
        readonly = await point.call(call.ChangeConfiguration(key="NumberOfConnectors", value="4"))
        assert readonly.status == "Rejected"
        unknown = await point.call(call.ChangeConfiguration(key="Nope", value="1"))
        assert unknown.status == "NotSupported"
        everything = await point.call(call.GetConfiguration())
        values = {kv["key"]: kv["value"] for kv in everything.configuration_key}
        assert values["MeterValueSampleInterval"] == "10"
        assert station.meter_interval == 10.0

        heartbeat = await point.call(call.TriggerMessage(requested_message="Heartbeat"))
        assert heartbeat.status == "Accepted"
        await eventually(lambda: csms.of("Heartbeat"))
        diagnostics = await point.call(
            call.TriggerMessage(requested_message="DiagnosticsStatusNotification")
        )
        assert diagnostics.status == "NotImplemented"
        unlock = await point.call(call.UnlockConnector(connector_id=1))
        assert unlock.status == "Unlocked"
        transfer = await point.call(call.DataTransfer(vendor_id="ocppdeck"))
        assert transfer.status == "Accepted"
        assert (await point.call(call.ClearCache())).status == "Accepted"

        off = await point.call(call.ChangeAvailability(connector_id=0, type="Inoperative"))
        assert off.status == "Accepted"
        await eventually(
            lambda: (
                {
                    s["connector_id"]
                    for s in csms.of("StatusNotification")
                    if s["status"] == "Unavailable"
                }
                == {0, 1, 2}
            )
        )
        assert station.operative is False
        assert {c.status for c in station.connectors.values()} == {"Unavailable"}
        refused = await point.call(call.RemoteStartTransaction(id_tag="REMOTE-1"))
        assert refused.status == "Rejected"


@pytest.mark.timeout(30)
async def test_unauthorized_driver_goes_back_to_available(csms: CentralSystem) -> None:
    csms.authorize_status = "Invalid"
    async with running(one_station(csms, FAST, connectors=1)):
        await eventually(lambda: len(csms.of("Authorize")) >= 2)
        statuses = [s["status"] for s in csms.of("StatusNotification") if s["connector_id"] == 1]
        assert statuses[:3] == ["Available", "Preparing", "Available"]
        assert csms.of("StartTransaction") == []


@pytest.mark.timeout(30)
async def test_reconnects_and_boots_again_when_the_link_drops(csms: CentralSystem) -> None:
    async with running(one_station(csms, QUIET)) as fleet:
        station = await ready(fleet)
        await csms.sockets["SIM-T"].close()
        await eventually(lambda: len(csms.of("BootNotification")) == 2)
        await eventually(lambda: station.connected and station.booted)


@pytest.mark.timeout(30)
async def test_a_dropped_link_is_a_broken_socket_and_the_station_comes_back(
    csms: CentralSystem,
) -> None:
    async with running(one_station(csms, QUIET)) as fleet:
        station = await ready(fleet)
        first = csms.sockets["SIM-T"]
        station.drop_connection()
        await eventually(lambda: len(csms.of("BootNotification")) == 2)
        # No closing handshake: the CSMS saw the socket break (1006), not a close frame.
        assert first.close_code == 1006
        await eventually(lambda: station.connected and station.booted)


@pytest.mark.timeout(30)
async def test_keeps_retrying_while_the_csms_refuses_connections() -> None:
    with socket.socket() as probe:  # a port that is free now and nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    system = CentralSystem()
    system.url = f"ws://127.0.0.1:{port}"
    async with running(one_station(system, FAST)) as fleet:
        station = fleet.stations[0]
        await asyncio.sleep(0.2)  # several refused attempts at 100x
        assert not station.connected
        server = await serve(
            system.handle, "127.0.0.1", port, subprotocols=[Subprotocol("ocpp1.6")]
        )
        try:
            await eventually(lambda: station.booted)
            assert len(system.of("BootNotification")) == 1
        finally:
            server.close()
            await server.wait_closed()


@pytest.mark.timeout(30)
async def test_reset_stops_the_transaction_and_reboots(csms: CentralSystem) -> None:
    async with running(one_station(csms, QUIET)) as fleet:
        station = await ready(fleet)
        point = csms.points["SIM-T"]
        await point.call(call.RemoteStartTransaction(id_tag="REMOTE-1", connector_id=2))
        await eventually(lambda: 2 in station.transactions)

        reset = await point.call(call.Reset(type="Soft"))
        assert reset.status == "Accepted"
        await eventually(lambda: len(csms.of("BootNotification")) == 2)
        (stop,) = csms.of("StopTransaction")
        assert stop["reason"] == "SoftReset"
        await ready(fleet)
        assert station.transactions == {}
