"""`ocppdeck project FILE`: headless answers from event logs, recordings, gzip and folders."""

from __future__ import annotations

import contextlib
import gzip
import itertools
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ocppdeck.sample_data import sample_path
from ocppdeck.tui.cli import main
from tests.helpers.cli_process import OCPPDECK

EVENTLOG = sample_path("eventlog-example.json")
RECORDING = sample_path("demo-v16.jsonl")


def project_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["project", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_sample_event_log_gives_exactly_the_expected_answers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["project", str(EVENTLOG), "--json"]) == 0
    out, err = capsys.readouterr()
    assert out == sample_path("eventlog-example.expected.json").read_text()
    assert "(eventlog): 17 frames; none skipped" in err


def test_the_expected_answers_say_what_the_sample_was_made_to_show() -> None:
    expected = json.loads(sample_path("eventlog-example.expected.json").read_text())
    st1, st2, st3 = (expected["stations"][s] for s in ("ST-1", "ST-2", "ST-3"))
    assert (st1["declaredConnectors"], st1["connectorCountCorrect"]) == (2, True)
    assert st1["connectors"]["1"] == {"reading": 12400.5, "at": "2023-01-01T10:00:00.000Z"}
    assert (st2["declaredConnectors"], st2["seenConnectors"]) == (2, 3)
    assert st2["connectorCountCorrect"] is False
    assert st2["reason"] == "declares 2 but connector 3 reported in the newest full report"
    assert (st3["declaredConnectors"], st3["connectorCountCorrect"]) == (None, None)


def test_a_recording_answers_for_five_stations_with_readings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = project_json(capsys, str(RECORDING))
    assert result["stationCount"] == 5
    assert sorted(result["stations"]) == [f"SIM-00{n}" for n in range(1, 6)]
    for station in result["stations"].values():
        assert station["connectorCountCorrect"] is True
        assert station["connectors"]
        for conn in station["connectors"].values():
            assert conn["reading"] > 0
            assert conn["at"].endswith("Z")
    assert len(result["openTransactions"]) == 9
    first = result["openTransactions"][0]
    assert set(first) == {
        "station",
        "transactionId",
        "connectorId",
        "idTag",
        "startedAt",
        "energyWh",
    }


def test_a_gzip_copy_gives_the_same_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = project_json(capsys, str(RECORDING))
    copy = tmp_path / "demo.jsonl.gz"
    with RECORDING.open("rb") as src, gzip.open(copy, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert project_json(capsys, str(copy)) == plain
    events = tmp_path / "events"  # no telling suffix: gzip and format both from the bytes
    events.write_bytes(gzip.compress(EVENTLOG.read_bytes()))
    assert project_json(capsys, str(events)) == project_json(capsys, str(EVENTLOG))


def test_a_folder_of_segments_gives_the_same_answers_as_the_single_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = RECORDING.read_bytes().splitlines(keepends=True)
    cuts = [0, 400, 900, 1500, len(lines)]
    parts = [b"".join(lines[a:b]) for a, b in itertools.pairwise(cuts)]
    (tmp_path / "recording-1.jsonl.gz").write_bytes(gzip.compress(parts[0]))
    (tmp_path / "recording-2.jsonl").write_bytes(parts[1])
    (tmp_path / "recording-10.jsonl.gz").write_bytes(gzip.compress(parts[2]))
    (tmp_path / "recording.jsonl").write_bytes(parts[3])
    assert project_json(capsys, str(tmp_path)) == project_json(capsys, str(RECORDING))


def test_a_missing_file_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["project", "/no/such/recording.jsonl"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "ocppdeck: /no/such/recording.jsonl: no such file or folder\n"


def test_skipped_lines_are_listed_on_stderr_and_still_exit_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = json.loads(EVENTLOG.read_text())
    events += [{"messageType": "Nope", "occurredAt": "2023-01-01T00:00:00Z"}] * 25
    log = tmp_path / "events.json"
    log.write_text(json.dumps(events))
    assert main(["project", str(log), "--format", "eventlog"]) == 0
    err = capsys.readouterr().err
    assert "17 frames; 25 skipped: 25 unknown messageType" in err
    assert err.count("events.json:1: unknown messageType") == 20
    assert "… and 5 more" in err


def test_table_mode_prints_the_stations_and_readings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["project", str(EVENTLOG)]) == 0
    out = capsys.readouterr().out
    for text in ("ST-1", "ST-2", "ST-3", "12,400.5", "2023-01-01 10:20:00", "No open transactions"):
        assert text in out
    assert "declares 2 but connector 3 reported" in out
    assert main(["project", str(RECORDING)]) == 0
    out = capsys.readouterr().out
    assert "SIM-005" in out
    assert "Open transactions" in out


# Ctrl+C as at a terminal, then the command in the same process: tests run as a shell's
# background job (as CI may run them) would pass Ctrl+C on ignored.
AS_AT_A_TERMINAL = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


@pytest.mark.timeout(60)
def test_ctrl_c_stops_a_long_read_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    lines = RECORDING.read_bytes()
    with big.open("wb") as out:
        for _ in range(100):  # about 45 MB: seconds of reading
            out.write(lines)
    proc = subprocess.Popen(
        [sys.executable, "-c", AS_AT_A_TERMINAL, OCPPDECK, "project", str(big), "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_reading(proc.pid, big)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert err.strip() == "ocppdeck: interrupted"
    assert out == ""


def _wait_until_reading(pid: int, file: Path) -> None:
    """Until the process has read into `file` (its offset in /proc/PID/fdinfo)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                if fd.readlink() == file:
                    info = Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text()
                    if int(info.split("pos:")[1].split()[0]) > 0:
                        return
        time.sleep(0.01)
    raise AssertionError("it never started reading")


def test_reading_a_file_loads_no_bus_http_or_certificate_library() -> None:
    # nats (with the aiohttp it loads) and cryptography took 0.2 s of every `project`,
    # `report` and `redact` start; they are loaded only for a bus or a contract CA.
    probe = (
        "import sys\n"
        "from ocppdeck.tui.cli import main\n"
        f"code = main(['project', {str(RECORDING)!r}, '--json'])\n"
        "heavy = sorted(m for m in ('nats', 'aiohttp', 'cryptography') if m in sys.modules)\n"
        "print('LOADED', heavy, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stderr
    assert json.loads(done.stdout)["stations"]
