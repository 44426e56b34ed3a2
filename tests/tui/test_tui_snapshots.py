"""SVG snapshots of the console on the deterministic scenario (pytest-textual-snapshot).

Update after an intended change of the screen with
`pytest tests/tui/test_tui_snapshots.py --snapshot-update`, then look at the SVGs.
"""

from __future__ import annotations

from ocppdeck.core.wire.frame import Kind
from tests.helpers.scenario import scenario_app, scenario_frames
from tests.helpers.scenario_mixed import mixed_app

SIZE = (160, 48)


def _ups_to(kind: Kind) -> list[str]:
    """Keys that move the frame-log cursor from the newest frame to the first of `kind`."""
    frames = scenario_frames()
    index = next(i for i, f in enumerate(frames) if f.kind is kind)
    return ["up"] * (len(frames) - 1 - index)


def test_main_screen_dark(snap_compare) -> None:
    assert snap_compare(scenario_app("ocppdeck-dark"), terminal_size=SIZE)


def test_main_screen_light(snap_compare) -> None:
    assert snap_compare(scenario_app("ocppdeck-light"), terminal_size=SIZE)


def test_bravo_selected_shows_mismatch_and_open_transaction(snap_compare) -> None:
    assert snap_compare(scenario_app(), press=["down"], terminal_size=SIZE)


def test_inspector_on_a_callerror(snap_compare) -> None:
    keys = ["tab", "tab", *_ups_to(Kind.ERROR), "enter"]
    assert snap_compare(scenario_app(), press=keys, terminal_size=SIZE)


def test_help_screen(snap_compare) -> None:
    assert snap_compare(scenario_app(), press=["question_mark"], terminal_size=SIZE)


def test_frame_log_filtered_by_station(snap_compare) -> None:
    keys = ["slash", *"station:CP-ALPHA", "enter"]
    assert snap_compare(scenario_app(), press=keys, terminal_size=SIZE)


def test_mixed_versions_main_screen(snap_compare) -> None:
    """A 1.6 and a 2.0.1 station side by side, the 2.0.1 one selected: its EVSEs and the
    energy of its TransactionEvent transaction."""
    assert snap_compare(mixed_app(), press=["down"], terminal_size=SIZE)


def test_main_screen_at_80x24_keeps_all_four_panes(snap_compare) -> None:
    """Fewer rows and columns each, the header's brand first to go; the page never scrolls."""
    assert snap_compare(scenario_app(), terminal_size=(80, 24))


def test_offline_station_at_80x24_shows_its_last_known_state_dimmed(snap_compare) -> None:
    assert snap_compare(scenario_app(), press=["down", "down"], terminal_size=(80, 24))


def test_mixed_versions_at_200x50_show_vendors_and_transaction_ids_whole(snap_compare) -> None:
    assert snap_compare(mixed_app(), press=["down"], terminal_size=(200, 50))
