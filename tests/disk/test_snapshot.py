"""The state snapshot is versioned JSON: it resumes exactly, and no file can run code.

A projection saved at any point of any frame order and read back goes on to
the same state as one that never stopped. A damaged, foreign, older or
pickled file is never trusted: the engine refolds the recording instead.
"""

from __future__ import annotations

import pickle
import sys
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocppdeck.core.disk import snapshot
from ocppdeck.core.disk.recording import Recorder
from ocppdeck.core.engine import Engine
from ocppdeck.core.model.projection import Projection, fold
from tests.helpers.engine import make_settings
from tests.helpers.folded import write
from tests.helpers.scenario import scenario_frames
from tests.helpers.scenario_mixed import mixed_frames

FRAMES = scenario_frames() + mixed_frames()


def folded(frames: list[Any], projection: Projection | None = None) -> Projection:
    return fold(frames, projection or Projection())


def test_every_field_of_the_state_is_saved() -> None:
    for cls, compound in snapshot.COMPOUND.items():
        names = {f.name for f in fields(cls)}
        saved = compound | {name for name, _ in snapshot.scalar_fields(cls)}
        assert names == saved, f"{cls.__name__}: {sorted(names - saved)} would be lost"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=st.permutations(range(len(FRAMES))), cut=st.integers(0, len(FRAMES)))
def test_a_saved_projection_resumes_as_if_it_never_stopped(order: list[int], cut: int) -> None:
    frames = [FRAMES[i] for i in order]  # any order: answers and stops wait for partners
    first = folded(frames[:cut])
    data = snapshot.dump(first, cut)
    saved = snapshot.read(data)
    assert saved.seq == cut
    assert snapshot.dump(saved.projection, cut) == data  # read back exactly
    resumed = folded(frames[cut:], saved.projection)
    straight = folded(frames)
    assert snapshot.dump(resumed, 0) == snapshot.dump(straight, 0)
    assert resumed.state.open.keys() == straight.state.open.keys()


def test_meter_history_and_reports_survive(tmp_path: Path) -> None:
    state = folded(FRAMES).state
    again = snapshot.read(snapshot.dump(folded(FRAMES), 7)).projection.state
    for sid, station in state.stations.items():
        other = again.stations[sid]
        assert other.variables == station.variables
        assert other.reports == station.reports
        for evse_id, evse in station.evses.items():
            assert list(other.evses[evse_id].history) == list(evse.history)
    assert any(len(e.history) for s in state.stations.values() for e in s.evses.values())


class Planted:
    """Unpickling this would create a file: proof that a pickle ran code."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.target,))


def recorded_engine(tmp_path: Path) -> Engine:
    settings = make_settings(tmp_path)
    recorder = Recorder(settings.recording_path)
    for seq, frame in enumerate(scenario_frames(), start=1):
        write(recorder, replace(frame, seq=seq))
    recorder.close()
    return Engine(settings)


@pytest.mark.parametrize("name", ["snapshot.json", "snapshot.pickle"])
def test_a_pickle_in_the_data_dir_is_never_loaded(tmp_path: Path, name: str) -> None:
    planted = tmp_path / "code-ran"
    engine = recorded_engine(tmp_path / "data")
    (engine.settings.data_dir / name).write_bytes(pickle.dumps(Planted(planted)))
    engine.restore()
    assert not planted.exists()
    assert engine.state.stations == folded(scenario_frames()).state.stations  # refolded
    assert not (engine.settings.data_dir / "snapshot.pickle").exists()  # old format gone


def test_an_older_version_means_a_refold(tmp_path: Path) -> None:
    engine = recorded_engine(tmp_path)
    document = orjson.loads(snapshot.dump(Projection(), 10**9))
    document["version"] = snapshot.VERSION - 1
    engine.settings.snapshot_path.write_bytes(orjson.dumps(document))
    engine.restore()  # an empty state at frame 10**9 would hide every station
    assert set(engine.state.stations) == set(folded(scenario_frames()).state.stations)


def _damage(value: Any, path: list[int], replacement: Any) -> Any:
    """`value` with the node that `path` picks (indexes into dicts and lists) replaced."""
    if not path or not isinstance(value, dict | list) or not value:
        return replacement
    children = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
    key, child = children[path[0] % len(children)]
    if isinstance(value, dict):
        return {**value, key: _damage(child, path[1:], replacement)}
    return [*value[:key], _damage(child, path[1:], replacement), *value[key + 1 :]]


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats()
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=5,
)
SAVED = orjson.loads(snapshot.dump(folded(mixed_frames()), 5))


@settings(max_examples=200, deadline=None)
@given(path=st.lists(st.integers(0, 50), max_size=8), replacement=JSON)
def test_a_damaged_snapshot_is_refused_with_a_reason_never_a_crash(
    path: list[int], replacement: Any
) -> None:
    data = orjson.dumps(_damage(SAVED, path, replacement))
    try:
        snapshot.read(data)
    except snapshot.SnapshotError as exc:
        assert str(exc)


@pytest.mark.parametrize("data", [b"", b"\x80\x04K\x01.", b"[]", b"{}", b'{"kind": 1}', b"\xff"])
def test_bytes_that_are_no_snapshot_are_refused(data: bytes) -> None:
    with pytest.raises(snapshot.SnapshotError):
        snapshot.read(data)


def test_a_snapshot_that_stalls_the_loop_longer_comes_less_often() -> None:
    from ocppdeck.core.engine import SNAPSHOT_EVERY, snapshot_gap

    assert snapshot_gap(0.005) == SNAPSHOT_EVERY  # a small state: the usual minute
    assert snapshot_gap(0.3) == 90  # 1,000 stations at their bounds: 0.3 s in 90 s
    assert snapshot_gap(2.0) == 600  # never more than a third of a percent of the loop


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_memory_a_snapshot_freed_can_be_given_back_on_linux() -> None:
    from ocppdeck.core.memory_trim import release_free_memory

    assert release_free_memory()
