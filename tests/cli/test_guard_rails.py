"""What the real `ocppdeck` command says, on stderr, when it cannot do what it was asked:
a data dir another ocppdeck holds, a port in use, a theme or automation that does not
exist, a CSMS that refuses the simulated drivers' tags."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from ocppdeck.core.disk.lock import LOCK_FILE
from tests.helpers.cli_process import run, run_in_terminal, serving, spawn, stop

THEMES_NAMED = "ocppdeck-dark, ocppdeck-light"


def contents(data_dir: Path) -> dict[str, bytes]:
    """Every file of the data dir but the lock, by name."""
    return {p.name: p.read_bytes() for p in data_dir.iterdir() if p.name != LOCK_FILE}


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "command",
    [[], ["demo"], ["demo", "--headless", "1"], ["stations", "list"]],
    ids=["console", "demo", "headless-demo", "stations"],
)
def test_a_second_ocppdeck_on_a_served_dir_is_refused_and_touches_nothing(
    tmp_path: Path, command: list[str]
) -> None:
    with serving(tmp_path) as server:
        before = contents(tmp_path)
        refused = run(*command, "--data-dir", str(tmp_path))
        after = contents(tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1  # one line, no traceback
    assert f"PID {server.proc.pid}: ocppdeck serve --data-dir {tmp_path}" in refused.stderr
    assert f"ocppdeck replay {tmp_path}" in refused.stderr
    assert after == before  # no log file, no store, the recording untouched (the demo cleared it)


@pytest.mark.timeout(60)
def test_serve_on_a_taken_port_says_so_once_and_records_nothing(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        failed = run("serve", "--data-dir", str(tmp_path), "--port", str(port))
    assert failed.returncode == 2
    assert failed.stderr.count("address already in use") == 1
    assert f"{port}" in failed.stderr
    assert contents(tmp_path) == {}  # no recording, no SERVER_START, no segment


@pytest.mark.timeout(60)
def test_the_console_on_a_taken_port_says_so_once_and_records_nothing(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        shown, code = run_in_terminal("--data-dir", str(tmp_path), "--port", str(port))
    assert code == 2
    assert shown.count("could not start") == 1
    assert shown.count("address already in use") == 1
    assert not list(tmp_path.glob("recording*"))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("where", ["flag", "config file", "environment"])
def test_an_unknown_theme_is_refused_naming_the_themes(tmp_path: Path, where: str) -> None:
    data_dir = tmp_path / "data"
    args, env = ["--data-dir", str(data_dir)], {}
    if where == "flag":
        args += ["--theme", "pink"]
    elif where == "config file":
        config = tmp_path / "ocppdeck.toml"
        config.write_text('theme = "pink"\n')
        args = ["demo", *args, "--config", str(config)]
    else:
        env["OCPPDECK_THEME"] = "pink"
    refused = run(*args, env=env)
    assert refused.returncode == 2
    assert refused.stderr == f"ocppdeck: theme: 'pink' is not one of {THEMES_NAMED}\n"
    assert not data_dir.exists()  # refused before anything was made


@pytest.mark.timeout(60)
def test_replay_refuses_an_unknown_theme_too(tmp_path: Path) -> None:
    recording = tmp_path / "recording.jsonl"
    recording.write_text("")
    refused = run("replay", str(recording), "--theme", "pink")
    assert refused.returncode == 2
    assert THEMES_NAMED in refused.stderr


@pytest.mark.timeout(60)
def test_serve_names_an_automation_that_is_not_installed(tmp_path: Path) -> None:
    config = tmp_path / "ocppdeck.toml"
    config.write_text('automations = ["nope", "orphan-recovery"]\n')
    with serving(tmp_path / "data", "--config", str(config)) as server:
        assert server.proc.stderr is not None
        said = server.proc.stderr.readline()
    assert "'nope' is not installed" in said
    assert "Installed: auto-start, connector-count, orphan-recovery" in said


@pytest.mark.timeout(120)
def test_simulate_says_once_what_to_do_when_its_tags_are_refused(tmp_path: Path) -> None:
    refusals = 0
    with serving(tmp_path) as server:  # no --accept-unknown-tags: the tags are unknown to it
        url = f"ws://127.0.0.1:{server.port}"
        fleet = spawn("simulate", "--url", url, "--stations", "2", "--speed", "20")
        try:
            assert fleet.stdout is not None
            for line in fleet.stdout:
                refusals += json.loads(line)["msg"].endswith("not authorized")
                if refusals == 3:
                    break
        finally:
            stop(fleet)
        assert fleet.stderr is not None
        said = fleet.stderr.read()
    assert refusals == 3
    assert said.count("the CSMS refused id tag") == 1
    assert "--accept-unknown-tags" in said
    assert "TAG-0001, TAG-0002, TAG-0003" in said
