"""Indexing a recording: checkpoints hold the whole state, seeks land on the straight fold,
progress is reported, and closing the player stops an index under way."""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from ocppdeck.core.disk.forked import FORKS
from ocppdeck.core.model.projection import Projection, fold
from ocppdeck.core.replay import checkpoints as checkpoints_module
from ocppdeck.core.replay import player as player_module
from ocppdeck.core.replay.checkpoints import Checkpoints
from ocppdeck.core.replay.player import IndexClosed, Player, Progress
from ocppdeck.core.replay.spool import REPORT_EVERY
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.sample_data import sample_path
from tests.helpers.folded import recorded

DEMO = sample_path("demo-v16.jsonl")
SMALL_EVERY = 300  # several checkpoints within the demo recording's 1,773 frames


def same(made: Projection, straight: Projection) -> bool:
    """The whole state (meter histories included) and what waits beside it."""
    return made.state == straight.state and made.waiting() == straight.waiting()


@pytest.fixture
def small_checkpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(player_module, "CHECKPOINT_EVERY", SMALL_EVERY)


@pytest.mark.usefixtures("small_checkpoints")
def test_a_seek_from_either_end_makes_the_state_of_folding_straight_to_it() -> None:
    frames = recorded(DEMO)
    rng = random.Random(7)
    edges = [k * SMALL_EVERY + d for k in range(1, 6) for d in (-1, 0, 1)]
    positions = sorted({1, len(frames), *edges, *rng.sample(range(len(frames)), 8)})
    made = Player("demo")
    try:
        made.index(frames)
        straight = Projection()
        done = 0
        for i, position in enumerate(positions):
            fold(frames[done:position], straight)
            done = position
            made.seek(len(frames) if i % 2 else 0)
            made.seek(position)
            assert same(made.projection, straight), position
    finally:
        made.close()


def test_a_checkpoint_gives_back_meter_histories_exactly(tmp_path: Path) -> None:
    projection = fold(recorded(DEMO))
    station_id, evse_id, evse = next(
        (station.station_id, evse.evse_id, evse)
        for station in projection.state.stations.values()
        for evse in station.evses.values()
        if len(evse.history) > 3
    )
    newest = evse.history[-1][0]
    evse.add_sample(newest + 1, None, 7.25)  # a reading without energy
    evse.add_sample(newest + 2, 1e15, None)  # and one without power
    checkpoints = Checkpoints(tmp_path, 10)
    checkpoints.save(20, projection)
    loaded = checkpoints.load(20)
    assert same(loaded, projection)
    history = loaded.state.stations[station_id].evses[evse_id].history
    assert history is not evse.history
    assert list(history)[-2:] == [(newest + 1, None, 7.25), (newest + 2, 1e15, None)]
    assert list(history) == list(evse.history)


@pytest.mark.usefixtures("small_checkpoints")
def test_frames_out_of_time_order_play_by_time_and_seek_true() -> None:
    frames = recorded(DEMO)
    shuffled = frames[:]
    random.Random(5).shuffle(shuffled)
    in_time = sorted(shuffled, key=lambda frame: frame.ts)  # stable, as the player orders
    reports: list[Progress] = []
    made = Player("shuffled")
    try:
        made.index(shuffled, reports.append)
        assert [made.frame(i) for i in range(len(made))] == in_time
        for position in (SMALL_EVERY - 1, SMALL_EVERY * 3 + 1, len(in_time)):
            made.seek(len(in_time) if position < len(in_time) else 0)
            made.seek(position)
            assert same(made.projection, fold(in_time[:position]))
        call = next(i for i, f in enumerate(in_time) if f.action == "StartTransaction")
        answer = made.partner_position(call)
        assert answer is not None and in_time[answer].unique_id == in_time[call].unique_id
    finally:
        made.close()
    stages = [report.stage for report in reports]
    assert stages[0] == "indexing" and "ordering" in stages
    assert all(0 <= (r.share or 0) <= 1 for r in reports if r.stage != "indexing")


