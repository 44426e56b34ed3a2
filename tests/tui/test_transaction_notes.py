"""The connectors pane says what the rows cannot: events lost of a transaction, a transaction
whose EVSE is not named yet, stops with no start."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.content import Content

from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.widgets.connectors_table import ConnectorsTable
from tests.helpers.engine import make_settings
from tests.helpers.folded import FoldedSource
from tests.helpers.tui import SIZE
from tests.helpers.tx_frames import T0, tx_event


@pytest.mark.timeout(30)
async def test_lost_events_an_unnamed_evse_and_an_orphan_stop_are_shown() -> None:
    frames = [
        *tx_event("CS", "Started", "TX-B", 0, T0, evse=1, energy=0, token="TOK"),
        *tx_event("CS", "Updated", "TX-B", 3, T0 + 180, energy=300),  # 1 and 2 lost
        *tx_event("CS", "Started", "TX-A", 0, T0 + 200, energy=50, token="EARLY"),  # no EVSE
        *tx_event("CS", "Ended", "TX-Z", 7, T0 + 240, evse=2, energy=9),  # never started
    ]
    source = FoldedSource(frames, make_settings(Path("/nonexistent-unused")), name="notes")
    app = OcppDeckApp(source)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        connectors = app.query_one(ConnectorsTable)
        assert str(connectors.get_row("1/1")[5]) == "⚠ TX-B (TOK)"
        assert str(connectors.get_row("2/1")[5]) == "—"  # the orphan made no transaction
        notes = Content.from_markup(connectors.border_subtitle or "").plain.split(" · ")
        assert notes[:-1] == [
            "tx TX-B: seqNo 1-2 lost",
            "tx TX-A: EVSE not named",
            "1 stop without a start",
        ]
