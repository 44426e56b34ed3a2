"""Hostile requests: a body too large, not JSON, of the wrong shape, a method or path that
does not exist; every answer is a JSON error, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocppdeck.core.api.server import MAX_BODY_BYTES
from tests.helpers.api import api_client
from tests.helpers.engine import out_calls, own_engine
from tests.helpers.station16 import boot, station


@pytest.mark.timeout(30)
async def test_bad_requests_get_json_errors(tmp_path: Path) -> None:
    async with (
        own_engine(tmp_path, api_port=0) as engine,
        api_client(engine) as api,
        station(engine, "CP-1") as cp,
    ):
        await boot(cp)
        command = "/api/stations/CP-1/commands/DataTransfer"
        cases = [
            ("POST", command, b"x" * (MAX_BODY_BYTES + 1), 413),
            ("POST", command, b"{not json", 400),
            ("POST", command, b"[1, 2, 3]", 400),
            ("POST", command, b"[" * 100_000, 400),
            ("POST", "/api/id-tags", b"\xff\xfe\x00", 400),
            ("PUT", "/api/stations", b"", 405),
            ("GET", "/api/../../etc/passwd", b"", 404),
            ("GET", "/api/queue/not-a-number", b"", 404),
        ]
        for method, path, body, status in cases:
            async with api.request(method, path, data=body) as response:
                assert response.status == status, (method, path)
                assert response.content_type == "application/json"
                error = await response.json()
                assert error["status"] == status
                assert "Traceback" not in error["error"]
        assert not out_calls(engine, "CP-1", "DataTransfer")
