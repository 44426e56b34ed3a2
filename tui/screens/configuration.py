"""A station's configuration: every key with its value and read-only mark; Enter changes one.

1.6 lists every key GetConfiguration returns. 2.x has no "all keys" read, so the
screen asks GetVariables of a fixed list of common device-model variables
(`COMMON_VARIABLES_2X`), read-only as the spec declares them.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from ...core.commands import Commands, Setting, set_statuses, settings_from
from ...core.outbound_queue import CommandState, Outcome
from .prompt import PromptScreen

if TYPE_CHECKING:
    from ..station_commands import Send

COLUMNS = ("Component", "Key", "Value", "Access")


class ConfigurationScreen(ModalScreen[None]):
    """Fetches the settings when opened and after each change."""

    DEFAULT_CSS = """
    ConfigurationScreen {
        align: center middle;
    }
    #configuration {
        width: 95%;
        height: 85%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    #configuration-note {
        color: $text-muted;
    }
    """

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

    def compose(self) -> ComposeResult:
        with Vertical(id="configuration") as body:
            body.border_title = f"Configuration · {self.station_id}"
            yield Static("Asking the station…", id="configuration-note")
            table: DataTable[str | Text] = DataTable(id="configuration-table", cursor_type="row")
            table.add_columns(*COLUMNS)
            yield table
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.action_reload()

    def action_reload(self) -> None:
        """Ask the station for its settings again."""
        command = self.send(
            lambda: self.commands.get_configuration(self.station_id),
            f"Configuration {self.station_id}",
        )
        if command is not None:
            self.run_worker(self._load(command.future), group="configuration", exclusive=True)

    async def _load(self, answer: asyncio.Future[Outcome]) -> None:
        outcome = await answer
        note = self.query_one("#configuration-note", Static)
        if outcome.state is not CommandState.ANSWERED:
            note.update(f"No settings: {outcome.status} {outcome.detail}".strip())
            return
        self.settings = settings_from(outcome.response)
        table = self.query_one(DataTable)
        table.clear()
        for setting in self.settings:
            access = Text("read-only", style="dim") if setting.readonly else Text("read-write")
            value = setting.value if setting.value is not None else Text(setting.note, "dim")
            table.add_row(setting.component, setting.key, value, access)
        note.update(f"{len(self.settings)} settings · Enter on a read-write one to change it.")

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
            self.notify(f"{setting.key} is read-only.", severity="warning")
            return

        def change(value: str | None) -> None:
            if value is None:
                return
            command = self.send(
                lambda: self.commands.set_variables(
                    self.station_id, setting.component, setting.key, value
                ),
                f"Set {setting.key} {self.station_id}",
            )
            if command is not None:
                self.run_worker(self._changed(setting, command.future), group="configuration")

        name = f"{setting.component}.{setting.key}" if setting.component else setting.key
        self.app.push_screen(
            PromptScreen(f"Change {name}", "New value:", setting.value or ""), change
        )

    async def _changed(self, setting: Setting, answer: asyncio.Future[Outcome]) -> None:
        outcome = await answer
        # 2.x answers per variable: say what the station did with this one.
        for status in set_statuses(outcome.response):
            self.notify(f"{setting.key}: {status}", severity="information")
        if outcome.accepted:
            self.action_reload()
