"""Reading the running CSMS: stations with EVSEs and connectors, transactions, the answers,
a snapshot to fold from, and the OpenAPI document that describes it all."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from ocpp.v16 import call

from ocppdeck.core.api.frame_stream import FrameStreams
from ocppdeck.core.api.openapi import document
from ocppdeck.core.api.server import build_app
from ocppdeck.core.clock import to_iso
from ocppdeck.core.disk import snapshot
from ocppdeck.core.model.answers import answers
from tests.helpers.api import api_client
from tests.helpers.engine import own_engine, wait_for
from tests.helpers.station16 import boot, meter_value, station


@pytest.mark.timeout(30)
async def test_stations_transactions_and_answers_follow_a_charging_session(
    tmp_path: Path,
) -> None:
    now = time.time()
    async with (
        own_engine(tmp_path, api_port=0) as engine,
        api_client(engine) as api,
        station(engine, "CP-1") as cp,
    ):
        await boot(cp)
        await cp.call(call.StatusNotification(1, "NoError", "Charging", timestamp=to_iso(now)))
        started = await cp.call(
            call.StartTransaction(1, "TAG-7", 1000, to_iso(now), reservation_id=None)
        )
        tx = started.transaction_id
        await cp.call(call.MeterValues(1, [meter_value(now + 60, 3500, 7200)], tx))
        await wait_for(lambda: engine.state.open_transactions("CP-1"))

        async with api.get("/api/stations") as response:
            stations = (await response.json())["stations"]
        assert [s["id"] for s in stations] == ["CP-1"]
        cp1 = stations[0]
        assert cp1["online"] is True and cp1["vendor"] == "ACME" and cp1["model"] == "Twin"
        evse = next(e for e in cp1["evses"] if e["id"] == 1)
        assert evse["status"] == "Charging"
        assert evse["energyWh"] == 3500 and evse["powerW"] == 7200

        async with api.get("/api/stations/CP-1") as response:
            assert (await response.json())["id"] == "CP-1"
        async with api.get("/api/stations/CP-404") as response:
            assert response.status == 404
            assert (await response.json())["error"] == "unknown station CP-404"

        async with api.get("/api/transactions", params={"state": "open"}) as response:
            (opened,) = (await response.json())["transactions"]
        assert opened["transactionId"] == str(tx) and opened["idTag"] == "TAG-7"
        assert opened["open"] is True and opened["energyWh"] == 2500

        await cp.call(call.StopTransaction(4000, to_iso(now + 120), tx, reason="Local"))
        await wait_for(lambda: not engine.state.open_transactions("CP-1"))
        async with api.get("/api/transactions", params={"state": "closed"}) as response:
            (closed,) = (await response.json())["transactions"]
        assert closed["open"] is False and closed["energyWh"] == 3000
        assert closed["stopReason"] == "Local"
        async with api.get("/api/transactions", params={"state": "open"}) as response:
            assert (await response.json())["transactions"] == []
        async with api.get("/api/transactions", params={"state": "sideways"}) as response:
            assert response.status == 400

        async with api.get("/api/state") as response:
            assert await response.json() == answers(engine.state)


@pytest.mark.timeout(30)
async def test_a_snapshot_restores_the_state_the_engine_has(tmp_path: Path) -> None:
    async with (
        own_engine(tmp_path, api_port=0) as engine,
        api_client(engine) as api,
        station(engine, "CP-1") as cp,
    ):
        await boot(cp)
        await cp.call(call.StatusNotification(2, "NoError", "Preparing"))
        await wait_for(lambda: 2 in engine.state.stations["CP-1"].evses)
        async with api.get("/api/snapshot") as response:
            restored = snapshot.read(await response.read())
        assert restored.seq == engine.bus.next_seq - 1
        assert answers(restored.projection.state) == answers(engine.state)
        assert restored.projection.state.stations["CP-1"].evses[2].status == "Preparing"


def test_the_openapi_document_names_every_route_and_no_other() -> None:
    app = build_app(object(), "token", FrameStreams())  # type: ignore[arg-type]
    served = {
        (route.resource.canonical, route.method.lower())
        for route in app.router.routes()
        if route.method != "HEAD" and route.resource is not None
    }
    doc = document()
    described = {
        (path, method)
        for path, item in doc["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert served == described
    assert doc["openapi"].startswith("3.")
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


@pytest.mark.timeout(30)
async def test_the_openapi_document_is_served(tmp_path: Path) -> None:
    async with (
        own_engine(tmp_path, api_port=0) as engine,
        api_client(engine) as api,
        api.get("/openapi.json") as response,
    ):
        assert response.status == 200
        assert await response.json() == document()
