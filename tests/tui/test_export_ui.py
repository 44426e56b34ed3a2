"""Exporting the frame log from the console: X on the frame log writes exactly the frames
its filter shows, as a recording that replays or as CSV; it never replaces a file unasked."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from ocppdeck.core.disk.formats import ImportReport, read_frames
from ocppdeck.core.replay.source import ReplaySource
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.sample_data import sample_path
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.screens.prompt import PromptScreen
from ocppdeck.tui.widgets.frame_log_view import FrameLogView
from tests.helpers.engine import make_settings, wait_for
from tests.helpers.tui import SIZE, Toasts, screen_statics_text, shown_frames

STORY = sample_path("fault-story.jsonl")
T0 = 1_748_764_800.0  # 2025-06-01T08:00:00Z


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run where the exports go: a file name typed without a folder is written there."""
    monkeypatch.chdir(tmp_path)


def replay_of(path: Path, data_dir: Path) -> ReplaySource:
    report = ImportReport()
    return ReplaySource(read_frames(path, None, report), make_settings(data_dir), path.name, report)


async def at_the_end(pilot: Pilot[None], app: OcppDeckApp) -> None:
    """Wait for the replay to load, then go to its last frame as a user would."""
    source = app.source
    assert isinstance(source, ReplaySource)
    await wait_for(lambda: not source.loading, timeout=30)
    await pilot.press("g", "ctrl+a", "ctrl+k", *f"#{len(source.player)}", "enter")
    view = app.query_one(FrameLogView)
    await wait_for(lambda: len(view.positions) == len(source.player), timeout=30)


async def to_frame_log(pilot: Pilot[None], app: OcppDeckApp) -> None:
    """Tab to the frame log, as a user would."""
    view = app.query_one(FrameLogView)
    for _ in range(6):
        if app.focused is view:
            return
        await pilot.press("tab")
    assert app.focused is view


async def filter_by(pilot: Pilot[None], text: str) -> None:
    await pilot.press("slash", *text, "enter")


async def export_to(pilot: Pilot[None], app: OcppDeckApp, target: str) -> None:
    """X on the frame log, then the file name (relative to the test's folder) typed over
    the suggested one."""
    assert app.focused is app.query_one(FrameLogView)
    await pilot.press("X")
    assert isinstance(app.screen, PromptScreen)
    await pilot.press("ctrl+a", "ctrl+k", *str(target), "enter")


async def exported(app: OcppDeckApp, toasts: Toasts, count: int) -> None:
    """Wait for the `count`th export notice."""
    view = app.query_one(FrameLogView)
    await wait_for(
        lambda: len(toasts.having("Export frames")) >= count and not view.exporter.running,
        timeout=30,
    )


@pytest.mark.timeout(60)
async def test_the_filtered_frames_are_exported_whole_and_the_recording_replays(
    tmp_path: Path,
) -> None:
    app = OcppDeckApp(replay_of(STORY, tmp_path / "data"))
    toasts = Toasts()
    async with app.run_test(size=SIZE, message_hook=toasts) as pilot:
        await at_the_end(pilot, app)
        everything = shown_frames(app)
        assert len(everything) == 53

        await filter_by(pilot, "kind:CALLERROR")
        errors = shown_frames(app)
        assert [f.kind for f in errors] == [Kind.ERROR]
        await export_to(pilot, app, "errors.csv")
        await exported(app, toasts, 1)
        with (tmp_path / "errors.csv").open(newline="", encoding="utf-8") as fh:
            [row] = list(csv.DictReader(fh))
        assert (row["kind"], row["action"], row["error_code"]) == (
            "CALLERROR",
            "Heartbeat",  # the CALL it answers, as the log shows it
            "FormatViolation",
        )
        assert row["message_id"] == errors[0].unique_id

        # Every frame of one station, not only the page on screen (the pane is 20 rows).
        await pilot.press("escape", "escape")
        await filter_by(pilot, "station:CP-FAULT")
        station = shown_frames(app)
        assert len(station) == 52 > app.query_one(FrameLogView).scrollable_content_region.height
        await export_to(pilot, app, "station.jsonl")
        await exported(app, toasts, 2)
        assert "52 frames written" in toasts.seen[-1].message
        assert list(read_frames(tmp_path / "station.jsonl", None, ImportReport())) == station
        original = app.source.state

    # The export replays: played to its end, it ends in the state the original did.
    again = OcppDeckApp(replay_of(tmp_path / "station.jsonl", tmp_path / "data2"))
    async with again.run_test(size=SIZE) as pilot:
        await at_the_end(pilot, again)
        assert again.source.state.transactions == original.transactions
        assert again.source.state.stations.keys() == original.stations.keys()
        assert [(f.station, f.kind, f.unique_id, f.payload) for f in shown_frames(again)] == [
            (f.station, f.kind, f.unique_id, f.payload) for f in station
        ]


