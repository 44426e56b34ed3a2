"""The bearer token: made private on first use, kept across runs, required on every request."""

from __future__ import annotations

import stat
from pathlib import Path

import aiohttp
import pytest

from ocppdeck.core.api.bearer import TOKEN_FILE, TokenError
from ocppdeck.core.engine import Engine
from tests.helpers.api import api_client, api_url, token_of
from tests.helpers.engine import make_settings, own_engine

PATHS = ["/api/stations", "/api/state", "/openapi.json", "/api/frames", "/api/no-such-thing"]


@pytest.mark.timeout(30)
async def test_every_request_without_the_right_token_is_401_json(tmp_path: Path) -> None:
    async with own_engine(tmp_path, api_port=0) as engine:
        async with aiohttp.ClientSession(base_url=api_url(engine)) as anonymous:
            for path in PATHS:
                async with anonymous.get(path) as response:
                    assert response.status == 401
                    assert response.headers["WWW-Authenticate"].startswith("Bearer")
                    body = await response.json()
                    assert "token" in body["error"] and body["status"] == 401
        for wrong in ("not-the-token", token_of(engine)[:-1]):
            async with (
                api_client(engine, token=wrong) as session,
                session.get("/api/stations") as response,
            ):
                assert response.status == 401
        async with (
            aiohttp.ClientSession(
                base_url=api_url(engine), headers={"Authorization": f"Basic {token_of(engine)}"}
            ) as basic,
            basic.get("/api/stations") as response,
        ):
            assert response.status == 401
        async with api_client(engine) as session, session.get("/api/stations") as response:
            assert response.status == 200
            assert await response.json() == {"stations": []}


@pytest.mark.timeout(30)
async def test_the_token_is_private_and_kept_for_the_next_run(tmp_path: Path) -> None:
    async with own_engine(tmp_path, api_port=0) as engine:
        first = token_of(engine)
    path = tmp_path / TOKEN_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 40
    async with own_engine(tmp_path, api_port=0) as engine:
        assert token_of(engine) == first
        async with (
            api_client(engine, token=first) as session,
            session.get("/api/state") as response,
        ):
            assert response.status == 200


@pytest.mark.timeout(30)
async def test_a_token_file_given_is_used_and_no_token_is_made(tmp_path: Path) -> None:
    given = tmp_path / "secret-token"
    given.write_text("my-own-token-of-enough-length\n")
    data_dir = tmp_path / "data"
    async with (
        own_engine(data_dir, api_port=0, api_token_file=given) as engine,
        api_client(engine, token="my-own-token-of-enough-length") as session,
        session.get("/api/stations") as response,
    ):
        assert response.status == 200
    assert not (data_dir / TOKEN_FILE).exists()


@pytest.mark.timeout(30)
async def test_a_missing_token_file_stops_the_start_and_leaves_nothing_running(
    tmp_path: Path,
) -> None:
    engine = Engine(make_settings(tmp_path, api_port=0, api_token_file=tmp_path / "missing"))
    with pytest.raises(TokenError, match="cannot read the API token"):
        await engine.start()
    assert not engine.csms.listening
    # The data dir was let go: another run can start on it.
    async with own_engine(tmp_path, api_port=0) as again:
        assert again.api is not None


@pytest.mark.timeout(30)
async def test_without_an_api_port_there_is_no_api(tmp_path: Path) -> None:
    async with own_engine(tmp_path) as engine:
        assert engine.api is None
    assert not (tmp_path / TOKEN_FILE).exists()
