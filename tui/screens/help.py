"""Help: every key of every screen, read from the bindings themselves so it cannot drift.

`?` (or F1) opens it from any screen; the section of the screen it was opened
on comes first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from ..widgets.frame_log_view import FrameLogView
from .automations import AutomationsScreen
from .command_form import CommandForm
from .configuration import ConfigurationScreen
from .crafter import CrafterScreen
from .id_tags import AddTagScreen, IdTagsScreen
from .inspector import InspectorScreen
from .queue import QueueScreen
from .registry import RegistryScreen
from .reports import ReportsScreen


def _keys(binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    return " / ".join(format_key(k.strip()) for k in binding.key.split(","))


def help_table(sections: Iterable[HelpSection]) -> Table:
    """A table of keys and what they do, one section per screen or pane."""
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold")
    table.add_column()
    for section in sections:
        rows = [b for b in section.bindings if isinstance(b, Binding) and b.description]
        if not rows:
            continue
        table.add_row(Text(section.title, style="underline"), "")
        for binding in rows:
            table.add_row(_keys(binding), binding.description)
        table.add_row("", "")
    return table


ABOUT = Text.assemble(
    ("ocppdeck", "bold"),
    " — a terminal console for OCPP charging networks.\n",
    "Times are UTC. In the stations pane, Conn. shows declared/seen connectors: ",
    ("⚠", "bold red"),
    " they disagree, ",
    ("~", "yellow"),
    " the count predates the last boot, ? none declared. ",
    ("⚑", "bold yellow"),
    " beside the link: the station's payloads are not checked against the schemas "
    "(setting unvalidated_stations).\n",
    "Filter syntax: station:ID action:NAME kind:KIND and free words (all must match); a kind "
    "is a word of the log's kind column (CALL, RESULT, ERROR, CLOSE, AUTO…), in any case.\n",
    "? or F1 opens this help on any screen; Esc closes a screen.\n",
)


@dataclass(frozen=True, slots=True)
class HelpSection:
    """The keys of one screen or pane; `screen` is the screen it belongs to, if one."""

    title: str
    bindings: Sequence[BindingType]
    screen: type | None = None


def help_sections(
    console: Sequence[BindingType], transport_actions: frozenset[str], replay: bool
) -> list[HelpSection]:
    """Every screen's keys: the console's (its replay keys apart), the panes', and each
    screen's own, straight from their BINDINGS."""

    def is_transport(binding: BindingType) -> bool:
        return isinstance(binding, Binding) and binding.action.split("(")[0] in transport_actions

    tables = [
        Binding("up/down", "", "Move the cursor"),
        Binding("home/end", "", "First / last row"),
        Binding("tab", "", "Next pane"),
    ]
    palette = Binding(
        App.COMMAND_PALETTE_BINDING, "", "Command palette: any command, go to a station"
    )
    return [
        HelpSection("Console", [*(b for b in console if not is_transport(b)), palette]),
        HelpSection("Replay", [b for b in console if is_transport(b)] if replay else []),
        HelpSection("Frame log", FrameLogView.BINDINGS),
        HelpSection("Tables", tables),
        HelpSection("Inspector", InspectorScreen.BINDINGS, InspectorScreen),
        HelpSection("Outbound queue (w)", QueueScreen.BINDINGS, QueueScreen),
        HelpSection("Id tags (i)", IdTagsScreen.BINDINGS, IdTagsScreen),
        HelpSection("Station registry (S)", RegistryScreen.BINDINGS, RegistryScreen),
        HelpSection("Add id tag", AddTagScreen.BINDINGS, AddTagScreen),
        HelpSection("Automations (a)", AutomationsScreen.BINDINGS, AutomationsScreen),
        HelpSection("Message crafter (e)", CrafterScreen.BINDINGS, CrafterScreen),
        HelpSection("Reports (o)", ReportsScreen.BINDINGS, ReportsScreen),
        HelpSection("Configuration (K)", ConfigurationScreen.BINDINGS, ConfigurationScreen),
        HelpSection("Command forms", CommandForm.BINDINGS, CommandForm),
    ]


class HelpScreen(ModalScreen[None]):
    """Lists every key of every pane."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, sections: list[HelpSection], first: type | None = None) -> None:
        super().__init__()
        # The screen help was opened on comes first: its keys are the ones wanted now.
        self.sections = sorted(sections, key=lambda s: s.screen is None or s.screen is not first)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help") as body:
            body.border_title = "Help"
            yield Static(ABOUT)
            yield Static(help_table(self.sections))
        yield Footer()
