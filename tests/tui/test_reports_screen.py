"""The reports screen: the tables `ocppdeck report` gives, for the console's own source;
in a replay, Enter on a session or a fault goes to its first frame."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ocpp.v16 import call
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from ocppdeck.core.clock import to_iso
from ocppdeck.core.disk.formats import ImportReport, read_frames
from ocppdeck.core.engine import Engine
from ocppdeck.core.replay.source import ReplaySource
from ocppdeck.core.report.build import build_report
from ocppdeck.core.report.tables import document
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.sample_data import sample_path
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.screens.help import HelpScreen
from ocppdeck.tui.screens.reports import Reading, ReportsScreen
from ocppdeck.tui.station_text import shown
from ocppdeck.tui.widgets.frame_log_view import FrameLogView
from tests.helpers.engine import make_settings, wait_for
from tests.helpers.tui import SIZE, live_app, live_station, plain, shown_frames

STORY = "fault-story.jsonl"
T0 = 1_748_764_800.0  # 2025-06-01T08:00:00Z


def story_frames() -> list[Frame]:
    return list(read_frames(sample_path(STORY), None, ImportReport()))


def replay_app(tmp_path: Path, frames: list[Frame] | None = None) -> OcppDeckApp:
    source = ReplaySource(
        story_frames() if frames is None else frames, make_settings(tmp_path), STORY
    )
    return OcppDeckApp(source)


def replay_of(app: OcppDeckApp) -> ReplaySource:
    source = app.source
    assert isinstance(source, ReplaySource)
    return source


async def open_reports(app: OcppDeckApp, pilot: Pilot[None]) -> ReportsScreen:
    """Once the replay (or the live engine) is up: `o`, and wait for the tables."""
    source = app.source
    if isinstance(source, ReplaySource):
        await wait_for(lambda: not source.loading, timeout=20)
    await pilot.press("o")
    await wait_for(lambda: isinstance(app.screen, ReportsScreen))
    return await built(app)


async def built(app: OcppDeckApp) -> ReportsScreen:
    screen = app.screen
    assert isinstance(screen, ReportsScreen)
    await wait_for(lambda: screen.report is not None, timeout=20)
    return screen


def cells(screen: ReportsScreen, table: str) -> list[list[str]]:
    """A table's rows as the screen holds them, cell by cell."""
    widget = screen.query_one(f"#reports-{table}", DataTable)
    return [[plain(c).strip() for c in widget.get_row_at(i)] for i in range(widget.row_count)]


def status_line(screen: ReportsScreen) -> str:
    return plain(screen.query_one("#reports-status", Static).content).strip()


@pytest.mark.timeout(30)
async def test_the_key_opens_the_tables_the_json_report_has(tmp_path: Path) -> None:
    expected = document(build_report(story_frames()), {})["tables"]
    app = replay_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_reports(app, pilot)
        sessions = cells(screen, "sessions")
        assert [(r[0], r[2], r[3], r[10]) for r in sessions] == [
            (s["station"], s["transactionId"], s["idTag"], s["stopReason"])
            for s in expected["sessions"]
        ]
        assert sessions[0][7] == "0.700 kWh" and sessions[0][11] == "yes"
        assert sessions[0][9] == "—"  # a 1.6 session: no cost told
        assert [r[0] for r in cells(screen, "by_station")] == ["CP-FAULT"]
        assert [r[0] for r in cells(screen, "by_day")] == ["2025-06-01"]
        faults = cells(screen, "faults")
        assert [(r[0], r[8]) for r in faults] == [
            (x["kind"], x["code"]) for x in expected["faults"]
        ]
        compliance = cells(screen, "compliance")
        assert [(r[1], r[2], r[3]) for r in compliance] == [
            (c["action"], c["check"], c["subject"]) for c in expected["compliance"]
        ]
        connections = cells(screen, "connections")
        assert [(r[0], r[1], r[2]) for r in connections] == [
            (c["station"], str(c["connects"]), str(c["disconnects"]))
            for c in expected["connections"]
        ]
        assert len(cells(screen, "episodes")) == len(expected["connectionEpisodes"])
        assert status_line(screen).startswith("53 frames, 2025-06-01 08:00:00")
        assert "5 faults" in status_line(screen)
        await pilot.press("escape")
        await wait_for(lambda: not isinstance(app.screen, ReportsScreen))
        assert replay_of(app).player.position == 0  # closing moves nothing


