"""What stations uploaded (diagnostics, logs): station, name, size and time, newest first;
Enter opens a text file in a viewer. The list is read from the data dir every second."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding
from textual.widgets import DataTable

from ...core.files.uploads import Upload, listing, uploads_dir
from ..formatting import full_time
from ..station_text import station_text
from .live_table import LiveTableScreen
from .upload_viewer import UploadViewer

LIST_EVERY_S = 1.0


def size_text(size: int) -> str:
    """A size in B, kB or MB."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} kB"
    return f"{size / 1024 / 1024:.1f} MB"


class UploadsScreen(LiveTableScreen):
    """The uploads under the data dir, newest first."""

    BINDINGS = [
        Binding("enter", "open", "Open"),
        Binding("escape,q", "dismiss", "Close"),
    ]
    DEFAULT_CSS = """
    UploadsScreen { align: center middle; }
    #uploads { width: 95%; height: 85%; border: round $primary; background: $surface;
               padding: 0 1; }
    #uploads-note { color: $text-muted; }
    """
    BOX_ID = "uploads"
    TITLE = "Uploads"
    COLUMNS = ("Station", "Name", "Size", "Time")

    def __init__(self, data_dir: Path) -> None:
        super().__init__(LIST_EVERY_S)
        self.data_dir = data_dir
        self._shown: list[Upload] = []

    def note(self) -> str:
        """Where the files are."""
        return f"Files stations uploaded, kept in {uploads_dir(self.data_dir)}. Enter opens one."

    def refresh_rows(self) -> None:
        """Redraw when the files changed."""
        found = listing(self.data_dir)
        if found == self._shown:
            return
        self._shown = found
        table = self.query_one(DataTable)
        table.clear()
        for n, upload in enumerate(found):
            table.add_row(
                station_text(upload.station_id),
                station_text(upload.name),
                size_text(upload.size),
                full_time(upload.at),
                key=str(n),
            )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        """Open the selected file in the viewer."""
        table = self.query_one(DataTable)
        if not table.row_count:
            self.notify("No upload selected.", severity="warning", markup=False)
            return
        self.app.push_screen(UploadViewer(self._shown[table.cursor_row]))
