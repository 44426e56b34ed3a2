"""The console: wires the panes to a source and redraws them from state on a timer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from weakref import WeakKeyDictionary

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingsMap
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input

from ..core.console import ConsoleSource, Transport
from ..core.csms.commands import CommandUnavailable
from ..core.csms.outbound_queue import QueuedCall
from ..core.csms.tariff import tariffs_of
from ..core.disk.formats import SourceError
from ..core.files.desk import FileDesk
from ..core.wire.frame_query import QueryError
from ..themes import STYLESHEET, THEMES, VERTICAL_BREAKPOINTS
from .command_palette import StationCommandsProvider
from .disk_note import disk_note
from .formatting import clock_time
from .header import HeaderBar, Part
from .screens.automations import AutomationsScreen
from .screens.crafter import CrafterScreen
from .screens.help import HelpScreen, help_sections
from .screens.id_tags import IdTagsScreen
from .screens.inspector import InspectorScreen
from .screens.maintenance import MaintenanceScreen
from .screens.prompt import PromptScreen
from .screens.queue import QueueScreen
from .screens.registry import RegistryScreen
from .screens.reports import ReportsScreen
from .screens.security_events import SecurityEventsScreen
from .seek import parse_seek
from .sending import outcome_notice
from .station_commands import STATION_COMMANDS, Target, station_bindings
from .station_text import shown, station_text
from .widgets.connectors_table import ConnectorsTable
from .widgets.frame_log_view import FrameLogView
from .widgets.meter_plot import MeterPlot
from .widgets.stations_table import StationsTable
from .widgets.timeline import Timeline

ID_TAGS_CSV = "id_tags.csv"  # where the id tags screen imports from and exports to


class OcppDeckApp(App[None]):
    """Stations, connectors, live meter and frame log of one source."""

    CSS_PATH = str(STYLESHEET)
    TITLE = "ocppdeck"
    BINDINGS = [
        Binding("s", "remote_start", "Start charge"),
        Binding("x", "remote_stop", "Stop charge"),
        # Station commands (R reset, u unlock, v availability, t trigger, K configuration…),
        # off the footer: `?` and the palette list them all.
        *station_bindings(),
        Binding("slash", "filter", "Filter frames"),
        # Priority: a modal screen cuts the app's other keys off, not these (an Input that
        # takes "?" as text still gets it: Textual leaves keys a focused input consumes).
        Binding("question_mark,f1", "help", "Help", key_display="?", priority=True),
        Binding("q,ctrl+q", "quit", "Quit", key_display="q"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        # Replay transport; hidden and off unless the source has a transport.
        Binding("space", "play", "Play/pause"),
        Binding("full_stop", "step(1)", "Step"),
        Binding("comma", "step(-1)", "Back"),
        Binding("plus,equals_sign", "speed(1)", "Faster", key_display="+"),
        Binding("minus", "speed(-1)", "Slower", key_display="-"),
        Binding("g", "seek", "Go to time"),
        Binding("n", "jump(True)", "Next event"),
        Binding("p", "jump(False)", "Previous event"),
        Binding("i", "id_tags", "Id tags"),
        Binding("S", "registry", "Station registry"),
        Binding("w", "queue", "Queue"),
        Binding("a", "automations", "Automations"),
        Binding("e", "crafter", "Craft message"),  # not k: the frame log uses k for up
        Binding("o", "reports", "Reports"),
        Binding("E", "security_events", "Security events", show=False),
        Binding("W", "maintenance", "Firmware and logs", show=False),
    ]
    COMMANDS = App.COMMANDS | {StationCommandsProvider}
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS
    TRANSPORT_ACTIONS = frozenset({"play", "step", "speed", "seek", "jump"})
    # What a replay cannot do: off its footer (the keys still say why they do nothing).
    LIVE_ACTIONS = frozenset(
        {
            "remote_start",
            "remote_stop",
            "station_command",
            "id_tags",
            "registry",
            "queue",
            "automations",
            "crafter",
        }
    )
    # The console's keys act on its panes: over another full screen (id tags) only help and
    # quit still do.
    PANE_ACTIONS = frozenset(b.action.split("(")[0] for b in BINDINGS) - {"help", "quit"}

    def __init__(self, source: ConsoleSource) -> None:
        super().__init__()
        self.source = source
        self.startup_error: str | None = None
        # The screen each key was first handed to (forgotten with the key).
        self._key_screens: WeakKeyDictionary[events.Key, Screen[object]] = WeakKeyDictionary()
        if source.transport is not None:
            self._bindings = BindingsMap.from_keys(
                {
                    key: [
                        replace(b, show=b.show and b.action.split("(")[0] not in self.LIVE_ACTIONS)
                        for b in bindings
                    ]
                    for key, bindings in self._bindings.key_to_bindings.items()
                }
            )

    async def on_event(self, event: events.Event) -> None:
        # A key typed straight after one that opens a screen was handed to the old screen's
        # focused widget before the new screen existed; unused there, it comes back here:
        # it goes on to the screen now open (as the typist meant), in order, not lost.
        if isinstance(event, events.Key):
            if not event.is_forwarded:
                self._key_screens[event] = self.screen
            elif self._key_screens.pop(event, self.screen) is not self.screen:
                target = self.screen.focused
                if target is not None:
                    self._key_screens[event] = self.screen
                    target._forward_event(event)
                    return
        await super().on_event(event)

    @property
    def transport(self) -> Transport | None:
        """The replay transport, when the source has one."""
        return self.source.transport

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.TRANSPORT_ACTIONS and self.transport is None:
            return False
        return not (action in self.PANE_ACTIONS and len(self.screen_stack) > 1)

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="titlebar")
        if self.transport is not None:
            yield Timeline(self.transport, id="timeline")
        with Horizontal(id="upper"):
            yield StationsTable(id="stations")
            yield ConnectorsTable(tariffs_of(self.source.settings), id="connectors")
        yield MeterPlot(id="meter")
        yield FrameLogView(self.source.frames, id="frames")
        yield Input(placeholder="filter: station:ID action:NAME kind:ERROR words…", id="filter")
        yield Footer()

    async def on_mount(self) -> None:
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = self.source.settings.theme  # one of THEMES: the CLI refuses any other
        self.query_one(StationsTable).focus()
        self.redraw()
        self.set_interval(self.source.settings.redraw_interval, self.redraw)
        # Started in a worker: a long start (indexing a big recording) must not freeze the screen.
        self.run_worker(self._start_source(), name="start", exit_on_error=False)

    async def _start_source(self) -> None:
        try:
            await self.source.start()
        except (OSError, SourceError) as exc:
            self.startup_error = f"ocppdeck could not start: {exc}"
            self.exit(return_code=2)  # the CLI prints startup_error, once, as plain text
            return
        note = self.source.start_note
        if note:
            self.notify(note, severity="warning", timeout=10, markup=False)
        self.redraw()

    # --- drawing ----------------------------------------------------------
    def redraw(self) -> None:
        """Bring every pane up to date with the state (called on a timer, never per frame)."""
        if not self.is_running:  # shutting down: the timer can tick while the panes are removed
            return
        state = self.source.state
        stations = self.query_one(StationsTable)
        stations.refresh_from(state, self.source.commands.expiring_certificate)
        self._show_selection()
        self.query_one(FrameLogView).sync()
        automations = self.source.automations
        for notice in automations.take_notices() if automations is not None else ():
            self.notify(
                notice.text, title=notice.station, severity="warning", timeout=10, markup=False
            )
        if self.transport is not None:
            self.query_one(Timeline).refresh()
        self._draw_header()

    def _draw_header(self) -> None:
        state = self.source.state
        online = sum(1 for s in state.stations.values() if state.is_online(s))
        parts = [
            Part(Text("ocppdeck", style="bold"), 6),
            Part(Text(self.source.mode), 4),
            Part(station_text(self.source.describe()), 5),  # a file's name, a fleet's URL
            Part(Text(f"{online}/{len(state.stations)} online"), 0),
            Part(Text(f"{len(state.open)} open tx"), 1),
            Part(Text(f"{clock_time(self.source.clock.now())} UTC"), 2),
        ]
        disk = self.source.disk
        if disk is not None:  # a failing disk matters most; its size, least
            parts.append(Part(disk_note(disk), 0 if disk.faults else 7))
        self.query_one(HeaderBar).show(parts)

    def _show_selection(self) -> None:
        state = self.source.state
        station_id = self.query_one(StationsTable).selected
        connectors = self.query_one(ConnectorsTable)
        connectors.show(state, station_id)
        station = state.stations.get(station_id) if station_id else None
        evse_id = connectors.selected
        evse = station.evses.get(evse_id) if station is not None and evse_id is not None else None
        self.query_one(MeterPlot).show(station_id, evse, station)

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self._show_selection()

    def on_frame_log_view_inspect(self, event: FrameLogView.Inspect) -> None:
        self.push_screen(InspectorScreen(event.position, self.source.frames))

    # --- commands ---------------------------------------------------------
    def _target(self, needs_connector: bool = True) -> tuple[str, int] | None:
        """The selected station and EVSE (0 when none and none is needed)."""
        if not self.source.commands.enabled:
            self.notify(
                "Replay: commands are off, nothing is sent.", severity="warning", markup=False
            )
            return None
        station_id = self.query_one(StationsTable).selected
        evse_id = self.query_one(ConnectorsTable).selected
        if station_id is None:
            self.notify("Select a station first.", severity="warning", markup=False)
            return None
        if evse_id is None and needs_connector:
            self.notify(
                f"{station_id} has reported no connectors yet.", severity="warning", markup=False
            )
            return None
        return station_id, evse_id or 0

    def select_station(self, station_id: str) -> None:
        """Put the stations cursor on a station (the palette's "Go to station")."""
        table = self.query_one(StationsTable)
        if station_id in table.rows:
            table.move_cursor(row=table.get_row_index(station_id))
            table.focus()
            self._show_selection()

    def action_station_command(self, name: str) -> None:
        """Run a station command on the selection; its form first when it takes arguments."""
        command = STATION_COMMANDS[name]
        target = self._target(command.needs_connector)
        if target is not None:
            station_id, evse_id = target
            command.run(
                Target(
                    station_id,
                    evse_id,
                    self.source.commands,
                    self._run,
                    self.push_screen,
                    self.source.settings.default_id_tag,
                    self.source.state,
                    FileDesk(self.source.settings, self.source.clock),
                )
            )

    def action_remote_start(self) -> None:
        """Remote start on the selected connector; asks for the id tag."""
        target = self._target()
        if target is None:
            return
        station_id, evse_id = target

        def send(id_tag: str | None) -> None:
            if id_tag is None:
                return
            self._run(
                lambda: self.source.commands.remote_start(station_id, evse_id, id_tag),
                f"Remote start {station_id} #{evse_id}",
            )

        self.push_screen(
            PromptScreen(
                "Remote start",
                Text(f"Id tag to start {shown(station_id)} connector {evse_id} for:"),
                self.source.settings.default_id_tag,
            ),
            send,
        )

    def action_remote_stop(self) -> None:
        """Remote stop of the selected connector's open transaction."""
        target = self._target()
        if target is None:
            return
        station_id, evse_id = target
        self._run(
            lambda: self.source.commands.remote_stop(station_id, evse_id),
            f"Remote stop {station_id} #{evse_id}",
        )

    def _run(self, submit: Callable[[], QueuedCall], label: str) -> QueuedCall | None:
        """Queue a command and notify its outcome; None (and a notice) when it cannot go,
        a full disk included: a command is on disk before it is called queued."""
        try:
            queued = submit()
        except CommandUnavailable as exc:
            self.notify(str(exc), title=label, severity="error", markup=False)
            return None
        if not self.source.commands.is_connected(queued.station):
            self.notify("Station offline: queued until it reconnects.", title=label, markup=False)
        self.run_worker(self._report(queued, label), group="commands")
        return queued

    async def _report(self, queued: QueuedCall, label: str) -> None:
        outcome = await queued.future
        message, severity = outcome_notice(queued.action, outcome)
        self.notify(message, title=label, severity=severity, markup=False)

    # --- replay transport ---------------------------------------------------
    def _moved(self) -> None:
        log = self.query_one(FrameLogView)
        log.following = True
        self.redraw()

    def action_play(self) -> None:
        """Play or pause the recording."""
        if self.transport is not None:
            self.transport.toggle()
            self.redraw()

    def action_step(self, frames: int) -> None:
        """Step one frame forward or back."""
        if self.transport is not None:
            self.transport.step(frames)
            self._moved()

    def action_speed(self, steps: int) -> None:
        """Play faster or slower."""
        if self.transport is not None:
            self.transport.faster(steps)
            self.redraw()

    def action_jump(self, forward: bool) -> None:
        """Go to the next or previous error or transaction start."""
        if self.transport is None:
            return
        if self.transport.jump(forward):
            self._moved()
        else:
            where = "after" if forward else "before"
            self.notify(f"No error or transaction start {where} this point.", markup=False)

    def action_seek(self) -> None:
        """Ask for a time (or a frame number) and go there."""
        transport = self.transport
        if transport is None:
            return

        def go(text: str | None) -> None:
            if text is None:
                return
            try:
                target = parse_seek(text, transport.clock.now())
            except ValueError as exc:
                self.notify(str(exc), title="Go to", severity="error", markup=False)
                return
            if target.frame is not None:
                transport.seek(target.frame)
            elif target.time is not None:
                transport.seek_time(target.time)
            transport.playing = False
            self._moved()

        self.push_screen(
            PromptScreen(
                "Go to",
                "Time (HH:MM:SS, ISO-8601, +30s, -5m) or frame (#1200):",
                clock_time(transport.clock.now()),
                enter="go there",
            ),
            go,
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
        try:
            self.query_one(FrameLogView).set_filter(event.value)
        except QueryError as exc:  # the box stays open on what was typed, to be mended
            self.notify(str(exc), title="Filter", severity="error", markup=False)
            return
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
        """Show every key of every screen, the one open now first."""
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()  # the same key closes it
            return
        sections = help_sections(self.BINDINGS, self.TRANSPORT_ACTIONS, self.transport is not None)
        self.push_screen(HelpScreen(sections, first=type(self.screen)))

    def action_id_tags(self) -> None:
        """Open the id tags screen (live and demo: a replay has no store)."""
        book = self.source.id_tags
        if book is None:
            self.notify("Id tags are not available in replay.", severity="warning", markup=False)
        elif not isinstance(self.screen, IdTagsScreen):
            self.push_screen(IdTagsScreen(book, self.source.settings.data_dir / ID_TAGS_CSV))

    def action_registry(self) -> None:
        """Open the station registry: accept or reject pending stations, set passwords."""
        registry = self.source.registry
        if registry is None:
            said = "Replay: there is no station registry."
            if self.transport is None:  # the cluster's console (core/cluster/console_source.py)
                said = "Cluster: each node keeps its own station registry (its console or API)."
            self.notify(said, severity="warning", markup=False)
        elif not isinstance(self.screen, RegistryScreen):
            self.push_screen(
                RegistryScreen(
                    registry, lambda: self.source.state, self.source.settings.redraw_interval
                )
            )

    def action_queue(self) -> None:
        """Open the outbound queue: every station's commands; cancel a queued one."""
        if not isinstance(self.screen, QueueScreen):
            self.push_screen(
                QueueScreen(self.source.commands, self.source.settings.redraw_interval)
            )

    def action_automations(self) -> None:
        """Open the automations: every installed plugin, toggled on or off for this run."""
        automations = self.source.automations
        if automations is None:
            said = "Replay: automations are off, nothing is sent."
            if self.transport is None:  # an attached console
                said = "Attached: automations run with the CSMS, on its own console."
            self.notify(said, severity="warning", markup=False)
        elif not isinstance(self.screen, AutomationsScreen):
            self.push_screen(AutomationsScreen(automations))

    def action_crafter(self) -> None:
        """Open the message crafter: any call of a station's version, as raw JSON."""
        crafter = self.source.crafter
        if crafter is None or not self.source.commands.enabled:
            self.notify(
                "Replay: commands are off, nothing is sent.", severity="warning", markup=False
            )
        elif not isinstance(self.screen, CrafterScreen):
            station = self.query_one(StationsTable).selected
            self.push_screen(CrafterScreen(crafter, self.source, station))

    def action_reports(self) -> None:
        """Open the reports: sessions, faults, compliance and connection health of the source."""
        if not isinstance(self.screen, ReportsScreen):
            self.push_screen(ReportsScreen(self.source), lambda moved: moved and self._moved())

    def action_maintenance(self) -> None:
        """Open firmware and logs: each station's status as it moves, the steps, the uploads."""
        if not isinstance(self.screen, MaintenanceScreen):
            settings = self.source.settings
            self.push_screen(
                MaintenanceScreen(
                    lambda: self.source.state, settings.redraw_interval, settings.data_dir
                )
            )

    def action_security_events(self) -> None:
        """Open the selected station's security events (live and in replay)."""
        station_id = self.query_one(StationsTable).selected
        if station_id is None:
            self.notify("Select a station first.", severity="warning", markup=False)
        elif not isinstance(self.screen, SecurityEventsScreen):
            interval = self.source.settings.redraw_interval
            self.push_screen(SecurityEventsScreen(station_id, lambda: self.source.state, interval))

    async def action_quit(self) -> None:
        """Close the source (sockets, recording, store), then leave."""
        await self.source.close()
        self.exit()
