"""Firmware and logs: each station's firmware, diagnostics and log status as it moves,
and every step of the selected station's jobs. Redrawn from the state on a timer; `u`
opens what stations uploaded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from ...core.model.state import JOB_TOPICS, Notice, State, StationState, Topic
from ..formatting import clock_time
from ..station_text import station_text
from .uploads import UploadsScreen

# Statuses that end a job badly (1.6, its security extension and 2.x), shown in red.
FAILED = frozenset(
    {
        "DownloadFailed",
        "InstallationFailed",
        "InstallVerificationFailed",
        "InvalidSignature",
        "InvalidCertificate",
        "RevokedCertificate",
        "UploadFailed",
        "UploadFailure",
        "BadMessage",
        "PermissionDenied",
        "NotSupportedOperation",
    }
)
DONE = frozenset({"Installed", "Uploaded", "SignatureVerified"})
JOBS = ((Topic.FIRMWARE, "Firmware"), (Topic.DIAGNOSTICS, "Diagnostics"), (Topic.LOG, "Log"))


def _style(status: str) -> str:
    return "bold red" if status in FAILED else "green" if status in DONE else "yellow"


def _status(station: StationState, topic: Topic) -> Text:
    notice = station.latest(topic)
    if notice is None:
        return Text("—", style="dim")
    return station_text(f"{notice.status} {clock_time(notice.at)}", style=_style(notice.status))


def _steps(station: StationState) -> list[tuple[Notice, str]]:
    """Every step of the station's jobs, oldest first, with its job's name."""
    names = dict(JOBS)
    found = [(n, names[topic]) for topic in JOB_TOPICS for n in station.history(topic)]
    return sorted(found, key=lambda pair: (pair[0].at, pair[1]))


class MaintenanceScreen(ModalScreen[None]):
    """Stations with their firmware and log status; the selected one's steps below."""

    BINDINGS = [
        Binding("u", "uploads", "Uploads"),
        Binding("escape,q", "dismiss", "Close"),
    ]
    DEFAULT_CSS = """
    MaintenanceScreen { align: center middle; }
    #maintenance { width: 95%; height: 90%; border: round $primary; background: $surface;
                   padding: 0 1; }
    #maintenance-stations { height: 1fr; }
    #maintenance-steps { height: 1fr; }
    #maintenance-note { color: $text-muted; }
    """

    def __init__(self, state: Callable[[], State], interval: float, data_dir: Path) -> None:
        super().__init__()
        self.state = state
        self.interval = interval
        self.data_dir = data_dir  # where the uploads are
        self._shown: dict[str, tuple[object, ...]] = {}
        # The steps table shows: its station, how many steps, the newest (past MAX_STEPS
        # the count stays, the newest moves).
        self._steps_of: tuple[str | None, int, Notice | None] = (None, -1, None)

    def compose(self) -> ComposeResult:
        with Vertical(id="maintenance") as box:
            box.border_title = "Firmware and logs"
            yield Static(
                "F updates firmware, G asks for a log (on the console). Steps of the "
                "selected station below; u lists the uploaded files.",
                id="maintenance-note",
            )
            stations: DataTable[str | Text] = DataTable(
                id="maintenance-stations", cursor_type="row"
            )
            stations.add_columns("Station", "Version", *(name for _, name in JOBS))
            yield stations
            steps: DataTable[str | Text] = DataTable(id="maintenance-steps", cursor_type="row")
            steps.add_columns("Time", "Job", "Status", "Detail")
            yield steps
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_rows()
        self.query_one("#maintenance-stations", DataTable).focus()
        self.set_interval(self.interval, self.refresh_rows)

    @property
    def selected(self) -> str | None:
        """The station under the cursor."""
        table = self.query_one("#maintenance-stations", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return key

    def refresh_rows(self) -> None:
        """Redraw the stations whose status changed, then the selected one's steps."""
        state = self.state()
        table = self.query_one("#maintenance-stations", DataTable)
        for sid in sorted(state.stations):
            station = state.stations[sid]
            row = (
                station_text(sid),
                station_text(station.firmware or "—"),
                *(_status(station, topic) for topic, _ in JOBS),
            )
            if self._shown.get(sid) == row:
                continue
            if sid in self._shown:
                for column, cell in enumerate(row):
                    table.update_cell_at((table.get_row_index(sid), column), cell)
            else:
                table.add_row(*row, key=sid)
            self._shown[sid] = row
        self._refresh_steps(state)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "maintenance-stations":
            self._refresh_steps(self.state())

    def _refresh_steps(self, state: State) -> None:
        sid = self.selected
        station = state.stations.get(sid) if sid is not None else None
        steps = _steps(station) if station is not None else []
        drawn = (sid, len(steps), steps[-1][0] if steps else None)
        if self._steps_of == drawn:
            return
        self._steps_of = drawn
        table = self.query_one("#maintenance-steps", DataTable)
        table.clear()
        for notice, job in steps:
            table.add_row(
                clock_time(notice.at),
                job,
                station_text(notice.status, style=_style(notice.status)),
                station_text(notice.detail),
            )
        if steps:
            table.move_cursor(row=len(steps) - 1)

    def action_uploads(self) -> None:
        """Open the uploaded files."""
        self.app.push_screen(UploadsScreen(self.data_dir))
