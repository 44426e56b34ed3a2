"""One uploaded file as text: its first VIEW_BYTES, the station's bytes shown as text
(never markup, control characters escaped); a binary file says so and shows nothing."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from ...core.files.uploads import VIEW_BYTES, Upload, view
from ..station_text import shown_lines, station_text


class UploadViewer(ModalScreen[None]):
    """The text of an upload, scrollable."""

    BINDINGS = [Binding("escape,q", "dismiss", "Close")]
    DEFAULT_CSS = """
    UploadViewer { align: center middle; }
    #upload-viewer { width: 95%; height: 90%; border: round $primary; background: $surface;
                     padding: 0 1; }
    #upload-viewer-note { color: $text-muted; }
    """

    def __init__(self, upload: Upload) -> None:
        super().__init__()
        self.upload = upload

    def compose(self) -> ComposeResult:
        try:
            seen = view(self.upload.path)
        except OSError as exc:
            note, body = f"Cannot read it: {exc.strerror or exc}", ""
        else:
            note = "Binary: not shown." if seen.binary else ""
            if seen.cut:
                note = f"{note} The first {VIEW_BYTES // 1024} kB of it.".strip()
            body = seen.text
        with Vertical(id="upload-viewer") as box:
            box.border_title = station_text(f"{self.upload.station_id} · {self.upload.name}")
            yield Static(note, id="upload-viewer-note", markup=False)
            with VerticalScroll():
                yield Static(Text(shown_lines(body)), id="upload-text")
        yield Footer()
