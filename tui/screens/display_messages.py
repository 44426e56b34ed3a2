"""A station's display messages (2.x block O), as it reported them (NotifyDisplayMessages):
id, priority, state and validity, and the message's text, shown as text never markup
(an HTML or URI message too). Opened live, it asks the station for them; keys add one,
clear the selected one, and ask again."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from ...core.csms.builders.contract import CommandUnavailable
from ...core.csms.builders.display import PRIORITIES
from ...core.csms.commands import Commands
from ...core.model.state import Notice
from ..formatting import clock_time
from ..sending import Send
from ..station_text import shown, station_text
from .command_form import CommandForm, Field, required, whole_number
from .live_table import LiveTableScreen

POLL = 0.5  # seconds between looks at what the station reported
COLUMNS = ("Id", "Priority, state, validity", "Message", "Reported")
ANY_STATE = "(any state)"
DEFAULT_FORMAT = "UTF8"  # every 2.x version has it


def message_cells(notice: Notice) -> tuple[str | Text, ...]:
    """A message's row: its id, how and when it shows, its text, when it was reported."""
    return (
        station_text(notice.subject),
        station_text(notice.status),
        station_text(notice.detail),
        clock_time(notice.at),
    )


class DisplayMessagesScreen(LiveTableScreen):
    """One station's display messages, redrawn on a timer."""

    DEFAULT_CSS = """
    DisplayMessagesScreen { align: center middle; }
    #display-messages { border: round $primary; background: $surface; padding: 0 1;
                        width: 95%; height: 85%; }
    #display-messages-note { color: $text-muted; }
    """
    BOX_ID = "display-messages"
    TITLE = "Display messages"
    COLUMNS = COLUMNS
    BINDINGS = [
        Binding("a", "add", "Add message"),
        Binding("x", "clear", "Clear message"),
        Binding("r", "refresh_list", "Refresh"),
        Binding("escape,q", "dismiss", "Close"),
    ]

    def __init__(
        self, commands: Commands, station_id: str, send: Send, interval: float = POLL
    ) -> None:
        super().__init__(interval)
        self.commands = commands
        self.station_id = station_id
        self.send = send
        self._shown: list[Notice] = []

    def note(self) -> str:
        """What the list is."""
        return (
            f"{shown(self.station_id)}: the messages it reported, by id (r asks again); "
            "a message the station cleared leaves the list."
        )

    def on_mount(self) -> None:
        super().on_mount()
        if self.commands.enabled:  # live: ask the station for its messages now
            self.action_refresh_list()

    def refresh_rows(self) -> None:
        """Redraw when the station reported (or cleared) a message."""
        messages = self.commands.display_messages(self.station_id)
        if messages == self._shown:
            return
        self._shown = messages
        table = self.query_one(DataTable)
        table.clear()
        for notice in messages:
            table.add_row(*message_cells(notice))

    def action_add(self) -> None:
        """Put a message on the display (SetDisplayMessage), in a state and format the
        station's version has."""
        sid = self.station_id
        try:
            allowed = self.commands.display_choices(sid)
        except CommandUnavailable as exc:  # a version ocppdeck does not speak
            self.notify(str(exc), severity="warning", markup=False)
            return

        def send(v: dict[str, Any]) -> None:
            state = "" if v["state"] == ANY_STATE else v["state"]
            self.send(
                lambda: self.commands.set_display_message(
                    sid, v["id"], v["priority"], v["text"], state, v["format"], v["minutes"]
                ),
                f"Message {v['id']} {sid}",
            )

        used = [int(n.subject) for n in self._shown if n.subject.isdigit()]
        fields = [
            Field(
                "id",
                "Message id (a same id replaces it):",
                str(max(used, default=0) + 1),
                parse=whole_number(),
            ),
            Field("text", "Message:", parse=required),
            Field("priority", "Priority:", PRIORITIES[0], PRIORITIES),
            Field("state", "Shown when the station is:", ANY_STATE, (ANY_STATE, *allowed.states)),
            Field("format", "Format:", DEFAULT_FORMAT, allowed.formats),
            Field("minutes", "Valid for minutes (0: until cleared):", "0", parse=whole_number()),
        ]

        def done(values: dict[str, Any] | None) -> None:
            if values is not None:
                send(values)

        title = station_text(f"Display message · {sid}")
        self.app.push_screen(CommandForm(title, fields), done)

    def action_clear(self) -> None:
        """Clear the selected message (ClearDisplayMessage)."""
        table = self.query_one(DataTable)
        if not self._shown or not 0 <= table.cursor_row < len(self._shown):
            self.notify("Select a message first.", severity="warning", markup=False)
            return
        subject = self._shown[table.cursor_row].subject
        if not subject.isdigit():
            self.notify("That message has no id to clear.", severity="warning", markup=False)
            return
        sid = self.station_id
        self.send(
            lambda: self.commands.clear_display_message(sid, int(subject)),
            f"Clear message {subject} {sid}",
        )

    def action_refresh_list(self) -> None:
        """Ask for every message the station holds (GetDisplayMessages)."""
        sid = self.station_id
        self.send(lambda: self.commands.get_display_messages(sid), f"Display messages {sid}")
