"""A modal screen of one table the core's records fill, redrawn on a timer.

The queue and the station registry are such screens: a note on top, the
table, the footer; `refresh_rows` redraws only when the records changed.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static


class LiveTableScreen(ModalScreen[None]):
    """Subclasses name the box (`BOX_ID`, its CSS id), its `TITLE` and `COLUMNS`, and
    fill the table in `refresh_rows`."""

    BOX_ID = ""
    TITLE = ""
    COLUMNS: tuple[str, ...] = ()

    def __init__(self, interval: float) -> None:
        super().__init__()
        self.interval = interval

    def note(self) -> str:
        """The line above the table."""
        return ""

    def compose(self) -> ComposeResult:
        with Vertical(id=self.BOX_ID) as body:
            body.border_title = self.TITLE
            yield Static(self.note(), id=f"{self.BOX_ID}-note")
            table: DataTable[str | Text] = DataTable(id=f"{self.BOX_ID}-table", cursor_type="row")
            table.add_columns(*self.COLUMNS)
            yield table
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_rows()
        self.query_one(DataTable).focus()
        self.set_interval(self.interval, self.refresh_rows)

    def refresh_rows(self) -> None:
        """Redraw the table from the core's records."""
        raise NotImplementedError
