"""Reports: sessions (with totals per station and per day), faults, compliance and
connection health of the console's source, the tables `ocppdeck report` writes.

Live and demo report what their data dir holds, as `ocppdeck report` with no FILE
does; a replay reports its recording in play order, so the first frame of each session
and fault is a position of the player, and Enter goes there. The report is built in a
worker thread with a progress line, so a big source never freezes the console.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from ...core.console import ConsoleSource
from ...core.disk.formats import ImportReport, read_frames
from ...core.report.build import Report, build_report
from ...core.wire.frame import Frame
from ..report_tables import ReportTable, report_tables, summary
from ..station_text import shown

CHECK_EVERY = 1_000  # frames between two looks at whether the build was called off
TABS = ("sessions", "faults", "compliance", "connections")
# Each tab's tables, the first one focused when the tab is shown.
TAB_TABLES = {
    "sessions": ("sessions", "by_station", "by_day"),
    "faults": ("faults",),
    "compliance": ("compliance",),
    "connections": ("connections", "episodes"),
}


@dataclass(slots=True)
class Reading:
    """How far a build has come: written by its thread, read by the screen's timer."""

    frames: int = 0
    total: int | None = None  # a replay's frames
    imported: ImportReport | None = None  # the data dir's reading: bytes read of all

    def describe(self) -> str:
        """E.g. "Building the report: 12,000 of 48,000 frames · 25%"."""
        share = None
        if self.total:
            share = self.frames / self.total
        elif self.imported is not None and self.imported.source_bytes:
            share = self.imported.bytes_read / self.imported.source_bytes
        of = f" of {self.total:,}" if self.total else ""
        text = f"Building the report: {self.frames:,}{of} frames"
        return text if share is None else f"{text} · {min(share, 1.0):.0%}"


def source_frames(source: ConsoleSource, reading: Reading) -> Iterable[Frame]:
    """What a source's report folds: a replay's recording, or the data dir of a live or
    demo run (raises SourceError when it holds no recording)."""
    transport = source.transport
    if transport is not None:
        reading.total = transport.length
        return transport.recorded()
    reading.imported = ImportReport()
    return read_frames(source.settings.data_dir, None, reading.imported)


def _counted(frames: Iterable[Frame], reading: Reading) -> Iterator[Frame]:
    """The frames, counted into `reading`; they stop early when the build is called off
    (the screen closed, or a refresh), so no thread outlives its screen for long."""
    worker = get_current_worker()
    count = 0
    for count, frame in enumerate(frames, 1):
        if count % CHECK_EVERY == 0:
            reading.frames = count
            if worker.is_cancelled:
                return
        yield frame
    reading.frames = count


