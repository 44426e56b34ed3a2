"""A connector's meter history holds each distinct sample once, in time order, whatever
order the samples came in (a shuffled log, a resent message, readings of one instant)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

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
