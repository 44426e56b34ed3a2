"""Item 4: on a plain OCPP 1.6 log, `ocppdeck report` counts the sessions and the kWh that
ocpp-lens (a peer 1.6 log analyzer, a test-only dependency) counts on the same file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from ocpp_lens import OCPPAnalyzer, OCPPLogParser

from ocppdeck.core.clock import to_iso
from ocppdeck.core.disk.formats import ImportReport, read_frames
from ocppdeck.core.wire.codec import to_wire
from ocppdeck.sample_data import sample_path
from ocppdeck.tui.cli import main

RECORDING = sample_path("demo-v16.jsonl")
STATIONS = [f"SIM-00{n}" for n in range(1, 6)]


def plain_log(station: str, folder: Path) -> Path:
    """One simulated station's traffic from the shipped demo as a plain OCPP-J log: an
    ISO timestamp and the OCPP-J array a line, as a charger logs it (open sessions too)."""
    lines = []
    for frame in read_frames(RECORDING, None, ImportReport()):
        wire = to_wire(frame)
        if frame.station == station and wire is not None:
            lines.append(f"{to_iso(frame.ts)} {orjson.dumps(wire).decode()}")
    path = folder / f"{station}.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def report_of(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["report", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "(ocppj)" in err
    result: dict[str, Any] = json.loads(out)
    return result


@pytest.mark.parametrize("station", STATIONS)
def test_sessions_and_kwh_equal_ocpp_lens_on_a_plain_16_log(
    station: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = plain_log(station, tmp_path)
    lens = OCPPAnalyzer().analyze(OCPPLogParser().parse_file(log))
    ours = report_of(log, capsys)
    assert lens.total_sessions > 0
    assert ours["summary"]["sessions"] == lens.total_sessions
    assert ours["summary"]["energyKwh"] == pytest.approx(lens.total_energy_kwh, abs=5e-4)
    # Session by session: the same transactions, each with the same energy when stopped.
    lens_kwh = {str(s.transaction_id): s.energy_kwh for s in lens.sessions}
    our_kwh = {s["transactionId"]: s["energyKwh"] for s in ours["tables"]["sessions"]}
    assert set(our_kwh) == set(lens_kwh)
    for tx, kwh in lens_kwh.items():
        if kwh is not None:
            assert our_kwh[tx] == pytest.approx(kwh, abs=5e-4)


def test_the_demo_has_open_sessions_whose_energy_so_far_is_apart_from_the_total(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # ocpp-lens counts a session's energy only once it stopped; so does the total here, and
    # what open sessions delivered so far is reported beside it, not in it.
    opened = 0
    for station in STATIONS:
        ours = report_of(plain_log(station, tmp_path), capsys)
        rows = ours["tables"]["sessions"]
        open_rows = [s for s in rows if not s["completed"]]
        opened += len(open_rows)
        (totals,) = ours["tables"]["sessionsByStation"]
        assert totals["sessions"] == len(rows)
        assert totals["energyInProgressKwh"] == pytest.approx(
            sum(s["energyKwh"] or 0.0 for s in open_rows), abs=1e-6
        )
    assert opened == 9  # the demo stopped with nine sessions open (sample_data/README.md)
