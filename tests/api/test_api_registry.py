"""The station registry through the API: add, set a password, accept or reject a pending
station, remove; passwords shown once and never their hashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocppdeck.core.csms.passwords import verify_password
from tests.helpers.api import api_client
from tests.helpers.engine import out_calls, own_engine, wait_for
from tests.helpers.station16 import boot, station


@pytest.mark.timeout(60)
async def test_add_set_password_and_remove(tmp_path: Path) -> None:
    async with own_engine(tmp_path, api_port=0) as engine, api_client(engine) as api:
        registry = engine.csms.registry
        async with api.post("/api/registry", json={"id": "CP-1"}) as r:
            assert r.status == 201
            made = await r.json()
        assert made["station"] == {
            "id": "CP-1",
            "standing": "accepted",
            "hasPassword": True,
            "addedAt": made["station"]["addedAt"],
        }
        entry = registry.get("CP-1")
        assert entry is not None and entry.password_hash is not None
        assert verify_password(made["password"], entry.password_hash)

        async with api.post("/api/registry", json={"id": "CP-1"}) as r:
            assert r.status == 409
        async with api.post("/api/registry", json={"id": "bad id/with slash"}) as r:
            assert r.status == 422 and (await r.json())["field"] == "id"
        async with api.post("/api/registry", json={"id": "CP-2", "password": "short"}) as r:
            assert r.status == 422 and (await r.json())["field"] == "password"

        chosen = "a-password-of-twenty-chars"
        async with api.put("/api/registry/CP-1/password", json={"password": chosen}) as r:
            assert r.status == 200 and (await r.json())["password"] == chosen
        entry = registry.get("CP-1")
        assert entry is not None and entry.password_hash is not None
        assert verify_password(chosen, entry.password_hash)

        async with api.get("/api/registry") as r:
            listed = (await r.json())["stations"]
        assert [s["id"] for s in listed] == ["CP-1"]
        assert "password_hash" not in str(listed) and "scrypt" not in str(listed)

        async with api.delete("/api/registry/CP-1") as r:
            assert r.status == 204
        assert registry.get("CP-1") is None
        async with api.delete("/api/registry/CP-1") as r:
            assert r.status == 404
        async with api.put("/api/registry/CP-1/password") as r:
            assert r.status == 404


@pytest.mark.timeout(30)
async def test_a_pending_station_is_accepted_and_asked_to_boot_again(tmp_path: Path) -> None:
    async with (
        own_engine(tmp_path, api_port=0, registration="pending") as engine,
        api_client(engine) as api,
        station(engine, "CP-NEW") as cp,
    ):
        answer = await boot(cp)
        assert answer.status == "Pending"
        async with api.get("/api/registry") as r:
            (pending,) = (await r.json())["stations"]
        assert pending["id"] == "CP-NEW" and pending["standing"] == "pending"

        async with api.post("/api/registry/CP-NEW/accept") as r:
            assert r.status == 200
            body = await r.json()
        assert body["station"]["standing"] == "accepted" and body["bootRequested"] is True
        await wait_for(lambda: out_calls(engine, "CP-NEW", "TriggerMessage"))
        assert (await boot(cp)).status == "Accepted"


@pytest.mark.timeout(30)
async def test_a_rejected_station_is_disconnected(tmp_path: Path) -> None:
    async with (
        own_engine(tmp_path, api_port=0, registration="pending") as engine,
        api_client(engine) as api,
        station(engine, "CP-NEW") as cp,
    ):
        await boot(cp)
        async with api.post("/api/registry/CP-NEW/reject") as r:
            assert r.status == 200
            assert (await r.json())["station"]["standing"] == "rejected"
        await wait_for(lambda: not engine.commands.is_connected("CP-NEW"))
        async with api.post("/api/registry/CP-NONE/accept") as r:
            assert r.status == 404