def heartbeats(count: int) -> Iterator[Frame]:
    for i in range(count):
        yield Frame(float(i), "CP1", Direction.IN, Kind.CALL, f"u{i}", "Heartbeat", {}, "ocpp1.6")


def test_indexing_reports_how_many_frames_it_has_taken() -> None:
    reports: list[Progress] = []
    made = Player("long")
    try:
        made.index(heartbeats(REPORT_EVERY * 2 + 5), reports.append)
    finally:
        made.close()
    assert [(r.stage, r.done) for r in reports] == [
        ("indexing", 0),
        ("indexing", REPORT_EVERY),
        ("indexing", REPORT_EVERY * 2),
    ]
    assert reports[1].describe() == f"indexing {REPORT_EVERY:,} frames"


def gated(frames: Iterable[Frame], after: int, reached: threading.Event, go: threading.Event):
    """The frames, stopping after `after` of them until `go` is set."""
    for i, frame in enumerate(frames):
        if i == after:
            reached.set()
            go.wait(20)
        yield frame


@pytest.mark.timeout(30)
def test_closing_the_player_stops_an_index_under_way() -> None:
    reached, go = threading.Event(), threading.Event()
    made = Player("closed")
    failures: list[BaseException] = []

    def run() -> None:
        try:
            made.index(gated(heartbeats(REPORT_EVERY * 50), REPORT_EVERY // 2, reached, go))
        except BaseException as exc:  # what the indexing thread ended with
            failures.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert reached.wait(20)
        made.close()
    finally:
        go.set()
        thread.join(20)
    assert not thread.is_alive()
    assert [type(exc) for exc in failures] == [IndexClosed]
    assert not made._dir.exists()


def _children_of_this_process() -> set[int]:
    """Live and unreaped children (zombies too), from /proc."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            found.add(int(stat.parent.name))
    return found


@pytest.mark.skipif(not FORKS, reason="checkpoints are written by a thread where there is no fork")
def test_a_checkpoint_is_pickled_and_written_by_another_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pickle held the interpreter for ~20 ms a checkpoint: the fold, and the console's
    # screen, waited for it. Now the fold pays only for a fork.
    writers = tmp_path / "writers"
    real = checkpoints_module._write

    def noting(path: Path, pickled: object) -> None:
        with writers.open("a") as out:
            out.write(f"{os.getpid()}\n")
        real(path, pickled)  # type: ignore[arg-type]

    monkeypatch.setattr(checkpoints_module, "_write", noting)
    before = _children_of_this_process()
    projection = fold(recorded(DEMO))
    checkpoints = Checkpoints(tmp_path, 10)
    checkpoints.save(20, projection)
    assert same(checkpoints.load(20), projection)
    pids = writers.read_text().split()
    assert len(pids) == 1 and int(pids[0]) != os.getpid()
    assert _children_of_this_process() <= before  # the writer was waited for


def test_a_checkpoint_that_cannot_be_written_fails_the_index_with_why(tmp_path: Path) -> None:
    before = _children_of_this_process()
    projection = fold(recorded(DEMO))
    checkpoints = Checkpoints(tmp_path / "gone", 10)  # a folder that does not exist
    checkpoints.save(10, projection)
    with pytest.raises(OSError, match="No such file or directory"):
        checkpoints.flush()
    checkpoints.flush()  # said once: nothing is left waiting
    assert _children_of_this_process() <= before


@pytest.mark.timeout(30)
def test_an_index_that_fails_leaves_no_checkpoint_writer_behind() -> None:
    def failing() -> Iterator[Frame]:
        yield from heartbeats(SMALL_EVERY * 2)
        raise ValueError("the source broke")

    before = _children_of_this_process()
    made = Player("broken")
    try:
        with pytest.raises(ValueError, match="the source broke"):
            made.index(failing())
    finally:
        made.close()
    assert _children_of_this_process() <= before
