"""A transaction's seqNos as runs: repeats told apart, gaps counted, any order the same."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ocppdeck.core.model import seqnos
from ocppdeck.core.model.limits import MAX_SEQ_RUNS


def runs_of(numbers: list[int]) -> seqnos.SeqRuns:
    runs: seqnos.SeqRuns = ()
    for n in numbers:
        if not seqnos.seen(runs, n):
            runs = seqnos.add(runs, n)
    return runs


def test_consecutive_numbers_are_one_run_with_nothing_missing() -> None:
    runs = runs_of([0, 1, 2, 3])
    assert runs == ((0, 3),)
    assert seqnos.missing(runs) == 0
    assert all(seqnos.seen(runs, n) for n in range(4))
    assert not seqnos.seen(runs, 4)


def test_a_jump_opens_a_gap_that_late_numbers_close() -> None:
    runs = runs_of([0, 1])
    assert seqnos.opened(runs, 5) == (2, 4)
    runs = seqnos.add(runs, 5)
    assert seqnos.gaps(runs) == [(2, 4)]
    assert seqnos.missing(runs) == 3
    assert seqnos.opened(runs, 3) is None  # inside the gap: fills, opens nothing
    runs = runs_of([0, 1, 5, 3, 2, 4])
    assert runs == ((0, 5),)
    assert seqnos.missing(runs) == 0


def test_a_number_below_the_first_run_opens_a_gap_too() -> None:
    runs = runs_of([7, 8])
    assert seqnos.opened(runs, 3) == (4, 6)


def test_past_the_bound_the_lowest_runs_are_forgotten() -> None:
    every_other = list(range(0, 4 * MAX_SEQ_RUNS, 2))
    runs = runs_of(every_other)
    assert len(runs) == MAX_SEQ_RUNS
    assert runs[-1] == (every_other[-1], every_other[-1])  # the newest stay
    assert seqnos.missing(runs) == MAX_SEQ_RUNS - 1


# Numbers below 2 * MAX_SEQ_RUNS - 1 never make more runs than are kept.
numbers = st.lists(st.integers(0, 2 * MAX_SEQ_RUNS - 2), max_size=30)


@given(numbers.flatmap(lambda ns: st.tuples(st.just(ns), st.permutations(ns))))
def test_the_runs_do_not_depend_on_the_order(drawn: tuple[list[int], list[int]]) -> None:
    in_order, shuffled = drawn
    runs = runs_of(in_order)
    assert runs_of(shuffled) == runs
    seen = set(in_order)
    assert all(seqnos.seen(runs, n) == (n in seen) for n in range(2 * MAX_SEQ_RUNS))
    if seen:
        assert seqnos.missing(runs) == max(seen) - min(seen) + 1 - len(seen)
