"""A station's configuration: every key with its value and read-only mark; Enter changes one.

1.6 lists every key GetConfiguration returns. 2.x lists every variable the station
reported in NotifyReport (the state keeps them, with their mutability), and `r` asks
a new full report; a station that never reported gets GetVariables of a fixed list
of common device-model variables (`COMMON_VARIABLES` in core/csms/builders/v2.py),
read-only as the spec declares them.
"""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from ...core.csms.builders.contract import Setting
from ...core.csms.commands import Commands
from ...core.csms.outbound_queue import CallState, Outcome
from ..sending import Send
from ..station_text import shown, station_text
from .prompt import PromptScreen

COLUMNS = ("Component", "Key", "Value", "Access")
POLL = 0.5  # seconds between looks at the reported variables


def _names(setting: Setting) -> tuple[str, str]:
    """The component and key columns: a reported variable's instances and EVSE beside them."""
    where = setting.where
    if where is None:
        return setting.component, setting.key
    component = setting.component
    if where.component_instance:
        component += f" {where.component_instance}"
    if where.evse:
        component += f" EVSE {where.evse}" + (f"/{where.connector}" if where.connector else "")
    key = setting.key + (f" {where.variable_instance}" if where.variable_instance else "")
    return component, key


class ConfigurationScreen(ModalScreen[None]):
    """Fetches the settings when opened and after each change (2.x: shows the reported ones)."""

    BINDINGS = [
        Binding("enter", "change", "Change value"),
        Binding("r", "reload", "Reload"),
        Binding("escape,q", "dismiss", "Close"),
    ]

    def __init__(self, commands: Commands, station_id: str, send: Send) -> None:
        super().__init__()
        self.commands = commands
        self.station_id = station_id
        self.send = send
        self.settings: list[Setting] = []
        self._asked_common = False  # 2.x without a report: the common variables were asked

    def compose(self) -> ComposeResult:
        with Vertical(id="configuration") as body:
            body.border_title = Text(f"Configuration · {shown(self.station_id)}")
            yield Static("Asking the station…", id="configuration-note")
            table: DataTable[str | Text] = DataTable(id="configuration-table", cursor_type="row")
            table.add_columns(*COLUMNS)
            yield table
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        if self.commands.reported_settings(self.station_id) is None:
            self.action_reload()
            return
        self._show_reported()
        self.set_interval(POLL, self._show_reported)

    def _show_reported(self) -> None:
        """Show the variables the station reported, when they changed; with none, ask once
        for the common variables instead."""
        reported = self.commands.reported_settings(self.station_id) or []
        if not reported:
            if not self._asked_common:
                self._asked_common = True
                self._ask_common("The station sent no report: asking the common variables instead…")
            return
        if reported != self.settings:
            self._show(reported, "Variables the station reported")

    def action_reload(self) -> None:
        """Ask the station for its settings again: 2.x a new full report (and, until one
        came, the common variables); 1.6 every key."""
        reported = self.commands.reported_settings(self.station_id)
        if reported is not None:
            command = self.send(
                lambda: self.commands.get_base_report(self.station_id),
                f"Report {self.station_id}",
            )
            if command is not None:
                note = self.query_one("#configuration-note", Static)
                note.update("Asked for a new report: the list refreshes as it arrives.")
        if not reported:
            self._ask_common("Asking the station…")

    def _ask_common(self, note: str) -> None:
        """Ask GetConfiguration (1.6) or the common variables (2.x) and show the answer."""
        self.query_one("#configuration-note", Static).update(note)
        command = self.send(
            lambda: self.commands.get_configuration(self.station_id),
            f"Configuration {self.station_id}",
        )
        if command is not None:
            self.run_worker(self._load(command.future), group="configuration", exclusive=True)

    async def _load(self, answer: asyncio.Future[Outcome]) -> None:
        outcome = await answer
        note = self.query_one("#configuration-note", Static)
        if outcome.state is not CallState.ANSWERED:
            note.update(f"No settings: {outcome.status} {outcome.detail}".strip())
            return
        if self.settings and self.settings[0].where is not None:
            return  # a report arrived meanwhile: it lists more
        found = self.commands.read_settings(self.station_id, outcome.response)
        fallback = self.commands.reported_settings(self.station_id) is not None
        self._show(found, "No report from the station: common variables" if fallback else "")

    def _show(self, settings: list[Setting], source: str) -> None:
        """Fill the table, keeping the cursor's row."""
        self.settings = settings
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for setting in settings:
            access = Text("read-only", style="dim") if setting.readonly else Text("read-write")
            value = (
                station_text(setting.value)
                if setting.value is not None
                else Text(setting.note, "dim")
            )
            component, key = _names(setting)
            table.add_row(station_text(component), station_text(key), value, access)
        if settings:
            table.move_cursor(row=min(row, len(settings) - 1))
        count = f"{source} · {len(settings)}" if source else f"{len(settings)} settings"
        self.query_one("#configuration-note", Static).update(
            f"{count} · Enter on a read-write one to change it."
        )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_change()

    def action_change(self) -> None:
        """Ask for a new value of the setting under the cursor and send it."""
        table = self.query_one(DataTable)
        if not self.settings or table.cursor_row >= len(self.settings):
            return
        setting = self.settings[table.cursor_row]
        if setting.readonly:
            self.notify(f"{setting.key} is read-only.", severity="warning", markup=False)
            return

        def change(value: str | None) -> None:
            if value is None:
                return
            command = self.send(
                lambda: self.commands.set_variables(
                    self.station_id, setting.component, setting.key, value, setting.where
                ),
                f"Set {setting.key} {self.station_id}",
            )
            if command is not None:
                self.run_worker(self._changed(setting, command.future), group="configuration")

        component, key = _names(setting)
        name = f"{component}.{key}" if component else key
        self.app.push_screen(
            PromptScreen(station_text(f"Change {name}"), "New value:", setting.value or ""), change
        )

    async def _changed(self, setting: Setting, answer: asyncio.Future[Outcome]) -> None:
        outcome = await answer
        # 2.x answers per variable: say what the station did with this one.
        for status in self.commands.set_statuses(self.station_id, outcome.response):
            self.notify(f"{setting.key}: {status}", severity="information", markup=False)
        if outcome.accepted:
            self.action_reload()
