"""The station registry: who may connect, who waits for the operator, and their passwords.

A pending station (it connected unknown under pending registration) is
accepted or rejected here; a password is set, or pushed to a connected
station and kept once it took it. A password made here is shown once.

The screen works through a registry desk (core/csms/registry_desk.py): the CSMS's own
registry on its console, the API's on an attached one. It hashes nothing itself.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Label

from ...core.csms.commands import CommandUnavailable
from ...core.csms.passwords import PasswordError
from ...core.csms.registry import Registered, RegistryError, Standing
from ...core.csms.registry_desk import RegistryDesk
from ...core.model.state import State
from ..formatting import clock_time
from ..station_text import station_text
from .id_tags import ConfirmScreen
from .live_table import LiveTableScreen
from .prompt import PromptScreen

COLUMNS = ("Station", "Standing", "Password", "Link", "Version", "Added (UTC)")
STANDING_STYLES = {
    Standing.ACCEPTED: "green",
    Standing.PENDING: "bold yellow",
    Standing.REJECTED: "dim red",
}


class SecretScreen(ModalScreen[None]):
    """A password shown once, to hand to the station's installer."""

    BINDINGS = [Binding("escape,enter,y", "dismiss", "Close")]

    def __init__(self, title: str | Text, secret: str) -> None:
        super().__init__()
        self.title_text = title
        self.secret = secret

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt") as box:
            box.border_title = self.title_text
            yield Label("The password, shown this once (only its hash is kept):")
            yield Label(Text(self.secret, style="bold"), id="secret")
            yield Label("Enter or Esc to close", classes="hint")
        yield Footer()


class RegistryScreen(LiveTableScreen):
    """Registered, pending and rejected stations, redrawn on a timer."""

    BOX_ID = "registry"
    TITLE = "Station registry"
    COLUMNS = COLUMNS

    BINDINGS = [
        Binding("a", "accept", "Accept"),
        Binding("r", "reject", "Reject"),
        Binding("n", "add", "Add station"),
        Binding("p", "set_password", "New password"),
        Binding("P", "push_password", "Push password"),
        Binding("d,delete", "remove", "Remove", key_display="d"),
        Binding("escape,q", "dismiss", "Close"),
    ]

    def __init__(self, registry: RegistryDesk, state: Callable[[], State], interval: float) -> None:
        super().__init__(interval)
        self.registry = registry
        self._state = state  # a function: a restore may replace the state object
        self._shown: list[tuple[Registered, bool, str]] = []

    def note(self) -> str:
        """What the keys do."""
        return (
            "a accepts a pending station, r rejects (and disconnects) it. p sets a new "
            "password; P sends one to the connected station and keeps it once it took it."
        )

    def refresh_rows(self) -> None:
        """Redraw when an entry or a station's link changed, keeping the cursor's station."""
        rows = []
        state = self._state()
        for entry in self.registry.entries():
            station = state.stations.get(entry.station_id)
            online = station is not None and state.is_online(station)
            rows.append((entry, online, station.protocol if station is not None else ""))
        if rows == self._shown:
            return
        self._shown = rows
        table = self.query_one(DataTable)
        keep = self.selected
        table.clear()
        for entry, online, protocol in rows:
            table.add_row(
                station_text(entry.station_id),
                Text(entry.standing.value, style=STANDING_STYLES[entry.standing]),
                "set" if entry.password_hash else "none",
                Text("● online", "green") if online else Text("○ offline", "dim"),
                station_text(protocol.removeprefix("ocpp") or "—"),
                clock_time(entry.added_at),
                key=entry.station_id,
            )
        ids = [entry.station_id for entry, _, _ in rows]
        if keep in ids:
            table.move_cursor(row=ids.index(keep))

    @property
    def selected(self) -> str | None:
        """The station under the cursor."""
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def _say(self, message: str, severity: str = "information") -> None:
        self.notify(message, title="Registry", severity=severity, markup=False)  # type: ignore[arg-type]

    def _chosen(self) -> str | None:
        station_id = self.selected
        if station_id is None:
            self._say("No station selected.", "warning")
        return station_id

    def _changed(self) -> None:
        if self.is_attached:
            self.refresh_rows()

    async def action_accept(self) -> None:
        """Let the station in: its next boot is Accepted, and a connected one is asked for
        that boot now."""
        if (station_id := self._chosen()) is None:
            return
        try:
            _, asked = await self.registry.accept(station_id)
        except RegistryError as exc:
            self._say(str(exc), "error")
            return
        again = " It is asked to boot again now." if asked else ""
        self._say(f"{station_id} accepted: its next boot is Accepted.{again}")
        self._changed()

    async def action_reject(self) -> None:
        """Refuse the station: disconnected now, refused at its next handshake."""
        if (station_id := self._chosen()) is None:
            return
        try:
            await self.registry.reject(station_id)
        except RegistryError as exc:
            self._say(str(exc), "error")
            return
        self._say(f"{station_id} rejected.")
        self._changed()

    def action_add(self) -> None:
        """Register a station by its id, with a new password shown once."""

        def add(station_id: str | None) -> None:
            if station_id and station_id.strip():
                self.app.run_worker(self._add(station_id.strip()), group="registry")

        self.app.push_screen(PromptScreen("Add station", "Station id:", enter="add"), add)

    async def _add(self, station_id: str) -> None:
        try:
            _, secret = await self.registry.add(station_id)
        except (RegistryError, PasswordError) as exc:
            self._say(str(exc), "error")
            return
        self._shown_once(f"{station_id} registered", secret)

    def action_set_password(self) -> None:
        """Give the station a new password (shown once), without telling it."""
        if (station_id := self._chosen()) is not None:
            self.app.run_worker(self._set_password(station_id), group="registry")

    async def _set_password(self, station_id: str) -> None:
        try:
            _, secret = await self.registry.set_password(station_id)
        except (RegistryError, PasswordError) as exc:
            self._say(str(exc), "error")
            return
        self._shown_once(f"New password · {station_id}", secret)

    def _shown_once(self, title: str, secret: str) -> None:
        self._changed()
        self.app.push_screen(SecretScreen(station_text(title), secret))

    def action_push_password(self) -> None:
        """Send the connected station a new password; keep it once the station took it."""
        if (station_id := self._chosen()) is None:
            return
        state = self._state()
        station = state.stations.get(station_id)
        if station is None or not state.is_online(station):
            self._say(f"{station_id} is offline: a new password is sent to a connected station.")
            return
        self.app.run_worker(self._push(station_id), group="registry")

    async def _push(self, station_id: str) -> None:
        try:
            change = await self.registry.push_password(station_id)
        except (CommandUnavailable, RegistryError) as exc:
            self._say(str(exc), "error")
            return
        if not change.done or change.password is None:
            outcome = change.outcome
            self._say(f"{station_id} kept its password: {outcome.status} {outcome.detail}")
            return
        self._shown_once(f"Pushed to {station_id}", change.password)

    def action_remove(self) -> None:
        """Forget the station (after a yes): it is unknown again."""
        if (station_id := self._chosen()) is None:
            return

        async def remove(yes: bool | None) -> None:
            if not yes:
                return
            try:
                await self.registry.remove(station_id)
            except RegistryError as exc:
                self._say(str(exc), "error")
                return
            self._changed()

        self.app.push_screen(ConfirmScreen(station_text(f"Remove {station_id}?")), remove)
