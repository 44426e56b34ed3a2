"""The replay console while a recording is indexed: the timeline and the header say how far."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from ocppdeck.core.disk.formats import ImportReport, read_frames
from ocppdeck.core.replay.source import ReplaySource
from ocppdeck.core.replay.spool import REPORT_EVERY
from ocppdeck.core.wire.codec import encode
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.header import HeaderBar
from ocppdeck.tui.widgets.timeline import Timeline
from tests.helpers.engine import make_settings
from tests.helpers.tui import SIZE, plain

FRAMES = REPORT_EVERY * 3


def write_recording(path: Path) -> None:
    with open(path, "wb") as out:
        for i in range(FRAMES):
            frame = Frame(
                1_767_225_600.0 + i,
                "CP1",
                Direction.IN,
                Kind.CALL,
                f"u{i}",
                "Heartbeat",
                {},
                "ocpp1.6",
                seq=i + 1,
            )
            out.write(encode(frame) + b"\n")


def gated(
    frames: Iterable[Frame], after: int, reached: threading.Event, go: threading.Event
) -> Iterator[Frame]:
    """The frames, stopping after `after` of them until `go` is set."""
    for i, frame in enumerate(frames):
        if i == after:
            reached.set()
            go.wait(20)
        yield frame


@pytest.mark.timeout(60)
async def test_the_timeline_shows_indexing_progress_then_the_recording(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    write_recording(path)
    report = ImportReport()
    reached, go = threading.Event(), threading.Event()
    frames = gated(read_frames(path, None, report), REPORT_EVERY, reached, go)
    source = ReplaySource(frames, make_settings(tmp_path), path.name, report)
    app = OcppDeckApp(source)
    try:
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(400):
                if source.progress is not None and source.progress.done >= REPORT_EVERY:
                    break
                await pilot.pause(0.05)
            assert reached.is_set()
            app.redraw()
            await pilot.pause()
            shown = plain(app.query_one(Timeline).render())
            assert f"indexing {REPORT_EVERY:,} frames ·" in shown
            share = int(shown.rsplit("·", 1)[1].strip().rstrip("%"))
            assert 0 < share < 100  # part of the file read, not all of it
            assert "━" in shown  # the bar
            assert f"indexing {REPORT_EVERY:,} frames" in plain(app.query_one(HeaderBar).render())
            go.set()
            for _ in range(400):
                if not source.loading:
                    break
                await pilot.pause(0.05)
            assert not source.loading and len(source.player) == FRAMES
            app.redraw()
            await pilot.pause()
            shown = plain(app.query_one(Timeline).render())
            assert "indexing" not in shown and "00:00:00" in shown  # the recording's start
    finally:
        go.set()
