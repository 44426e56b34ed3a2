"""A command to a station through the API: the console's validation and per-station queue,
answered with the station's answer; 404, 409 (queued) and 422 as the issue asks."""

from __future__ import annotations

from pathlib import Path

import pytest
from ocpp.v16 import call

from ocppdeck.core.wire.frame import Direction
from tests.helpers.api import api_client
from tests.helpers.engine import out_calls, own_engine, wait_for
from tests.helpers.station16 import boot, station


@pytest.mark.timeout(30)
async def test_a_command_is_answered_with_the_stations_answer(tmp_path: Path) -> None:
    async with (
        own_engine(tmp_path, api_port=0) as engine,
        api_client(engine) as api,
        station(engine, "CP-1") as cp,
    ):
        await boot(cp)
        payload = {"connectorId": 2, "idTag": "TAG-9"}
        path = "/api/stations/CP-1/commands/RemoteStartTransaction"
        async with api.post(path, json=payload) as response:
            assert response.status == 200
            body = await response.json()
        assert body["outcome"]["answer"] == {"status": "Accepted"}
        assert body["outcome"]["accepted"] is True
        assert body["command"]["payload"] == payload
        assert body["command"]["state"] == "answered"
        assert cp.remote_starts == [(2, "TAG-9")]
        # It went out as the console's commands do: a CALL of the CSMS, on the wire.
        (sent,) = out_calls(engine, "CP-1", "RemoteStartTransaction")
        assert sent.direction is Direction.OUT and sent.payload == payload

        async with api.post("/api/stations/CP-1/commands/GetConfiguration") as response:
            answer = (await response.json())["outcome"]["answer"]
        assert answer["configurationKey"][0]["key"] == "NumberOfConnectors"


@pytest.mark.timeout(30)
async def test_a_call_error_from_the_station_is_a_502_with_its_code(tmp_path: Path) -> None:
    async with (
        own_engine(tmp_path, api_port=0) as engine,
        api_client(engine) as api,
        station(engine, "CP-1") as cp,
    ):
        await boot(cp)
        async with api.post("/api/stations/CP-1/commands/ClearCache", json={}) as response:
            assert response.status == 502
            outcome = (await response.json())["outcome"]
        assert outcome["state"] == "failed" and outcome["status"] == "NotImplemented"


@pytest.mark.timeout(30)
async def test_unknown_station_is_404_and_a_refused_payload_422(tmp_path: Path) -> None:
    async with (
        own_engine(tmp_path, api_port=0) as engine,
        api_client(engine) as api,
        station(engine, "CP-1") as cp,
    ):
        await boot(cp)
        async with api.post("/api/stations/CP-9/commands/Reset", json={"type": "Hard"}) as r:
            assert r.status == 404
            assert (await r.json())["error"] == "unknown station CP-9"

        async with api.post("/api/stations/CP-1/commands/Reset", json={"type": "Sideways"}) as r:
            assert r.status == 422
            body = await r.json()
        assert [f["path"] for f in body["fields"]] == ["type"]
        assert "Sideways" in body["fields"][0]["message"]

        async with api.post("/api/stations/CP-1/commands/ChangeAvailability", json={}) as r:
            assert r.status == 422
            fields = {f["path"]: f["message"] for f in (await r.json())["fields"]}
        assert fields == {"connectorId": "required", "type": "required"}

        # An action of another version is refused, never sent.
        async with api.post("/api/stations/CP-1/commands/RequestStartTransaction") as r:
            assert r.status == 422
            assert (await r.json())["field"] == "action"
        assert not out_calls(engine, "CP-1", "Reset")


@pytest.mark.timeout(30)
async def test_an_offline_station_gets_409_and_the_command_waits_in_its_queue(
    tmp_path: Path,
) -> None:
    async with own_engine(tmp_path, api_port=0) as engine, api_client(engine) as api:
        async with station(engine, "CP-1") as cp:
            await boot(cp)
        await wait_for(lambda: not engine.commands.is_connected("CP-1"))

        async with api.post("/api/stations/CP-1/commands/Reset", json={"type": "Soft"}) as r:
            assert r.status == 409
            body = await r.json()
        assert "offline" in body["error"]
        command = body["command"]
        assert command["action"] == "Reset" and command["state"] == "queued"

        async with api.get("/api/queue", params={"station": "CP-1"}) as r:
            entries = (await r.json())["commands"]
        assert [(e["id"], e["state"]) for e in entries if e["action"] == "Reset"] == [
            (command["id"], "queued")
        ]

        # When the station comes back, the queued command goes out to it.
        async with station(engine, "CP-1") as cp:
            await boot(cp)
            await wait_for(lambda: out_calls(engine, "CP-1", "Reset"))


@pytest.mark.timeout(30)
async def test_a_queued_command_can_be_cancelled_once(tmp_path: Path) -> None:
    async with own_engine(tmp_path, api_port=0) as engine, api_client(engine) as api:
        async with station(engine, "CP-1") as cp:
            await cp.call(call.Heartbeat())
        await wait_for(lambda: not engine.commands.is_connected("CP-1"))
        async with api.post("/api/stations/CP-1/commands/ClearCache") as r:
            command_id = (await r.json())["command"]["id"]
        async with api.delete(f"/api/queue/{command_id}") as r:
            assert r.status == 200
            assert (await r.json())["state"] == "cancelled"
        async with api.delete(f"/api/queue/{command_id}") as r:
            assert r.status == 409
        async with api.delete("/api/queue/999999") as r:
            assert r.status == 404
