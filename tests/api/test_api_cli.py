"""`ocppdeck send`, `state` and `tail` against a running engine's API, as a user runs them."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path

import pytest
from ocpp.v16 import call

from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.tui.api_cli import frame_line
from ocppdeck.tui.cli import main
from tests.helpers.api import api_url
from tests.helpers.cli_process import CHILD_TIMEOUT, OCPPDECK, run, serving
from tests.helpers.engine import own_engine
from tests.helpers.station16 import boot, station


def _flags(tmp_path: Path, url: str) -> list[str]:
    return ["--api-url", url, "--data-dir", str(tmp_path)]


@pytest.mark.timeout(60)
async def test_send_prints_the_stations_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with own_engine(tmp_path, api_port=0) as engine, station(engine, "CP-1") as cp:
        await boot(cp)
        flags = _flags(tmp_path, api_url(engine))
        payload = '{"connectorId": 1, "idTag": "TAG-1"}'
        code = await asyncio.to_thread(
            main, ["send", "CP-1", "RemoteStartTransaction", payload, *flags]
        )
        out = capsys.readouterr()
        assert code == 0
        assert json.loads(out.out) == {"status": "Accepted"}
        assert cp.remote_starts == [(1, "TAG-1")]

        code = await asyncio.to_thread(main, ["send", "CP-1", "Reset", '{"type": "No"}', *flags])
        err = capsys.readouterr().err
        assert code == 1
        assert "type: 'No' is not one of" in err

        code = await asyncio.to_thread(main, ["send", "CP-7", "Reset", '{"type": "Hard"}', *flags])
        assert code == 1
        assert capsys.readouterr().err.strip() == "ocppdeck: unknown station CP-7"


@pytest.mark.timeout(60)
async def test_send_to_an_offline_station_says_it_is_queued(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with own_engine(tmp_path, api_port=0) as engine:
        async with station(engine, "CP-1") as cp:
            await boot(cp)
        flags = _flags(tmp_path, api_url(engine))
        code = await asyncio.to_thread(main, ["send", "CP-1", "ClearCache", *flags])
        err = capsys.readouterr().err
        assert code == 1
        assert "CP-1 is offline" in err and "queued as command" in err


@pytest.mark.timeout(60)
async def test_state_prints_the_answers_as_json_and_as_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with own_engine(tmp_path, api_port=0) as engine, station(engine, "CP-1") as cp:
        await boot(cp)
        await cp.call(call.StatusNotification(2, "NoError", "Available"))
        flags = _flags(tmp_path, api_url(engine))
        assert await asyncio.to_thread(main, ["state", "--json", *flags]) == 0
        answers = json.loads(capsys.readouterr().out)
        assert answers["stationCount"] == 1 and "CP-1" in answers["stations"]
        assert await asyncio.to_thread(main, ["state", *flags]) == 0
        tables = capsys.readouterr().out
        assert "Charging stations: 1" in tables and "CP-1" in tables


@pytest.mark.timeout(60)
async def test_tail_follows_the_filtered_frames(tmp_path: Path) -> None:
    async with own_engine(tmp_path, api_port=0) as engine, station(engine, "CP-1") as cp:
        await boot(cp)
        proc = await asyncio.create_subprocess_exec(
            OCPPDECK,
            "tail",
            "action:StatusNotification",
            "kind:CALL",
            *_flags(tmp_path, api_url(engine)),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            assert proc.stdout is not None
            while not engine.api.streams.open:  # the child has connected
                await asyncio.sleep(0.05)
                assert proc.returncode is None, await proc.stderr.read()  # type: ignore[union-attr]
            await cp.call(call.Heartbeat())
            await cp.call(call.StatusNotification(1, "NoError", "Faulted", info="\x1b[2J"))
            line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
        finally:
            proc.kill()
            await proc.wait()
        assert "CP-1 ← CALL StatusNotification" in line
        assert "\x1b" not in line  # a station's text never reaches the terminal as a sequence


@pytest.mark.timeout(60)
def test_nothing_running_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "api-token").write_text("some-token\n")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: nothing answers there
        code = main(["state", *_flags(tmp_path, f"http://127.0.0.1:{port}")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("ocppdeck: no ocppdeck API answers at")


@pytest.mark.timeout(60)
def test_no_token_in_the_data_dir_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["state", "--data-dir", str(tmp_path)])
    assert code == 2
    assert "cannot read the API token" in capsys.readouterr().err


def test_tail_escapes_what_a_station_sent_that_is_no_text() -> None:
    garbage = Frame(0.0, "CP-1", Direction.IN, Kind.MALFORMED, text="\x1b]0;pwned\x07[2,")
    line = frame_line(garbage)
    assert "\x1b" not in line and "\x07" not in line
    assert "\\x1b]0;pwned\\x07[2," in line


@pytest.mark.timeout(90)
def test_serve_with_api_port_answers_the_state_command(tmp_path: Path) -> None:
    with serving(tmp_path, "--api-port", "0") as server:
        deadline = time.monotonic() + CHILD_TIMEOUT
        while not (found := [json.loads(line) for line in server.log if "api listening" in line]):
            assert time.monotonic() < deadline, server.log
            time.sleep(0.05)
        url = f"http://127.0.0.1:{found[0]['port']}"
        done = run("state", "--json", "--api-url", url, "--data-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"stationCount": 0, "stations": {}, "openTransactions": []}
    assert found[0]["token_file"] == str(tmp_path / "api-token")
    assert (tmp_path / "api-token").read_text().strip() not in "".join(server.log)
