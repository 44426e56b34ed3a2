"""Rows kept per station up to a bound; the rest counted."""

from __future__ import annotations

from collections import Counter
from typing import Generic, TypeVar

R = TypeVar("R")


class StationRows(Generic[R]):
    """Rows of one table, at most `limit` per station; `left_off` counts the others."""

    __slots__ = ("_per_station", "left_off", "limit", "rows")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.rows: list[R] = []
        self._per_station: Counter[str] = Counter()
        self.left_off = 0

    def add(self, station: str, row: R) -> bool:
        """Keep `row` unless its station has `limit` already; whether it was kept."""
        if self._per_station[station] >= self.limit:
            self.left_off += 1
            return False
        self._per_station[station] += 1
        self.rows.append(row)
        return True
