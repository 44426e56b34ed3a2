"""Marks come from facts, so jumping works alike on a 1.6, a 2.0.1 and a 2.1 recording."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocppdeck.core.model import facts as f
from ocppdeck.core.model.projection import Projection
from ocppdeck.core.replay.marks import Mark, mark_of
from ocppdeck.core.replay.source import ReplaySource
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from tests.helpers.engine import make_settings
from tests.helpers.stories import EXPECTED, STORIES


def marks(frames: list[Frame]) -> list[tuple[int, Mark]]:
    projection = Projection()
    found = []
    for position, frame in enumerate(frames):
        mark = mark_of(frame, projection.apply(frame))
        if mark is not None:
            found.append((position, mark))
    return found


@pytest.mark.parametrize("protocol", STORIES)
def test_every_version_marks_the_same_moments(protocol: str) -> None:
    frames = STORIES[protocol]()
    found = marks(frames)
    assert [mark for _, mark in found] == EXPECTED
    # The fault on the status CALL, the refused tag and the start on their answers.
    kinds = [frames[position].kind for position, _ in found]
    assert kinds == [
        Kind.CALL,
        Kind.RESULT,
        Kind.RESULT if protocol == "ocpp1.6" else Kind.CALL,
        Kind.ERROR,
        Kind.MALFORMED,
    ]


@pytest.mark.parametrize("protocol", STORIES)
def test_the_facts_behind_the_marks(protocol: str) -> None:
    projection = Projection()
    seen: list[f.Fact] = []
    for frame in STORIES[protocol]():
        seen.extend(projection.apply(frame))
    [fault] = [x for x in seen if isinstance(x, f.Faulted)]
    assert (fault.evse, fault.status) == (1, "Faulted")
    [refused] = [x for x in seen if isinstance(x, f.AuthRejected)]
    assert (refused.id_tag, refused.status, refused.action) == ("BAD", "Blocked", "Authorize")
    [failed] = [x for x in seen if isinstance(x, f.CallFailed)]
    assert failed.direction is Direction.IN
    assert (failed.code, failed.action) == ("NotImplemented", "ReserveNow")
    assert any(isinstance(x, f.Malformed) for x in seen)
    assert any(isinstance(x, f.Connected) for x in seen)
    state = projection.state
    assert state.stations["ST"].errors == 2  # the CallError and the unreadable text
    [tx] = state.open_transactions()
    assert tx.evse_id == 1


@pytest.mark.timeout(20)
@pytest.mark.parametrize("protocol", STORIES)
async def test_next_and_previous_walk_the_marks_of_any_version(
    protocol: str, tmp_path: Path
) -> None:
    replay = ReplaySource(STORIES[protocol](), make_settings(tmp_path), protocol)
    await replay.start()
    try:
        stops = []
        while replay.jump(True):
            stops.append(replay.position)
        assert len(stops) == len(EXPECTED)
        # Each stop is just past its marked frame: the state shows what that frame did.
        assert stops == [position + 1 for position, _ in replay.marks]
        back = []
        while replay.jump(False):
            back.append(replay.position)
        assert back == stops[-2::-1]
    finally:
        await replay.close()
