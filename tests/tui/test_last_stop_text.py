"""With no transaction open, the connectors pane says why an EVSE's last one ended: a master
pass, a driver, a reset… (the newest stop; the station's words shown as text)."""

from __future__ import annotations

from ocppdeck.core.wire.frame import Frame
from ocppdeck.tui.widgets.connectors_table import connector_row, last_ended
from tests.helpers.folded import project
from tests.helpers.tx_frames import T0, tx_event

TRANSACTION = 5  # the cell of the row that shows the transaction


def transaction_cells(frames: list[Frame]) -> dict[int, str]:
    """The transaction cell of each EVSE of station CS, once `frames` are folded."""
    state = project(frames)
    ended = last_ended(state, "CS")
    return {
        n: str(connector_row(state, "CS", evse, None, None, ended.get(n))[TRANSACTION])
        for n, evse in state.stations["CS"].evses.items()
        if n > 0
    }


def test_an_evse_says_why_its_newest_transaction_ended_until_another_opens() -> None:
    frames = [
        *tx_event("CS", "Started", "TX-1", 0, T0, evse=1, energy=0, token="A-1"),
        *tx_event("CS", "Ended", "TX-1", 1, T0 + 60, energy=90, reason="Local"),
        *tx_event("CS", "Started", "TX-2", 0, T0 + 100, evse=1, energy=90, token="A-2"),
        *tx_event("CS", "Ended", "TX-2", 1, T0 + 160, energy=200, reason="MasterPass"),
        *tx_event("CS", "Started", "TX-3", 0, T0 + 100, evse=2, energy=0, token="B-1"),
    ]
    assert transaction_cells(frames) == {1: "ended · MasterPass", 2: "TX-3 (B-1)"}
    frames += tx_event("CS", "Ended", "TX-3", 1, T0 + 170, energy=9, reason="EVDisconnected")
    frames += tx_event("CS", "Started", "TX-4", 0, T0 + 200, evse=1, energy=200, token="A-1")
    assert transaction_cells(frames) == {1: "TX-4 (A-1)", 2: "ended · EVDisconnected"}


def test_a_stop_reason_is_shown_as_text_never_markup() -> None:
    frames = [
        *tx_event("CS", "Started", "TX-1", 0, T0, evse=1, energy=0, token="A-1"),
        *tx_event("CS", "Ended", "TX-1", 1, T0 + 60, energy=9, reason="[red]\x1b[31mX"),
    ]
    assert transaction_cells(frames) == {1: "ended · [red]\\x1b[31mX"}
