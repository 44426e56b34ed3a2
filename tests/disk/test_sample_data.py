"""The shipped sample recordings fold into the states their runs had."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocppdeck.core.disk.formats import ImportReport
from ocppdeck.core.model.answers import answers
from ocppdeck.core.model.state import CountVerdict, connector_count
from ocppdeck.core.replay.player import Mark, Player
from ocppdeck.core.wire.frame import Kind
from ocppdeck.sample_data import sample_path
from tests.helpers import fault_story
from tests.helpers.folded import project, recorded


def test_demo_recording_folds_into_five_stations_with_transactions() -> None:
    report = ImportReport()
    state = project(recorded(sample_path("demo-v16.jsonl"), report))
    assert report.skipped == []
    assert sorted(state.stations) == [f"SIM-00{n}" for n in range(1, 6)]
    assert all(connector_count(s).verdict is CountVerdict.OK for s in state.stations.values())
    closed = [tx for tx in state.transactions.values() if not tx.is_open]
    assert closed and all((state.energy_so_far(tx) or 0) >= 0 for tx in closed)
    # The fleet was stopped, so nothing is online at the end of the recording.
    assert not any(state.is_online(s) for s in state.stations.values())


@pytest.mark.timeout(30)
async def test_fault_story_is_what_the_csms_records_and_shows_each_fault(tmp_path: Path) -> None:
    shipped = sample_path("fault-story.jsonl")
    fresh = await fault_story.record(tmp_path)
    assert answers(project(recorded(fresh))) == answers(project(recorded(shipped)))
    player = Player("fault story")
    try:
        player.index(recorded(shipped))
        errors = [player.frame(p) for p, mark in player.marks if mark is Mark.ERROR]
        # A Faulted connector, a schema violation answered with CALLERROR, two refused tags.
        assert any(
            f.action == "StatusNotification" and f.payload["status"] == "Faulted" for f in errors
        )
        assert any(f.kind is Kind.ERROR and f.action == "FormatViolation" for f in errors)
        refused = [f.payload["idTagInfo"]["status"] for f in errors if f.kind is Kind.RESULT]
        assert refused == ["Blocked", "Invalid"]
        player.seek(len(player))
        state = player.projection.state
        [tx] = state.transactions.values()
        assert (tx.stop_reason, state.energy_so_far(tx)) == ("Reboot", 700.0)
        assert state.stations["CP-FAULT"].evses[2].status == "Available"
        assert connector_count(state.stations["CP-FAULT"]).verdict is CountVerdict.OK
    finally:
        player.close()
