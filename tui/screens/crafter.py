"""Message crafter: any call of a station's version as raw JSON; answer beside it; history."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, OptionList, Select, Static, TextArea

from ...core.console import ConsoleSource
from ...core.csms.builders.contract import CommandUnavailable
from ...core.csms.crafter import Crafted, Crafter
from ...core.csms.outbound_queue import QueuedCall
from ...core.csms.schemas import CraftError, InvalidPayload
from ...core.dialects import DIALECTS
from ..formatting import clock_time
from ..station_text import shown, shown_lines, station_text


def _pretty(payload: Any) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False)


class CrafterScreen(ModalScreen[None]):
    """Pick a station and action, edit the JSON from its template, send, read the answer."""

    BINDINGS = [
        Binding("ctrl+s", "send", "Send", priority=True),
        Binding("escape", "dismiss", "Close"),
    ]

    def __init__(self, crafter: Crafter, source: ConsoleSource, station: str | None) -> None:
        super().__init__()
        self.crafter = crafter
        self.source = source
        self.initial_station = station
        self._history: list[Crafted] = []

    def _stations(self) -> dict[str, str]:
        """Stations that speak an OCPP version (it decides the actions), id -> protocol."""
        return {
            sid: st.protocol
            for sid, st in sorted(self.source.state.stations.items())
            if st.protocol in DIALECTS
        }

    def compose(self) -> ComposeResult:
        stations = self._stations()
        first = self.initial_station if self.initial_station in stations else None
        first = first or next(iter(stations), None)
        with Vertical(id="crafter") as body:
            body.border_title = "Message crafter"
            note = (
                "Pick an action, edit its JSON, ctrl+s sends. Validation off sends it as "
                "written. Enter on a history entry sends it again."
                if stations
                else "No station with a known OCPP version yet: nothing to craft for."
            )
            yield Static(note, id="crafter-note")
            with Horizontal(id="crafter-bar"):
                yield Select(
                    [
                        (station_text(f"{sid} · {protocol}"), sid)
                        for sid, protocol in stations.items()
                    ],
                    value=first if first is not None else Select.NULL,
                    allow_blank=first is None,
                    prompt="Station",
                    id="crafter-station",
                )
                yield Select([], prompt="Action", id="crafter-action")
                yield Checkbox("Validate", value=True, id="crafter-validate")
                yield Button("Send", id="crafter-send", variant="primary")
            with Horizontal(id="crafter-body"):
                with Vertical(id="crafter-left"):
                    yield TextArea("{}", language="json", id="crafter-editor")
                    yield Static("", id="crafter-errors")
                with Vertical(id="crafter-answer-pane") as pane:
                    pane.border_title = "Request · Answer"
                    yield Static("", id="crafter-answer")
            history = OptionList(id="crafter-history")
            history.border_title = "History (Enter sends again)"
            yield history
        yield Footer()

    def on_mount(self) -> None:
        self._show_actions()
        self._show_history()

    # --- picking --------------------------------------------------------------
    @property
    def station(self) -> str | None:
        """The station picked."""
        value = self.query_one("#crafter-station", Select).value
        return value if isinstance(value, str) else None

    @property
    def action(self) -> str | None:
        """The action picked."""
        value = self.query_one("#crafter-action", Select).value
        return value if isinstance(value, str) else None

    @property
    def protocol(self) -> str:
        """The picked station's OCPP version ("" before a pick)."""
        return self._stations().get(self.station or "", "")

    def _show_actions(self) -> None:
        """The actions of the picked station's version; keeps the action when it still fits."""
        select: Select[str] = self.query_one("#crafter-action", Select)
        keep = self.action
        names = self.crafter.actions(self.protocol) if self.protocol else []
        select.set_options([(name, name) for name in names])
        if keep in names:
            select.value = keep

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "crafter-station":
            self._show_actions()
        elif event.select.id == "crafter-action" and self.action is not None:
            # A new action starts from its template; the old text belongs to another schema.
            self.query_one("#crafter-editor", TextArea).text = _pretty(
                self.crafter.template(self.protocol, self.action)
            )
            self.query_one("#crafter-errors", Static).update("")

    # --- sending ----------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "crafter-send":
            self.action_send()

    def action_send(self) -> None:
        """Send the editor's payload to the picked station (validated unless switched off)."""
        errors = self.query_one("#crafter-errors", Static)
        station, action = self.station, self.action
        if station is None or action is None:
            errors.update("Pick a station and an action first.")
            return
        try:
            payload = self.crafter.parse(self.query_one("#crafter-editor", TextArea).text)
        except CraftError as exc:
            errors.update(Text(str(exc)))
            return
        check = self.query_one("#crafter-validate", Checkbox).value
        self._send(station, action, payload, check)

    def _send(self, station: str, action: str, payload: dict[str, Any], check: bool) -> None:
        errors = self.query_one("#crafter-errors", Static)
        try:
            crafted, command = self.crafter.send(station, action, payload, check)
        except InvalidPayload as exc:
            errors.update(Text("\n".join(str(e) for e in exc.errors)))
            return
        except (CraftError, CommandUnavailable) as exc:
            errors.update(Text(str(exc)))
            return
        errors.update("")
        if not self.source.commands.is_connected(station):
            self.notify("Station offline: queued until it reconnects.", title=action, markup=False)
        self._show(crafted)
        self._show_history()
        # On the app: the answer is kept in the history even when this screen closes first.
        self.app.run_worker(self._answer(crafted, command), group="crafter")

    async def _answer(self, crafted: Crafted, command: QueuedCall) -> None:
        await self.crafter.finish(crafted, command)
        if self.is_attached:
            self._show(crafted)
            self._show_history()

    # --- showing ----------------------------------------------------------------
    def _show(self, crafted: Crafted) -> None:
        """The request as sent and, once in, the answer: status, CallError or timeout."""
        text = Text()
        checked = "validated" if crafted.validate else "NOT validated"
        head = f"→ {crafted.action} to {crafted.station} ({checked})"
        text.append(shown(head) + "\n", style="bold")
        text.append(shown_lines(_pretty(crafted.payload)) + "\n\n")
        if not crafted.finished:
            text.append(f"… {crafted.state}", style="italic")
        else:
            style = "green" if crafted.state == "answered" else "bold red"
            detail = f" ({crafted.detail})" if crafted.detail else ""
            text.append(shown(f"← {crafted.status}{detail}") + "\n", style=style)
            if crafted.answer is not None:
                text.append(shown_lines(_pretty(crafted.answer)))
        self.query_one("#crafter-answer", Static).update(text)

    def _show_history(self) -> None:
        """Newest first: the entry sent last is under the cursor."""
        self._history = list(reversed(self.crafter.history))
        history = self.query_one("#crafter-history", OptionList)
        history.set_options(
            station_text(
                f"{clock_time(c.sent_at)} {c.station} {c.action} "
                f"{'' if c.validate else '(no validation) '}→ {c.status or c.state}"
            )
            for c in self._history
        )
        if self._history:
            history.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        entry = self._history[event.option_index]
        self._send(entry.station, entry.action, entry.payload, entry.validate)
