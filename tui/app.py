"""The console: wires the panes to a source and redraws them from state on a timer."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Input, Static

from ..core.commands import CommandUnavailable
from ..core.outbound_queue import Command, CommandState
from ..core.source import ConsoleSource
from ..themes import STYLESHEET, THEMES
from .formatting import clock_time
from .screens.help import HelpScreen
from .screens.inspector import InspectorScreen
from .screens.prompt import PromptScreen
from .widgets.connectors_table import ConnectorsTable
from .widgets.frame_log_view import FrameLogView
from .widgets.meter_plot import MeterPlot
from .widgets.stations_table import StationsTable


class OcppDeckApp(App[None]):
    """Stations, connectors, live meter and frame log of one source."""

    CSS_PATH = str(STYLESHEET)
    TITLE = "ocppdeck"
    BINDINGS = [
        Binding("s", "remote_start", "Start charge"),
        Binding("x", "remote_stop", "Stop charge"),
        Binding("slash", "filter", "Filter frames"),
        Binding("question_mark", "help", "Help"),
        Binding("q,ctrl+q", "quit", "Quit", key_display="q"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def __init__(self, source: ConsoleSource) -> None:
        super().__init__()
        self.source = source
        self.startup_error: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="titlebar")
        with Horizontal(id="upper"):
            yield StationsTable(id="stations")
            yield ConnectorsTable(id="connectors")
        yield MeterPlot(id="meter")
        yield FrameLogView(self.source.frames, id="frames")
        yield Input(placeholder="filter: station:ID action:NAME kind:CALLERROR words…", id="filter")
        yield Footer()

    async def on_mount(self) -> None:
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = (
            self.source.settings.theme
            if self.source.settings.theme in self.available_themes
            else THEMES[0].name
        )
        try:
            await self.source.start()
        except OSError as exc:
            self.startup_error = f"ocppdeck could not start: {exc}"
            self.exit(return_code=2, message=self.startup_error)
            return
        self.redraw()
        self.query_one(StationsTable).focus()
        self.set_interval(self.source.settings.redraw_interval, self.redraw)

    # --- drawing ----------------------------------------------------------
    def redraw(self) -> None:
        """Bring every pane up to date with the state (called on a timer, never per frame)."""
        if not self.is_running:  # shutting down: the timer can tick while the panes are removed
            return
        state = self.source.state
        stations = self.query_one(StationsTable)
        stations.refresh_from(state)
        self._show_selection()
        self.query_one(FrameLogView).sync()
        online = sum(1 for s in state.stations.values() if state.is_online(s))
        self.query_one("#titlebar", Static).update(
            f"[b]ocppdeck[/b] · {self.source.mode} · {self.source.describe()} · "
            f"{online}/{len(state.stations)} online · {len(state.open)} open tx · "
            f"{clock_time(self.source.clock.now())} UTC"
        )

    def _show_selection(self) -> None:
        state = self.source.state
        station_id = self.query_one(StationsTable).selected
        connectors = self.query_one(ConnectorsTable)
        connectors.show(state, station_id)
        station = state.stations.get(station_id) if station_id else None
        cid = connectors.selected
        conn = station.connectors.get(cid) if station is not None and cid is not None else None
        self.query_one(MeterPlot).show(station_id, conn)

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self._show_selection()

    def on_frame_log_view_inspect(self, event: FrameLogView.Inspect) -> None:
        self.push_screen(InspectorScreen(event.frame, self.source.frames))

    # --- commands ---------------------------------------------------------
    def _target(self) -> tuple[str, int] | None:
        station_id = self.query_one(StationsTable).selected
        connector_id = self.query_one(ConnectorsTable).selected
        if station_id is None:
            self.notify("Select a station first.", severity="warning")
            return None
        if connector_id is None:
            self.notify(f"{station_id} has reported no connectors yet.", severity="warning")
            return None
        return station_id, connector_id

    def action_remote_start(self) -> None:
        """Remote start on the selected connector; asks for the id tag."""
        if not self.source.commands.enabled:
            self.notify("Replay: commands are off, nothing is sent.", severity="warning")
            return
        target = self._target()
        if target is None:
            return
        station_id, connector_id = target

        def send(id_tag: str | None) -> None:
            if id_tag is None:
                return
            self._run(
                lambda: self.source.commands.remote_start(station_id, connector_id, id_tag),
                f"Remote start {station_id} #{connector_id}",
            )

        self.push_screen(
            PromptScreen(
                "Remote start",
                f"Id tag to start {station_id} connector {connector_id} for:",
                self.source.settings.default_id_tag,
                max_length=20,
            ),
            send,
        )

    def action_remote_stop(self) -> None:
        """Remote stop of the selected connector's open transaction."""
        if not self.source.commands.enabled:
            self.notify("Replay: commands are off, nothing is sent.", severity="warning")
            return
        target = self._target()
        if target is None:
            return
        station_id, connector_id = target
        self._run(
            lambda: self.source.commands.remote_stop(station_id, connector_id),
            f"Remote stop {station_id} #{connector_id}",
        )

    def _run(self, submit: object, label: str) -> None:
        try:
            command: Command = submit()  # type: ignore[operator]
        except CommandUnavailable as exc:
            self.notify(str(exc), title=label, severity="error")
            return
        if not self.source.commands.is_connected(command.station):
            self.notify("Station offline: queued until it reconnects.", title=label)
        self.run_worker(self._report(command, label), group="commands")

    async def _report(self, command: Command, label: str) -> None:
        outcome = await command.future
        if outcome.state is CommandState.ANSWERED:
            severity = "information" if outcome.accepted else "warning"
            self.notify(f"{command.action}: {outcome.status}", title=label, severity=severity)
        else:
            detail = f" ({outcome.detail})" if outcome.detail else ""
            self.notify(
                f"{command.action}: {outcome.status}{detail}", title=label, severity="error"
            )

    # --- filter, help, quit ----------------------------------------------
    def action_filter(self) -> None:
        """Show the filter box for the frame log."""
        box = self.query_one("#filter", Input)
        box.add_class("visible")
        box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "filter":
            return
        self.query_one(FrameLogView).set_filter(event.value)
        event.input.remove_class("visible")
        self.query_one(FrameLogView).focus()

    def action_clear_filter(self) -> None:
        """Hide the filter box; a second Esc clears the filter."""
        box = self.query_one("#filter", Input)
        log = self.query_one(FrameLogView)
        if box.has_class("visible"):
            box.remove_class("visible")
            log.focus()
        elif not log.query_filter.empty:
            box.value = ""
            log.set_filter("")

    def action_help(self) -> None:
        """Show every key."""
        sections = [
            ("Console", self.BINDINGS),
            ("Frame log", FrameLogView.BINDINGS),
            (
                "Tables",
                [Binding("up/down", "", "Move the cursor"), Binding("tab", "", "Next pane")],
            ),
            ("Inspector", InspectorScreen.BINDINGS),
        ]
        self.push_screen(HelpScreen(sections))

    async def action_quit(self) -> None:
        """Close the source (sockets, recording, store), then leave."""
        await self.source.close()
        self.exit()
