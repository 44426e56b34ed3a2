"""Automations: every installed plugin, on or off, toggled for this run."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from ...core.automations.plugins import Automations
from ..station_text import station_text

COLUMNS = ("Automation", "State", "What it does", "From")
NOTE = (
    "Toggling changes this run only; list the automations to start with as "
    "`automations` in the config file to keep them."
)


class AutomationsScreen(ModalScreen[None]):
    """Lists the automations with their state; space toggles the one under the cursor."""

    BINDINGS = [
        Binding("space,enter,t", "toggle", "On/off", key_display="space"),
        Binding("escape,q", "dismiss", "Close"),
    ]

    def __init__(self, automations: Automations) -> None:
        super().__init__()
        self.automations = automations

    def compose(self) -> ComposeResult:
        with Vertical(id="automations") as body:
            body.border_title = "Automations"
            yield Static(NOTE, id="automations-note")
            yield DataTable(id="automations-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        self._fill()
        table.focus()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for name, plugin in self.automations.plugins.items():
            if plugin.broken:
                state = Text("broken", style="bold red")
            elif plugin.enabled:
                state = Text("on", style="green")
            else:
                state = Text("off", style="dim")
            # A plugin's name, text and errors are a third party's: shown as text.
            table.add_row(
                station_text(name),
                state,
                station_text(plugin.description),
                station_text(plugin.target),
                key=name,
            )
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))

    def action_toggle(self) -> None:
        """Turn the automation under the cursor on or off (for this run)."""
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        name = list(self.automations.plugins)[table.cursor_row]
        plugin = self.automations.plugins[name]
        if plugin.broken:
            self.notify(f"{name} is broken: {plugin.error}", severity="error", markup=False)
            return
        self.automations.set_enabled(name, not plugin.enabled)
        word = "on" if plugin.enabled else "off"
        self.notify(f"{name} is {word} for this run (the config file is unchanged).", markup=False)
        self._fill()
