"""Id tags through the API: create, read, update, delete, with status, parent, expiry and
type, each value checked as the console checks it."""

from __future__ import annotations

from pathlib import Path

import pytest
from ocpp.v16 import call

from tests.helpers.api import api_client
from tests.helpers.engine import own_engine
from tests.helpers.station16 import station


@pytest.mark.timeout(30)
async def test_create_read_update_delete(tmp_path: Path) -> None:
    async with own_engine(tmp_path, api_port=0) as engine, api_client(engine) as api:
        async with api.post("/api/id-tags", json={"idTag": "FLEET"}) as r:
            assert r.status == 201
        made = {"idTag": "DRIVER-1", "parent": "FLEET", "expiry": "2099-01-31", "type": "iso14443"}
        async with api.post("/api/id-tags", json=made) as r:
            assert r.status == 201
            tag = await r.json()
        assert tag == {
            "idTag": "DRIVER-1",
            "status": "Accepted",
            "effectiveStatus": "Accepted",
            "parent": "FLEET",
            "expiry": "2099-01-31T00:00:00.000Z",
            "type": "ISO14443",
        }
        async with api.post("/api/id-tags", json={"idTag": "DRIVER-1"}) as r:
            assert r.status == 409

        # Blocking the parent blocks its children, as Authorize answers.
        async with api.patch("/api/id-tags/FLEET", json={"status": "blocked"}) as r:
            assert (await r.json())["status"] == "Blocked"
        async with api.get("/api/id-tags/DRIVER-1") as r:
            assert (await r.json())["effectiveStatus"] == "Blocked"
        async with station(engine, "CP-1") as cp:
            answer = await cp.call(call.Authorize("DRIVER-1"))
        assert answer.id_tag_info["status"] == "Blocked"

        async with api.patch("/api/id-tags/DRIVER-1", json={"parent": None, "expiry": None}) as r:
            changed = await r.json()
        assert changed["parent"] is None and changed["expiry"] is None
        assert changed["effectiveStatus"] == "Accepted"

        async with api.get("/api/id-tags") as r:
            assert [t["idTag"] for t in (await r.json())["idTags"]] == ["DRIVER-1", "FLEET"]
        async with api.delete("/api/id-tags/DRIVER-1") as r:
            assert r.status == 204
        async with api.get("/api/id-tags/DRIVER-1") as r:
            assert r.status == 404
        async with api.delete("/api/id-tags/DRIVER-1") as r:
            assert r.status == 404


@pytest.mark.timeout(30)
async def test_refused_values_name_their_field(tmp_path: Path) -> None:
    async with own_engine(tmp_path, api_port=0) as engine, api_client(engine) as api:
        refused = [
            ({"idTag": "X", "expiry": "next tuesday"}, "expiry"),
            ({"idTag": "X", "status": "Maybe"}, "status"),
            ({"idTag": "X", "parent": "X"}, "parent"),
            ({"idTag": "A" * 37}, "idTag"),
            ({"idTag": "X", "type": "Telepathy"}, "type"),
        ]
        for body, field in refused:
            async with api.post("/api/id-tags", json=body) as r:
                assert r.status == 422, body
                assert (await r.json())["field"] == field
        async with api.post("/api/id-tags", json={"idTag": "X", "colour": "red"}) as r:
            assert r.status == 400 and (await r.json())["field"] == "colour"
        async with api.post("/api/id-tags", json={"idTag": 7}) as r:
            assert r.status == 400
        async with api.get("/api/id-tags") as r:
            assert (await r.json())["idTags"] == []
