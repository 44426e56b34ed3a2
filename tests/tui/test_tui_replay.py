"""The replay console: transport keys on the shipped fault story."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocppdeck.core.disk.formats import ImportReport, read_frames
from ocppdeck.core.replay.marks import Mark
from ocppdeck.core.replay.source import ReplaySource
from ocppdeck.sample_data import sample_path
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.screens.prompt import PromptScreen
from ocppdeck.tui.widgets.frame_log_view import FrameLogView
from ocppdeck.tui.widgets.timeline import Timeline
from tests.helpers.engine import make_settings
from tests.helpers.stories import EXPECTED, STORIES
from tests.helpers.tui import SIZE, Toasts, selected_frame


def replay_app(tmp_path: Path) -> OcppDeckApp:
    path = sample_path("fault-story.jsonl")
    report = ImportReport()
    source = ReplaySource(
        read_frames(path, None, report), make_settings(tmp_path), path.name, report
    )
    return OcppDeckApp(source)


async def loaded(pilot: object, app: OcppDeckApp) -> ReplaySource:
    source = app.source
    assert isinstance(source, ReplaySource)
    for _ in range(100):
        if not source.loading:
            break
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    assert not source.loading
    return source


@pytest.mark.timeout(30)
async def test_jump_step_and_seek_move_every_pane(tmp_path: Path) -> None:
    app = replay_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        replay = await loaded(pilot, app)
        assert replay.player.position == 0
        assert app.query_one(Timeline) is not None
        await pilot.press("n")  # the transaction start
        await pilot.press("n")  # connector 2 goes Faulted
        await pilot.pause()
        frame = selected_frame(app.query_one(FrameLogView))
        assert frame is not None and frame.payload.get("status") == "Faulted"
        assert app.source.state.stations["CP-FAULT"].evses[2].status == "Faulted"
        position = replay.player.position
        await pilot.press("comma")
        assert replay.player.position == position - 1
        assert app.source.state.stations["CP-FAULT"].evses[2].status == "Available"
        await pilot.press("full_stop")
        assert replay.player.position == position
        await pilot.press("g")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("ctrl+a", "ctrl+k", *"08:15:00", "enter")
        await pilot.pause()
        assert replay.player.position == len(replay.player)
        [tx] = app.source.state.transactions.values()
        assert tx.stop_reason == "Reboot"


@pytest.mark.timeout(30)
async def test_play_runs_to_the_end_and_commands_stay_off(tmp_path: Path) -> None:
    app = replay_app(tmp_path)
    toasts = Toasts()
    async with app.run_test(size=SIZE, message_hook=toasts) as pilot:
        replay = await loaded(pilot, app)
        for _ in range(12):
            await pilot.press("plus")
        assert replay.speed is None  # as fast as possible
        await pilot.press("space")
        for _ in range(40):
            if replay.player.position == len(replay.player):
                break
            await pilot.pause(0.05)
        assert replay.player.position == len(replay.player)
        await pilot.press("s")
        await pilot.press("x")
        await pilot.pause()
        assert len(toasts.having("commands are off")) == 2
        assert not isinstance(app.screen, PromptScreen)
        await pilot.press("g")
        await pilot.press("ctrl+a", "ctrl+k", *"yesterday", "enter")
        await pilot.pause()
        assert toasts.having("try 10:42:05")


@pytest.mark.timeout(30)
@pytest.mark.parametrize("protocol", ["ocpp2.0.1", "ocpp2.1"])
async def test_n_and_p_jump_alike_on_a_2x_recording(protocol: str, tmp_path: Path) -> None:
    app = OcppDeckApp(ReplaySource(STORIES[protocol](), make_settings(tmp_path), protocol))
    async with app.run_test(size=SIZE) as pilot:
        replay = await loaded(pilot, app)
        await pilot.press("n")  # EVSE 1 goes Faulted
        await pilot.pause()
        assert app.source.state.stations["ST"].evses[1].status == "Faulted"
        await pilot.press("n", "n")  # the refused tag, then the transaction start
        await pilot.pause()
        frame = selected_frame(app.query_one(FrameLogView))
        assert frame is not None and frame.action == "TransactionEvent"
        [tx] = app.source.state.open_transactions()
        assert (tx.transaction_id, tx.evse_id) == ("tx-1", 1)
        await pilot.press("p")  # back to just past the refused tag: no transaction yet
        await pilot.pause()
        assert app.source.state.open_transactions() == []
        errors = [m for _, m in replay.marks].count(Mark.ERROR)
        assert errors == EXPECTED.count(Mark.ERROR)
        assert "✕" in str(app.query_one(Timeline).render())
        await app.source.close()
