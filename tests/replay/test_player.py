"""The player and the replay transport: seeking lands on exactly the folded state."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from ocppdeck.core.model.state import State
from ocppdeck.core.replay.player import CHECKPOINT_EVERY, Mark, Player
from ocppdeck.core.replay.source import ReplaySource
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.sample_data import sample_path
from tests.helpers.engine import make_settings, wait_for
from tests.helpers.folded import project, recorded

DEMO = sample_path("demo-v16.jsonl")


def summary(state: State) -> tuple[object, ...]:
    """What an operator reads off the panes."""
    return (
        sorted(state.stations),
        sorted(state.open),
        {
            (sid, cid): (c.status, c.energy_wh, c.power_w)
            for sid, s in state.stations.items()
            for cid, c in s.evses.items()
        },
        {sid: state.is_online(s) for sid, s in state.stations.items()},
    )


@pytest.fixture
def player() -> Player:
    made = Player("demo")
    made.index(recorded(DEMO))
    yield made
    made.close()


def test_seek_anywhere_equals_folding_that_many_frames(player: Player) -> None:
    frames = recorded(DEMO)
    rng = random.Random(3)
    for position in [0, 1, len(frames), *rng.sample(range(len(frames)), 12)]:
        player.seek(position)
        assert player.position == position
        assert summary(player.projection.state) == summary(project(frames[:position]))


def test_step_back_and_forward_round_trips(player: Player) -> None:
    player.seek(900)
    before = summary(player.projection.state)
    player.step(-1)
    player.step(1)
    assert summary(player.projection.state) == before


def test_marks_are_errors_and_transaction_starts(player: Player) -> None:
    kinds = {mark for _, mark in player.marks}
    assert Mark.TX_START in kinds
    player.seek(0)
    found = player.next_mark({Mark.TX_START})
    assert found is not None
    player.seek(found)
    # The frame just played is the StartTransaction answer.
    answer = player.frame(found - 1)
    call = player.frame(player.partner_position(found - 1) or 0)
    assert answer.kind is Kind.RESULT and call.action == "StartTransaction"
    assert player.previous_mark({Mark.TX_START}) is None or player.previous_mark() < found


def test_unordered_frames_play_in_time_order() -> None:
    def hb(ts: float, uid: str) -> Frame:
        return Frame(ts, "CP1", Direction.IN, Kind.CALL, uid, "Heartbeat", {}, "ocpp1.6")

    frames = [hb(30.0, "c"), hb(10.0, "a"), hb(20.0, "b")]
    made = Player("shuffled")
    try:
        made.index(frames)
        assert [made.frame(i).unique_id for i in range(3)] == ["a", "b", "c"]
        made.seek(made.position_at(20.0))
        assert made.projection.state.stations["CP1"].last_heartbeat == 20.0
    finally:
        made.close()


def test_checkpoints_make_far_seeks_cheap() -> None:
    count = CHECKPOINT_EVERY * 3 + 7
    frames = [
        Frame(float(i), "CP1", Direction.IN, Kind.CALL, f"u{i}", "Heartbeat", {}, "ocpp1.6")
        for i in range(count)
    ]
    made = Player("long")
    try:
        made.index(frames)
        made.seek(count)
        assert made.projection.state.frames == count
        made.seek(CHECKPOINT_EVERY * 2 + 1)
        assert made.projection.state.frames == CHECKPOINT_EVERY * 2 + 1
    finally:
        made.close()


@pytest.mark.timeout(20)
async def test_replay_transport_plays_pauses_and_jumps(tmp_path: Path) -> None:
    replay = ReplaySource(recorded(DEMO), make_settings(tmp_path), "demo")
    await replay.start()
    try:
        assert replay.player.position == 0 and not replay.playing
        replay.faster(99)  # as fast as possible
        assert replay.speed is None
        replay.toggle()
        await asyncio.sleep(0.3)
        assert replay.player.position == len(replay.player)
        assert not replay.playing  # stops at the end
        assert replay.jump(forward=False)
        assert replay.player.position < len(replay.player)
        replay.seek(0)
        replay.step(5)
        assert replay.player.position == 5
        assert replay.clock.now() == replay.player.time_at(4)
        assert replay.commands.enabled is False
        assert replay.frames.get(4) is not None and replay.frames.get(5) is None
    finally:
        await replay.close()


@pytest.mark.timeout(20)
async def test_replay_of_a_live_run_shows_the_live_state(tmp_path: Path) -> None:
    """Live and replay share one path: the end of a recording is what the live run showed."""
    from ocppdeck.core.demo import DemoRun

    settings = make_settings(tmp_path, stations=2, speed=40.0, meter_interval=1.0)
    demo = DemoRun(settings)
    await demo.start()
    try:
        await asyncio.sleep(2.0)
    finally:
        await demo.fleet.close()  # type: ignore[union-attr]
        # The CSMS records each goodbye when its side of the socket closes.
        await wait_for(lambda: demo.csms.connected() == [])
        live = summary(demo.state)
        await demo.close()
    replay = ReplaySource(recorded(settings.recording_path), settings, "live")
    await replay.start()
    try:
        replay.seek(len(replay.player))
        assert summary(replay.state) == live
    finally:
        await replay.close()