class ReportsScreen(ModalScreen[bool | None]):
    """The four tables of the source's report, on tabs; dismissed with True when Enter
    moved the replay to a row's first frame."""

    BINDINGS = [
        Binding("1", "show_tab('sessions')", "Sessions"),
        Binding("2", "show_tab('faults')", "Faults"),
        Binding("3", "show_tab('compliance')", "Compliance"),
        Binding("4", "show_tab('connections')", "Connections"),
        Binding("enter", "go_to_row", "Go to its first frame (replay)", show=False),
        Binding("r", "refresh_report", "Refresh"),
        Binding("escape,q", "dismiss", "Close"),
        # A modal screen hides the console's keys: its help is one of its own.
        Binding("question_mark,f1", "app.help", "Help", key_display="?"),
    ]
    DEFAULT_CSS = """
    ReportsScreen {
        align: center middle;
    }
    #reports {
        width: 95%;
        height: 90%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    #reports-note {
        color: $text-muted;
    }
    #reports TabbedContent, #reports TabPane {
        height: 1fr;
    }
    #reports DataTable {
        height: 1fr;
    }
    #reports-sessions {
        height: 2fr;
    }
    #reports-totals {
        height: 1fr;
    }
    """

    def __init__(self, source: ConsoleSource) -> None:
        super().__init__()
        self.source = source
        self.report: Report | None = None
        self.tables: dict[str, ReportTable] = {}
        self._reading: Reading | None = None
        self._worker: Worker[Report] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="reports") as box:
            box.border_title = "Reports"
            yield Static(self._note(), id="reports-note")
            yield Static("", id="reports-status")
            with TabbedContent(initial="sessions"):
                with TabPane("Sessions", id="sessions"):
                    yield self._table("sessions")
                    with Horizontal(id="reports-totals"):
                        yield self._table("by_station")
                        yield self._table("by_day")
                with TabPane("Faults", id="faults"):
                    yield self._table("faults")
                with TabPane("Compliance", id="compliance"):
                    yield self._table("compliance")
                with TabPane("Connections", id="connections"):
                    yield self._table("connections")
                    yield self._table("episodes")
        yield Footer()

    @staticmethod
    def _table(name: str) -> DataTable[Text]:
        return DataTable(id=f"reports-{name}", cursor_type="row", zebra_stripes=True)

    def _note(self) -> str:
        if self.source.transport is not None:
            return "The whole recording. Enter on a session or a fault goes to its first frame."
        return (
            "What the data dir holds, as `ocppdeck report` reads it; r reads it again. "
            "Going to a row's frame needs a replay."
        )

    def on_mount(self) -> None:
        self.set_interval(self.source.settings.redraw_interval, self._show_progress)
        self.action_refresh_report()

    # --- building -----------------------------------------------------------
    def action_refresh_report(self) -> None:
        """Build the report again (live: the data dir as it is now)."""
        transport = self.source.transport
        if transport is not None and transport.loading:
            self._status("The replay is still loading: press r once it has.")
            return
        reading = Reading()
        self._reading = reading
        self._worker = self.run_worker(
            lambda: build_report(_counted(source_frames(self.source, reading), reading)),
            name="report",
            group="report",
            exclusive=True,  # a refresh calls off the build under way
            thread=True,
            exit_on_error=False,
        )
        self._show_progress()

    def _show_progress(self) -> None:
        if self._reading is not None:
            self._status(self._reading.describe())

    def _status(self, text: str) -> None:
        self.query_one("#reports-status", Static).update(Text(text))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._worker:
            return  # a build called off
        if event.state is WorkerState.SUCCESS:
            imported = self._reading.imported if self._reading is not None else None
            self._reading = None
            report = event.worker.result
            assert report is not None
            self._show(report)
            if imported is not None and imported.skipped_count:
                self._status(f"{summary(report)} · {imported.skipped_count:,} lines skipped")
        elif event.state is WorkerState.ERROR:
            self._reading = None
            error = str(event.worker.error) or type(event.worker.error).__name__
            line = shown(error.splitlines()[0] if error.strip() else error)
            self._status(f"No report: {line}")
            self.notify(line, title="Report", severity="error", markup=False)

    def _show(self, report: Report) -> None:
        self.report = report
        self.tables = report_tables(report)
        for table in self.tables.values():
            widget = self.query_one(f"#reports-{table.name}", DataTable)
            widget.clear(columns=True)
            widget.add_columns(*table.columns)
            widget.add_rows(table.rows)
        self._status(summary(report))
        self._focus_tab(self.query_one(TabbedContent).active or TABS[0])

    # --- keys ---------------------------------------------------------------
    def action_show_tab(self, tab: str) -> None:
        """Show one of the tabs and put the cursor in its first table."""
        self.query_one(TabbedContent).active = tab
        self._focus_tab(tab)

    def _focus_tab(self, tab: str) -> None:
        self.query_one(f"#reports-{TAB_TABLES[tab][0]}", DataTable).focus()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id in TAB_TABLES:
            self._focus_tab(event.pane.id)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_go_to_row()

    def action_go_to_row(self) -> None:
        """Replay: go to the first frame of the session or fault under the cursor."""
        focused = self.focused
        if not isinstance(focused, DataTable) or focused.id is None or not focused.row_count:
            return
        table = self.tables.get(focused.id.removeprefix("reports-"))
        if table is None:
            return
        if table.positions is None:
            self.notify("Enter goes to a session's or a fault's first frame.", markup=False)
            return
        transport = self.source.transport
        if transport is None:
            self.notify(
                "Going to a row's first frame needs a replay: open the recording with "
                "ocppdeck replay.",
                severity="warning",
                markup=False,
            )
            return
        position = table.positions[focused.cursor_row]
        if position is None:
            self.notify("This row names no frame of the recording.", markup=False)
            return
        # Just past it, as the transport's jumps do: the frame is the newest one shown.
        transport.seek(position + 1)
        transport.playing = False
        self.dismiss(True)
