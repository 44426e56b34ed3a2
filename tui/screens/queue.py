"""Outbound queue: every station's commands and their states; cancel a queued one."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from ...core.csms.answer_status import means_done
from ...core.csms.commands import Commands, CommandUnavailable
from ...core.csms.outbound_queue import CallState, QueuedCallRecord
from ..formatting import clock_time
from ..station_text import station_text
from .live_table import LiveTableScreen

COLUMNS = ("Id", "Station", "Action", "State", "Created", "Status", "Detail")

STATE_STYLES = {
    CallState.QUEUED: "yellow",
    CallState.IN_FLIGHT: "bold cyan",
    CallState.ANSWERED: "green",
    CallState.FAILED: "bold red",
    CallState.TIMED_OUT: "red",
    CallState.CANCELLED: "dim",
}


def _status_style(record: QueuedCallRecord) -> str:
    """An answer's status: green when it says done, yellow when it refuses (Rejected,
    RebootRequired, "2 Accepted, 1 Rejected"). Other states are coloured in their column."""
    if record.state is not CallState.ANSWERED:
        return ""
    return "green" if means_done(record.status) else "bold yellow"


class QueueScreen(LiveTableScreen):
    """Lists every command, newest last, redrawn from the core on a timer."""

    BINDINGS = [
        Binding("c,delete", "cancel_command", "Cancel command", key_display="c"),
        Binding("escape,q", "dismiss", "Close"),
    ]

    BOX_ID = "queue"
    TITLE = "Outbound queue"
    COLUMNS = COLUMNS

    def __init__(self, commands: Commands, interval: float) -> None:
        super().__init__(interval)
        self.commands = commands
        self._shown: list[QueuedCallRecord] = []

    def note(self) -> str:
        """What the queue is, or that replay has none."""
        if self.commands.enabled:
            return "Commands wait here for their station and go out in order, one at a time."
        return "Replay: commands are off, nothing is queued or sent."

    def refresh_rows(self) -> None:
        """Redraw the table when the core's records changed, keeping the cursor's command."""
        records = self.commands.queue_overview()
        if records == self._shown:
            return
        self._shown = records
        table = self.query_one(DataTable)
        selected = self.selected
        table.clear()
        for record in records:
            table.add_row(
                str(record.id),
                station_text(record.station),
                station_text(record.action),
                # "answered" is green only when the answer says done.
                Text(record.state.value, style=_status_style(record) or STATE_STYLES[record.state]),
                clock_time(record.created_at),
                # The station's word, or its CallError's: an answer that refuses is not green.
                station_text(record.status, style=_status_style(record)),
                station_text(record.detail),
                key=str(record.id),
            )
        if selected is not None and str(selected) in table.rows:
            table.move_cursor(row=table.get_row_index(str(selected)))
        elif records:
            table.move_cursor(row=len(records) - 1)  # newest last: start at the newest

    @property
    def selected(self) -> int | None:
        """The id of the command under the cursor."""
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    def action_cancel_command(self) -> None:
        """Cancel the selected command, if it is still queued."""
        command_id = self.selected
        if command_id is None:
            self.notify("No command selected.", severity="warning", markup=False)
            return
        try:
            command = self.commands.cancel(command_id)
        except CommandUnavailable as exc:
            self.notify(str(exc), title="Cancel", severity="error", markup=False)
            return
        self.notify(
            f"{command.action} to {command.station} cancelled.", title="Cancel", markup=False
        )
        self.refresh_rows()