@pytest.mark.timeout(30)
async def test_the_palette_opens_the_reports(tmp_path: Path) -> None:
    app = replay_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: not replay_of(app).loading, timeout=20)
        await pilot.press("ctrl+p")
        await wait_for(lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Reports")
        await wait_for(lambda: app.screen.query_one(CommandList).option_count > 0)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, ReportsScreen))
        screen = await built(app)
        assert len(cells(screen, "faults")) == 5


@pytest.mark.timeout(30)
async def test_enter_on_a_fault_goes_to_the_frame_that_shows_it(tmp_path: Path) -> None:
    app = replay_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        replay = replay_of(app)
        screen = await open_reports(app, pilot)
        await pilot.press("2")  # the faults tab: ground failure on connector 2 first
        assert isinstance(app.focused, DataTable) and app.focused.id == "reports-faults"
        await pilot.press("enter")
        await wait_for(lambda: not isinstance(app.screen, ReportsScreen))
        player = replay.player
        frame = player.frame(player.position - 1)
        assert frame.action == "StatusNotification" and frame.kind is Kind.CALL
        assert (
            frame.payload["errorCode"] == "GroundFailure" and frame.payload["status"] == "Faulted"
        )
        assert screen.report is not None and frame.ts == screen.report.faults[0].at
        assert app.source.state.stations["CP-FAULT"].evses[2].status == "Faulted"
        assert not replay.playing
        await pilot.pause()
        assert shown_frames(app)[-1].unique_id == frame.unique_id  # the log ends on it
        assert app.query_one(FrameLogView).following

        # Another fault, down the table: the answer that refused TAG-BLOCKED.
        screen = await open_reports(app, pilot)
        await pilot.press("2", "down", "down", "down", "enter")
        await wait_for(lambda: not isinstance(app.screen, ReportsScreen))
        frame = player.frame(player.position - 1)
        assert frame.kind is Kind.RESULT and frame.payload["idTagInfo"]["status"] == "Blocked"


@pytest.mark.timeout(30)
async def test_enter_on_a_session_goes_to_its_start(tmp_path: Path) -> None:
    app = replay_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        replay = replay_of(app)
        await open_reports(app, pilot)
        await pilot.press("enter")  # the sessions table has the cursor
        await wait_for(lambda: not isinstance(app.screen, ReportsScreen))
        frame = replay.player.frame(replay.player.position - 1)
        assert frame.kind is Kind.RESULT and frame.payload["transactionId"] == 1
        tx = app.source.state.open[("CP-FAULT", "1")]
        assert tx.id_tag == "TAG-GOOD" and tx.started_at == frame.ts


@pytest.mark.timeout(30)
async def test_keys_switch_tabs_and_help_lists_the_screens_keys(tmp_path: Path) -> None:
    app = replay_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_reports(app, pilot)
        for key, table in (("3", "compliance"), ("4", "connections"), ("1", "sessions")):
            await pilot.press(key)
            assert isinstance(app.focused, DataTable) and app.focused.id == f"reports-{table}"
        await pilot.press("3", "enter")  # a compliance finding is no frame to go to
        await pilot.pause()
        assert isinstance(app.screen, ReportsScreen)
        await pilot.press("question_mark")
        await wait_for(lambda: isinstance(app.screen, HelpScreen))
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        assert help_screen.sections[0].screen is ReportsScreen  # its keys come first
        text = "\n".join(plain(s.content) for s in help_screen.query(Static))
        assert "Go to its first frame (replay)" in text and "Refresh" in text


def recorded(engine: Engine, text: str) -> int:
    """How often `text` is in the live recording on disk."""
    return engine.settings.recording_path.read_text(encoding="utf-8").count(text)


