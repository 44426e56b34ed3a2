"""A connector's meter history holds each distinct sample once, in time order, whatever
order the samples came in (a shuffled log, a resent message, readings of one instant)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocppdeck.core.model import state
from ocppdeck.core.model.state import MeterHistory

# Few distinct times and values, so that ties on time and repeats are common.
samples = st.lists(
    st.tuples(
        st.sampled_from([100.0, 110.0, 120.0, 130.0, 140.0]),
        st.none() | st.sampled_from([1.0, 2.0, 3.0]),
        st.none() | st.sampled_from([7.0, 8.0]),
    ),
    max_size=40,
)


def _order(sample: tuple[float, float | None, float | None]) -> tuple[float, float, float]:
    ts, energy, power = sample
    return (ts, -1.0 if energy is None else energy, -1.0 if power is None else power)


@settings(max_examples=300, deadline=None)
@given(samples, st.randoms(use_true_random=False))
def test_any_arrival_order_gives_the_sorted_distinct_samples(
    given_samples: list[tuple[float, float | None, float | None]], rng: object
) -> None:
    shuffled = list(given_samples)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    history = MeterHistory()
    for sample in shuffled:
        history.add(*sample)
    assert list(history) == sorted(set(given_samples), key=_order)


def test_a_late_sample_lands_between_its_neighbours_and_a_repeat_is_kept_once() -> None:
    history = MeterHistory()
    for ts in (10.0, 20.0, 40.0):
        history.add(ts, ts * 10, None)
    history.add(30.0, 300.0, None)  # late
    history.add(20.0, 200.0, None)  # repeated
    history.add(20.0, 150.0, 5.0)  # same time, another value: ordered by value
    assert list(history) == [
        (10.0, 100.0, None),
        (20.0, 150.0, 5.0),
        (20.0, 200.0, None),
        (30.0, 300.0, None),
        (40.0, 400.0, None),
    ]


# Many distinct times, so that a small cap drops samples and late ones are searched for.
long_samples = st.lists(
    st.tuples(
        st.integers(0, 60).map(float),
        st.none() | st.sampled_from([1.0, 2.0]),
        st.none() | st.sampled_from([7.0]),
    ),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(long_samples, st.randoms(use_true_random=False), st.integers(0, 80))
def test_a_full_history_keeps_the_newest_distinct_samples_in_any_arrival_order(
    given_samples: list[tuple[float, float | None, float | None]], rng: object, saved_at: int
) -> None:
    # A cap of 10 with 3 spare rows and 2 looked at from the end, so that dropping,
    # the spare rows and both ways of finding a late sample's place all happen.
    patch = pytest.MonkeyPatch()
    patch.setattr(state, "METER_HISTORY", 10)
    patch.setattr(state, "_SLACK", 3)
    patch.setattr(state, "_LOOK_BACK", 2)
    try:
        shuffled = list(given_samples)
        rng.shuffle(shuffled)  # type: ignore[attr-defined]
        history = MeterHistory()
        for n, sample in enumerate(shuffled):
            if n == saved_at:  # saved and loaded midway, as a snapshot or checkpoint does
                history = MeterHistory.from_bytes(history.to_bytes())
            history.add(*sample)
        newest = sorted(set(given_samples), key=_order)[-10:]
        assert list(history) == newest
        assert len(history) == len(newest)
        assert MeterHistory.from_bytes(history.to_bytes()) == history
    finally:
        patch.undo()


def test_readings_all_stamped_one_time_are_placed_by_bisection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Broken firmware (or a hostile station) stamps every reading with one time, and one
    # reading ahead of the rest makes each later one land just before it. A walk over
    # the rows of that time would read up to 750 keys a sample; bisection reads about ten.
    reads = 0
    key = MeterHistory._key

    def counted(self: MeterHistory, row: int) -> tuple[float, float, float]:
        nonlocal reads
        reads += 1
        return key(self, row)

    monkeypatch.setattr(MeterHistory, "_key", counted)
    history = MeterHistory()
    history.add(500.0, 1e9, None)
    count = state.METER_HISTORY + 100
    for energy in range(1, count + 1):
        history.add(500.0, float(energy), None)
    kept = range(count - state.METER_HISTORY + 2, count + 1)  # the largest by value
    assert list(history) == [*((500.0, float(e), None) for e in kept), (500.0, 1e9, None)]
    assert reads < count * 15
