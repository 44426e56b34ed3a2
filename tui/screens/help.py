"""Help: every key of the console, read from the bindings themselves so it cannot drift."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Footer, Static


def _keys(binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    return " / ".join(format_key(k.strip()) for k in binding.key.split(","))


def help_table(sections: Iterable[tuple[str, Iterable[BindingType]]]) -> Table:
    """A table of keys and what they do, one section per pane."""
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold")
    table.add_column()
    for title, bindings in sections:
        rows = [b for b in bindings if isinstance(b, Binding) and b.description]
        if not rows:
            continue
        table.add_row(Text(title, style="underline"), "")
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
    " the count predates the last boot, ? none declared.\n",
    "Filter syntax: station:ID action:NAME kind:CALLERROR and free words (all must match).\n",
)


class HelpScreen(ModalScreen[None]):
    """Lists every key of every pane."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, sections: list[tuple[str, Iterable[BindingType]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help") as body:
            body.border_title = "Help"
            yield Static(ABOUT)
            yield Static(help_table(self.sections))
        yield Footer()