@pytest.mark.timeout(30)
async def test_enter_in_live_says_it_needs_a_replay(tmp_path: Path) -> None:
    async with (
        live_app(tmp_path) as (app, engine, pilot, toasts),
        live_station(engine, "CP-LIVE") as cp,
    ):
        await cp.call(
            call.StatusNotification(connector_id=1, error_code="GroundFailure", status="Faulted")
        )
        await wait_for(lambda: recorded(engine, "GroundFailure"))
        await pilot.press("o")
        await wait_for(lambda: isinstance(app.screen, ReportsScreen))
        screen = await built(app)
        assert [(r[0], r[1], r[8]) for r in cells(screen, "faults")] == [
            ("fault-status", "CP-LIVE", "GroundFailure")
        ]
        await pilot.press("2", "enter")
        await wait_for(lambda: toasts.having("needs a replay"))
        assert isinstance(app.screen, ReportsScreen)  # nothing moved; the tables stay

        # Live reads the data dir as it is now: r reads it again.
        available = recorded(engine, '"Available"')
        await cp.call(
            call.StatusNotification(connector_id=1, error_code="NoError", status="Available")
        )
        await wait_for(lambda: recorded(engine, '"Available"') > available)
        await pilot.press("r")
        await wait_for(lambda: screen.report is not None and screen.report.faults[0].until)


@pytest.mark.timeout(30)
async def test_a_data_dir_without_a_recording_is_a_one_line_notice(tmp_path: Path) -> None:
    async with live_app(tmp_path) as (app, _, pilot, toasts):
        for segment in tmp_path.glob("recording*.jsonl*"):
            segment.unlink()
        await pilot.press("o")
        await wait_for(lambda: toasts.having("no recording segments"))
        screen = app.screen
        assert isinstance(screen, ReportsScreen) and screen.report is None
        (notice,) = toasts.having("no recording segments")
        assert "\n" not in notice.message and notice.severity == "error"
        assert status_line(screen).startswith("No report:")


def test_the_progress_line_says_how_far_the_build_has_come() -> None:
    replay = Reading(12_000, 48_000)
    assert replay.describe() == "Building the report: 12,000 of 48,000 frames · 25%"
    reading = Reading(500, imported=ImportReport(source_bytes=4_000, bytes_read=1_000))
    assert reading.describe() == "Building the report: 500 frames · 25%"  # a data dir, by bytes
    assert Reading().describe() == "Building the report: 0 frames"


def hostile_frames(station: str) -> list[Frame]:
    """A 1.6 station named `station` that faults and charges, its strings hostile too."""
    proto = "ocpp1.6"

    def exchange(t: float, uid: str, action: str, payload: Any, answer: Any) -> list[Frame]:
        return [
            Frame(T0 + t, station, Direction.IN, Kind.CALL, uid, action, payload, proto),
            Frame(T0 + t + 0.1, station, Direction.OUT, Kind.RESULT, uid, "", answer, proto),
        ]

    status = {"connectorId": 1, "status": "Faulted", "errorCode": "OtherError", "info": station}
    start = {"connectorId": 1, "idTag": station, "meterStart": 0, "timestamp": to_iso(T0 + 20)}
    accepted = {"transactionId": 7, "idTagInfo": {"status": "Accepted"}}
    boot = {"chargePointVendor": "[b]V", "chargePointModel": "M"}
    return [
        Frame(T0, station, Direction.IN, Kind.CONNECTED, protocol=proto),
        *exchange(1, "b1", "BootNotification", boot, {"status": "Accepted"}),
        *exchange(10, "s1", "StatusNotification", status, {}),
        *exchange(20, "t1", "StartTransaction", start, accepted),
    ]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("station", ["[bold red]x[/]", "\x1b[31mRED\u202e", "[link=x]y"])
async def test_a_hostile_station_id_is_shown_as_text(tmp_path: Path, station: str) -> None:
    app = replay_app(tmp_path, hostile_frames(station))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_reports(app, pilot)
        widget = screen.query_one("#reports-sessions", DataTable)
        station_cell, id_tag_cell = widget.get_row_at(0)[0], widget.get_row_at(0)[3]
        assert isinstance(station_cell, Text) and station_cell.plain == shown(station)
        assert id_tag_cell.plain == shown(station) and not station_cell.spans
        drawn = "\n".join(widget.render_line(y).text for y in range(3))
        assert shown(station) in drawn  # drawn as typed, not read as markup
        await pilot.press("2")
        faults = cells(screen, "faults")
        assert faults[0][1] == shown(station) and faults[0][9] == f"Faulted: {shown(station)}"


@pytest.mark.timeout(60)
def test_faults_tab_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    app = replay_app(tmp_path)  # the recording's own times: the clock is the replay's

    async def faults_tab(pilot: Pilot[None]) -> None:
        await open_reports(app, pilot)
        await pilot.press("2")
        await pilot.pause()

    assert snap_compare(app, run_before=faults_tab, terminal_size=SIZE)
