"""A station's security events (SecurityEventNotification), newest first, from the state.

Critical ones (the spec's list) are marked as faults, as the report and the replay's
`n` / `p` count them. Every word is the station's: shown as text, never markup.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from ...core.model.state import Notice, State, Topic
from ..formatting import clock_time
from ..station_text import station_text
from .live_table import LiveTableScreen

COLUMNS = ("Time (UTC)", "Event", "", "Details")
FAULT = Text("fault", style="bold red")


def event_cells(notice: Notice) -> tuple[str | Text, ...]:
    """One event's row: when, its type, whether it is a fault, its techInfo."""
    return (
        clock_time(notice.at),
        station_text(notice.status),
        FAULT if notice.flag else "",
        station_text(notice.detail or "—", style="dim"),
    )


class SecurityEventsScreen(LiveTableScreen):
    """One station's security events, redrawn on a timer."""

    DEFAULT_CSS = """
    SecurityEventsScreen { align: center middle; }
    #security-events { border: round $primary; background: $surface; padding: 0 1;
                       width: 95%; height: 85%; }
    #security-events-note { color: $text-muted; }
    """
    BOX_ID = "security-events"
    TITLE = "Security events"
    COLUMNS = COLUMNS
    BINDINGS = [Binding("escape,q", "dismiss", "Close")]

    def __init__(self, station_id: str, state: Callable[[], State], interval: float) -> None:
        super().__init__(interval)
        self.station_id = station_id
        self._state = state  # a function: a restore may replace the state object
        self._shown: list[Notice] = []

    def note(self) -> str:
        """What the list is."""
        return (
            f"{self.station_id}: its SecurityEventNotifications, newest first; critical "
            "ones (the spec's list) are faults, in the report too."
        )

    def refresh_rows(self) -> None:
        """Redraw when the station reported another event."""
        station = self._state().stations.get(self.station_id)
        events = [] if station is None else station.noticed(Topic.SECURITY)[::-1]
        if events == self._shown:
            return
        self._shown = events
        table = self.query_one(DataTable)
        table.clear()
        for notice in events:
            table.add_row(*event_cells(notice))
