"""The console driven by keys (Textual's Pilot): on the folded scenario, then live.

Live tests run a real Engine (loopback CSMS on a free port) inside the app and
a real `ocpp` 1.6 ChargePoint connected to it over websockets.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import Input, Static

from ocppdeck.core.clock import to_iso
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.screens.help import HelpScreen
from ocppdeck.tui.screens.inspector import InspectorScreen
from ocppdeck.tui.screens.prompt import PromptScreen
from ocppdeck.tui.widgets.connectors_table import ConnectorsTable
from ocppdeck.tui.widgets.frame_log_view import FrameLogView
from ocppdeck.tui.widgets.stations_table import StationsTable
from tests.helpers.engine import make_settings, wait_for
from tests.helpers.folded import FoldedSource
from tests.helpers.scenario import scenario_app, scenario_frames
from tests.helpers.tui import (
    SIZE,
    Toasts,
    frame_log_has,
    live_app,
    live_station,
    log_lines,
    plain,
    screen_statics_text,
    select_live_connector,
    selected_frame,
    shown_frames,
)


# --- on the folded scenario --------------------------------------------------
@pytest.mark.timeout(30)
async def test_help_lists_the_keys_and_esc_closes_it() -> None:
    app = scenario_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_statics_text(app)
        for label in ("Start charge", "Stop charge", "Filter frames", "Inspect"):
            assert label in text, label
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        assert len(app.screen_stack) == 1


@pytest.mark.timeout(30)
async def test_q_quits() -> None:
    app = scenario_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    assert not app.is_running


@pytest.mark.timeout(30)
async def test_stations_pane_lists_stations_and_flags_the_mismatch() -> None:
    app = scenario_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(StationsTable)
        ids = [row.key.value for row in table.ordered_rows]
        assert ids == ["CP-ALPHA", "CP-BRAVO", "CP-CHARLIE"]
        conn = {sid: str(table.get_row(sid)[5]) for sid in ids}
        assert "⚠" in conn["CP-BRAVO"]
        assert conn["CP-BRAVO"].startswith("2/3")
        assert "⚠" not in conn["CP-ALPHA"]
        assert "⚠" not in conn["CP-CHARLIE"]
        assert "offline" in str(table.get_row("CP-CHARLIE")[3])
        assert "online" in str(table.get_row("CP-ALPHA")[3])


@pytest.mark.timeout(30)
async def test_moving_the_station_cursor_changes_the_connectors_pane() -> None:
    app = scenario_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        connectors = app.query_one(ConnectorsTable)
        assert connectors.border_title == "Connectors · CP-ALPHA"
        assert connectors.row_count == 2
        await pilot.press("down")
        await pilot.pause()
        assert app.query_one(StationsTable).selected == "CP-BRAVO"
        assert connectors.border_title == "Connectors · CP-BRAVO"
        assert connectors.row_count == 3
        assert "declares 2 but connector 3 reported" in str(connectors.border_subtitle)
        assert "102 (TAG-BRAVO)" in str(connectors.get_row("2/1")[5])
        await pilot.press("down")
        await pilot.pause()
        # CP-CHARLIE closed its connection at 10:12:42: what it said last, as last known.
        assert connectors.border_title is not None
        assert connectors.border_title.startswith("CP-CHARLIE")
        assert "last known 10:12:42" in connectors.border_title
        error = connectors.get_row("1/1")[2]
        assert "GroundFailure" in str(error)
        assert isinstance(error, Text) and error.style == "dim"


@pytest.mark.timeout(30)
async def test_filter_shows_only_matching_frames_and_esc_twice_clears_it() -> None:
    app = scenario_app()
    total = len(scenario_frames())
    alpha = sum(1 for f in scenario_frames() if f.station == "CP-ALPHA")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.query_one(FrameLogView)
        box = app.query_one("#filter", Input)
        assert len(view.positions) == total
        await pilot.press("slash")
        await pilot.pause()
        assert box.has_class("visible") and app.focused is box
        await pilot.press(*"station:CP-ALPHA", "enter")
        await pilot.pause()
        assert not box.has_class("visible")
        assert app.focused is view
        frames = shown_frames(app)
        assert len(frames) == alpha > 0
        assert {f.station for f in frames} == {"CP-ALPHA"}
        assert "filter" in str(view.border_title)
        # "/" again shows the box with the filter; Esc hides it, a second Esc clears.
        await pilot.press("slash")
        await pilot.pause()
        assert box.has_class("visible") and box.value == "station:CP-ALPHA"
        await pilot.press("escape")
        await pilot.pause()
        assert not box.has_class("visible")
        assert len(view.positions) == alpha  # still filtered
        await pilot.press("escape")
        await pilot.pause()
        assert view.query_filter.empty
        assert box.value == ""
        assert len(view.positions) == total
        assert view.border_title == "Frames"


@pytest.mark.timeout(30)
@pytest.mark.parametrize("key", ["s", "x"])
async def test_commands_are_off_in_replay(key: str) -> None:
    app = scenario_app()
    toasts = Toasts()
    async with app.run_test(size=SIZE, message_hook=toasts) as pilot:
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
        assert len(app.screen_stack) == 1
        assert not isinstance(app.screen, PromptScreen)
        found = toasts.having("commands are off")
        assert len(found) == 1, toasts.texts()
        assert found[0].severity == "warning"
        assert "Replay" in found[0].message


@pytest.mark.timeout(30)
async def test_enter_in_the_frame_log_opens_the_inspector_with_the_round_trip() -> None:
    frames = scenario_frames()
    # The newest CALL that has its answer in the log: CP-CHARLIE's last Heartbeat.
    index = max(
        i
        for i, f in enumerate(frames)
        if f.kind is Kind.CALL
        and any(a.kind is Kind.RESULT and a.unique_id == f.unique_id for a in frames)
    )
    target = frames[index]
    app = scenario_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("tab", "tab")
        await pilot.pause()
        view = app.query_one(FrameLogView)
        assert app.focused is view
        await pilot.press(*["up"] * (len(frames) - 1 - index))
        assert selected_frame(view) == target
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, InspectorScreen)
        assert app.screen.frame_log.get(app.screen.position) == target
        text = plain(app.screen.query_one("#inspector-body", Static).content)
        assert "round trip" in text
        assert "50.0 ms" in text  # the scenario answers every station CALL in 50 ms
        assert f"Request · {target.action}" in text
        assert "Answer" in text
        await pilot.press("escape")
        await pilot.pause()
        assert len(app.screen_stack) == 1


@pytest.mark.timeout(30)
async def test_inspector_on_a_callerror_shows_the_error() -> None:
    frames = scenario_frames()
    index = next(i for i, f in enumerate(frames) if f.kind is Kind.ERROR)
    app = scenario_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.query_one(FrameLogView).focus()
        await pilot.press(*["up"] * (len(frames) - 1 - index), "enter")
        await pilot.pause()
        assert isinstance(app.screen, InspectorScreen)
        text = plain(app.screen.query_one("#inspector-body", Static).content)
        assert "InternalError: connector 1 is faulted (GroundFailure)" in text
        assert "Request · RemoteStartTransaction" in text
        assert "round trip 120.0 ms" in text


@pytest.mark.timeout(30)
async def test_frame_log_starts_at_the_newest_frame_before_any_redraw_tick() -> None:
    # No timer tick in this test: the first draw alone must show the tail.
    settings = make_settings(Path("/nonexistent-unused"), redraw_interval=3600.0)
    app = OcppDeckApp(FoldedSource(scenario_frames(), settings, name="scenario"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.query_one(FrameLogView)
        assert view.following
        assert view.cursor == len(view.positions) - 1
        assert view.scroll_offset.y == view.max_scroll_y > 0
        lines = [line for line in log_lines(app) if line.strip()]
        assert "CLOSE" in lines[-1] and "closed 1006" in lines[-1]


# --- live: a real engine and a real 1.6 station ------------------------------
@pytest.mark.timeout(30)
async def test_live_remote_start_then_stop(tmp_path: Path) -> None:
    async with (
        live_app(tmp_path) as (app, engine, pilot, toasts),
        live_station(engine, "CP-LIVE") as cp,
    ):
        await select_live_connector(app, "CP-LIVE")
        await pilot.press("s")
        await wait_for(lambda: isinstance(app.screen, PromptScreen))
        prompt = app.screen.query_one("#prompt-input", Input)
        assert prompt.value == engine.settings.default_id_tag == "TAG-0001"
        await pilot.press("enter")
        await wait_for(lambda: cp.remote_starts == [(1, "TAG-0001")])
        assert len(app.screen_stack) == 1
        await wait_for(lambda: frame_log_has(app, "CP-LIVE", "RemoteStartTransaction"))
        found = frame_log_has(app, "CP-LIVE", "RemoteStartTransaction")
        assert found is not None
        request, answer = found
        assert request.payload == {"connectorId": 1, "idTag": "TAG-0001"}
        assert answer.kind is Kind.RESULT and answer.payload == {"status": "Accepted"}
        # ...and both rows are on screen (the log follows its tail).
        await wait_for(
            lambda: (
                any("CALL" in line and "RemoteStartTransaction" in line for line in log_lines(app))
                and any('{"status":"Accepted"}' in line for line in log_lines(app))
            )
        )
        await wait_for(lambda: toasts.having("RemoteStartTransaction: Accepted"))
        (note,) = toasts.having("RemoteStartTransaction: Accepted")
        assert note.severity == "information"
        assert note.title == "Remote start CP-LIVE #1"

        # The station started charging on its own; stop it from the console.
        await wait_for(lambda: engine.state.open_transaction_on("CP-LIVE", 1) is not None)
        tx = engine.state.open_transaction_on("CP-LIVE", 1)
        assert tx is not None and tx.id_tag == "TAG-0001"
        assert int(tx.transaction_id) == cp.transaction_id
        connectors = app.query_one(ConnectorsTable)
        await wait_for(lambda: "TAG-0001" in str(connectors.get_row("1/1")[5]))
        await pilot.press("x")
        await wait_for(lambda: cp.remote_stops == [cp.transaction_id])
        await wait_for(lambda: frame_log_has(app, "CP-LIVE", "RemoteStopTransaction"))
        await wait_for(lambda: toasts.having("RemoteStopTransaction: Accepted"))
        await wait_for(lambda: engine.state.open_transaction_on("CP-LIVE", 1) is None)
        assert not toasts.having("offline"), toasts.texts()


@pytest.mark.timeout(30)
async def test_live_remote_start_rejected_warns(tmp_path: Path) -> None:
    async with (
        live_app(tmp_path) as (app, engine, pilot, toasts),
        live_station(engine, "CP-GRUMPY", answer="Rejected") as cp,
    ):
        await select_live_connector(app, "CP-GRUMPY")
        await pilot.press("s")
        await wait_for(lambda: isinstance(app.screen, PromptScreen))
        await pilot.press("enter")
        await wait_for(lambda: cp.remote_starts == [(1, "TAG-0001")])
        await wait_for(lambda: toasts.having("Rejected"))
        (note,) = toasts.having("Rejected")
        assert note.severity == "warning"
        assert note.message == "RemoteStartTransaction: Rejected"
        assert engine.state.open_transaction_on("CP-GRUMPY", 1) is None


@pytest.mark.timeout(30)
async def test_live_burst_of_frames_does_not_break_the_console(tmp_path: Path) -> None:
    burst = 2_000
    async with live_app(tmp_path) as (app, engine, pilot, _toasts):
        await pilot.pause(0.3)
        before = len(engine.frames)
        t0 = engine.clock.now()
        started = time.perf_counter()
        for i in range(burst):
            engine.bus.publish(
                Frame(
                    t0 + i * 0.001,
                    "CP-FLOOD",
                    Direction.IN,
                    Kind.CALL,
                    f"flood-{i}",
                    "MeterValues",
                    {
                        "connectorId": 1,
                        "meterValue": [
                            {
                                "timestamp": to_iso(t0 + i * 0.001),
                                "sampledValue": [{"value": str(1000 + i), "unit": "Wh"}],
                            }
                        ],
                    },
                    "ocpp1.6",
                )
            )
        await pilot.pause(0.6)
        view = app.query_one(FrameLogView)
        assert len(view.positions) == before + burst == len(engine.frames)
        flood = [f for f in shown_frames(app) if f.station == "CP-FLOOD"]
        assert len(flood) == burst
        assert selected_frame(view) is not None
        assert selected_frame(view).unique_id == f"flood-{burst - 1}"  # following the tail
        assert f"{before + burst:,} frames" in str(view.border_subtitle)
        assert "CP-FLOOD" in [row.key.value for row in app.query_one(StationsTable).ordered_rows]
        await pilot.press("question_mark")
        await wait_for(lambda: isinstance(app.screen, HelpScreen))
        assert time.perf_counter() - started < 5.0