@pytest.mark.timeout(60)
async def test_an_existing_file_is_replaced_only_when_asked_twice(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = out / "frames.jsonl"
    target.write_text("an older export\n")
    app = OcppDeckApp(replay_of(STORY, tmp_path / "data"))
    toasts = Toasts()
    async with app.run_test(size=SIZE, message_hook=toasts) as pilot:
        await at_the_end(pilot, app)
        await to_frame_log(pilot, app)
        await export_to(pilot, app, "out/frames.jsonl")
        assert isinstance(app.screen, PromptScreen)  # asked again
        assert "exists" in screen_statics_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, PromptScreen)
        assert target.read_text() == "an older export\n"

        await export_to(pilot, app, "out/frames.jsonl")
        assert "exists" in screen_statics_text(app)
        await pilot.press("enter")  # the same name again: replace it
        await exported(app, toasts, 1)
        assert len(list(read_frames(target, None, ImportReport()))) == 53
        assert [p.name for p in out.iterdir()] == ["frames.jsonl"]  # and no partial file


@pytest.mark.timeout(60)
async def test_a_file_that_cannot_be_written_gets_a_one_line_notice(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    app = OcppDeckApp(replay_of(STORY, tmp_path / "data"))
    toasts = Toasts()
    async with app.run_test(size=SIZE, message_hook=toasts) as pilot:
        await at_the_end(pilot, app)
        await to_frame_log(pilot, app)
        await export_to(pilot, app, "out/frames.txt")
        await pilot.pause()
        [bad_name] = toasts.having("Export frames")
        assert bad_name.severity == "error"
        assert ".jsonl" in bad_name.message and ".csv" in bad_name.message

        await export_to(pilot, app, "out/no-such-folder/frames.csv")
        await exported(app, toasts, 2)
        missing = toasts.seen[-1]
        assert missing.severity == "error"
        assert "no such folder" in missing.message and "\n" not in missing.message
        assert list(out.iterdir()) == []


def long_log(count: int) -> Iterator[Frame]:
    """Heartbeats of seven stations, one answered with a CallError every thousand frames."""
    for i in range(count):
        station, uid, ts = f"CP-{(i // 2) % 7}", f"m{i // 2}", T0 + i
        if i % 2 == 0:
            yield Frame(ts, station, Direction.IN, Kind.CALL, uid, "Heartbeat", {}, "ocpp1.6")
        elif i % 1000 == 1:
            yield Frame(ts, station, Direction.OUT, Kind.ERROR, uid, "InternalError", {}, "ocpp1.6")
        else:
            yield Frame(ts, station, Direction.OUT, Kind.RESULT, uid, "", {"currentTime": "x"})


@pytest.mark.timeout(120)
async def test_a_long_log_is_exported_whole_even_while_the_filter_is_still_scanning(
    tmp_path: Path,
) -> None:
    # A slow redraw: the filter scans SCAN_CHUNK frames a redraw, so X comes before it is done.
    settings = make_settings(tmp_path / "data", redraw_interval=2.0)
    app = OcppDeckApp(ReplaySource(long_log(60_000), settings, "long"))
    toasts = Toasts()
    async with app.run_test(size=SIZE, message_hook=toasts) as pilot:
        await at_the_end(pilot, app)
        await filter_by(pilot, "kind:ERROR")
        await export_to(pilot, app, "errors.csv")
        await exported(app, toasts, 1)
        with (tmp_path / "errors.csv").open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == 60
        assert {r["action"] for r in rows} == {"Heartbeat"}
        assert "60 frames written" in toasts.seen[-1].message

        await pilot.press("escape", "escape")  # every frame: many chunks, in order
        await export_to(pilot, app, "all.jsonl")
        await exported(app, toasts, 2)
        assert "60,000 frames written" in toasts.seen[-1].message
        read = read_frames(tmp_path / "all.jsonl", None, ImportReport())
        assert [f.unique_id for f in read][::10_000] == [f"m{n}" for n in range(0, 30_000, 5_000)]
