"""`n` and `p` in replay stop where something was lost: a seqNo gap, a stop with no start."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocppdeck.core.replay.marks import Mark
from ocppdeck.core.replay.source import ReplaySource
from tests.helpers.engine import make_settings
from tests.helpers.tx_frames import T0, stop16, tx_event


@pytest.mark.timeout(20)
async def test_next_stops_at_the_gap_and_at_the_orphan_stop(tmp_path: Path) -> None:
    frames = [
        *tx_event("CS", "Started", "TX", 0, T0, evse=1, energy=0, token="T"),
        *tx_event("CS", "Updated", "TX", 1, T0 + 60, energy=100),
        *tx_event("CS", "Updated", "TX", 4, T0 + 240, energy=400),  # 2 and 3 lost
        *stop16("CP", 77, 10, T0 + 300),  # never started
    ]
    replay = ReplaySource(frames, make_settings(tmp_path), "lost")
    await replay.start()
    try:
        assert [mark for _, mark in replay.marks] == [Mark.TX_START, Mark.LOST, Mark.LOST]
        lost = {Mark.LOST}
        assert replay.jump(True, lost)
        gap = replay.state.transactions[("CS", "TX")]
        assert (replay.position, gap.missing_events) == (5, 2)  # just past the gap's event
        assert replay.jump(True, lost)
        assert replay.state.stations["CP"].orphan_stops == 1
        assert not replay.jump(True, lost)
        assert replay.jump(False)  # back to the gap
        assert replay.position == 5
    finally:
        await replay.close()
