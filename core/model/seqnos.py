"""The TransactionEvent seqNos seen of one transaction, as sorted runs of consecutive
numbers: a repeat is told from a new event, and the numbers never seen between the lowest
and the highest are the gaps, in a few integers however long the transaction. Pure.

A run set is the same whatever order its numbers came in, so the projection stays
order-tolerant.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import pairwise

from .limits import MAX_SEQ_RUNS

# Sorted, disjoint, never touching inclusive runs (first, last).
SeqRuns = tuple[tuple[int, int], ...]


def _after(runs: SeqRuns, n: int) -> int:
    """The index of the first run that starts after `n`."""
    return bisect_right(runs, n, key=lambda run: run[0])


def seen(runs: SeqRuns, n: int) -> bool:
    """Whether `n` was seen already."""
    i = _after(runs, n)
    return i > 0 and runs[i - 1][1] >= n


def add(runs: SeqRuns, n: int) -> SeqRuns:
    """The runs with `n` (not seen yet) added; past MAX_SEQ_RUNS the lowest run is forgotten."""
    i = _after(runs, n)
    first, last, lo, hi = n, n, i, i
    if i > 0 and runs[i - 1][1] == n - 1:
        first, lo = runs[i - 1][0], i - 1
    if i < len(runs) and runs[i][0] == n + 1:
        last, hi = runs[i][1], i + 1
    joined = (*runs[:lo], (first, last), *runs[hi:])
    return joined[-MAX_SEQ_RUNS:]


def opened(runs: SeqRuns, n: int) -> tuple[int, int] | None:
    """The gap (first, last missing) that adding `n` to `runs` opens, if it opens one."""
    if not runs:
        return None
    if n > runs[-1][1] + 1:
        return (runs[-1][1] + 1, n - 1)
    if n < runs[0][0] - 1:
        return (n + 1, runs[0][0] - 1)
    return None


def gaps(runs: SeqRuns) -> list[tuple[int, int]]:
    """The (first, last) numbers missing between the runs, lowest first."""
    return [(a[1] + 1, b[0] - 1) for a, b in pairwise(runs)]


def missing(runs: SeqRuns) -> int:
    """How many numbers between the lowest and the highest seen never came."""
    return sum(last - first + 1 for first, last in gaps(runs))
