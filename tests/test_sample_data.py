"""The shipped demo recording folds into the state the demo had."""

from __future__ import annotations

from ocppdeck.core.projection import project
from ocppdeck.core.recording import ReadReport, read_recording
from ocppdeck.core.state import CountVerdict, connector_count
from ocppdeck.sample_data import sample_path


def test_demo_recording_folds_into_five_stations_with_transactions() -> None:
    report = ReadReport()
    state = project(read_recording(sample_path("demo-v16.jsonl"), report))
    assert report.skipped == []
    assert sorted(state.stations) == [f"SIM-00{n}" for n in range(1, 6)]
    assert all(connector_count(s).verdict is CountVerdict.OK for s in state.stations.values())
    closed = [tx for tx in state.transactions.values() if not tx.is_open]
    assert closed and all((state.energy_so_far(tx) or 0) >= 0 for tx in closed)
    # The fleet was stopped, so nothing is online at the end of the recording.
    assert not any(state.is_online(s) for s in state.stations.values())
