"""A table whose columns fit its pane: on a narrow pane the least needed columns go, on a
wide one a column grows (a vendor's name, a transaction id) rather than leave room unused.

The rows are kept whole, by key, so a column that comes back on a wider pane has its
cells; only the cells that changed are redrawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import DataTable

CELL_PADDING = 1  # DataTable's padding on each side of a cell
FIRST = 0  # the first column names the row: it is never left out, and rows sort by it

Cell = Text | str
Row = tuple[Cell, ...]


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its label, its width when no room is spare, and `rank`, the order
    in which columns leave a narrow pane (the highest first; 0 stays)."""

    label: str
    width: int
    rank: int
    grows: bool = False  # takes the room the others leave (one column per table)


def fit_columns(columns: Sequence[Column], room: int) -> list[tuple[int, int]]:
    """The columns shown in `room` cells, as (index, width) in their order: the
    highest-ranked leave until the rest fit (never the first: it names the row); the
    growing one takes what is left."""
    shown = list(range(len(columns)))

    def need(indices: list[int]) -> int:
        return sum(columns[i].width + 2 * CELL_PADDING for i in indices)

    while len(shown) > 1 and need(shown) > room:
        shown.remove(max(shown[FIRST + 1 :], key=lambda i: columns[i].rank))
    spare = max(0, room - need(shown))
    return [(i, columns[i].width + (spare if columns[i].grows else 0)) for i in shown]


class FittedTable(DataTable[Cell]):
    """A row-cursor table of `COLUMNS`, refitted to its width on every resize."""

    COLUMNS: ClassVar[tuple[Column, ...]]

    BINDINGS = [
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.rows_by_key: dict[str, Row] = {}
        self._shown: list[tuple[int, int]] = []

    def on_mount(self) -> None:
        self._lay_out([(i, column.width) for i, column in enumerate(self.COLUMNS)])

    def on_resize(self, _: events.Resize) -> None:
        # The scrollbar's room is kept whether it shows or not: it must not refit the columns.
        room = self.size.width - self.styles.scrollbar_size_vertical
        shown = fit_columns(self.COLUMNS, room)
        if shown != self._shown:
            self._lay_out(shown)

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor."""
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def order(self, label: str) -> Any:
        """How rows sort, by the text of their first column (by default, that text)."""
        return label

    def _lay_out(self, shown: list[tuple[int, int]]) -> None:
        keep = self.cursor_key
        self._shown = shown
        self.clear(columns=True)
        for i, width in shown:
            self.add_column(self.COLUMNS[i].label, width=width, key=str(i))
        for key, row in self.rows_by_key.items():
            self.add_row(*self._cells(row), key=key)
        self.sort_rows()
        if keep in self.rows_by_key:
            self.move_cursor(row=self.get_row_index(keep))

    def _cells(self, row: Row) -> list[Cell]:
        return [row[i] for i, _ in self._shown]

    def put_row(self, key: str, row: Row) -> bool:
        """Add a row or change the cells of one that differ; True when it is new (the
        caller sorts once it has put them all)."""
        old = self.rows_by_key.get(key)
        self.rows_by_key[key] = row
        if old is None:
            self.add_row(*self._cells(row), key=key)
            return True
        if old != row:
            index = self.get_row_index(key)
            for column, (i, _) in enumerate(self._shown):
                if old[i] != row[i]:
                    self.update_cell_at((index, column), row[i])
        return False

    def drop_row(self, key: str) -> None:
        """Remove a row."""
        self.remove_row(key)
        del self.rows_by_key[key]

    def drop_all(self) -> None:
        """Remove every row (the columns stay)."""
        self.clear()
        self.rows_by_key.clear()

    def sort_rows(self) -> None:
        """Put the rows in their order (after new ones came), by their first column's text."""
        self.sort(str(FIRST), key=lambda cell: self.order(str(cell)))
