"""The security profile upgrade of one station: run, then what became of it.

The upgrade (core/csms/profile_upgrade.py) takes a few answers from the station,
so it runs in the app's worker while this says so (closing the screen does not
stop it: a toast then says how it ended); a password it gave (0 → 1) is shown
here once, as the registry shows one.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label

from ...core.csms.builders.contract import CommandUnavailable
from ...core.csms.commands import Commands
from ...core.csms.profile_upgrade import upgrade_profile
from ..station_text import station_text


class ProfileUpgradeScreen(ModalScreen[None]):
    """Moves a station one security profile up and says how it went."""

    DEFAULT_CSS = """
    ProfileUpgradeScreen { align: center middle; }
    #upgrade { border: round $primary; background: $surface; padding: 1 2;
               width: 72; height: auto; }
    #upgrade Label { width: 100%; }
    """
    BINDINGS = [Binding("escape,enter", "dismiss", "Close")]

    def __init__(self, commands: Commands, station_id: str) -> None:
        super().__init__()
        self.commands = commands
        self.station_id = station_id

    def compose(self) -> ComposeResult:
        with Vertical(id="upgrade") as box:
            box.border_title = station_text(f"Security profile upgrade · {self.station_id}")
            yield Label(station_text(f"Upgrading {self.station_id}…"), id="upgrade-status")
            yield Label("", id="upgrade-secret")
        yield Footer()

    def on_mount(self) -> None:
        self.app.run_worker(self._upgrade(), exit_on_error=False, group="upgrade")

    async def _upgrade(self) -> None:
        try:
            done = await upgrade_profile(self.commands, self.station_id)
        except CommandUnavailable as exc:
            self._say(str(exc), failed=True)
            return
        said = f"{done.station_id}: profile {done.before} → {done.after}; " + (
            "reset, and connected again at it."
            if done.back
            else "its reset waits for its transactions to end, then it connects at it."
        )
        self._say(said)
        if done.password is not None and self.is_attached:
            # On a line of its own: 40 characters, copied whole.
            secret = Text("Its new password, shown this once:\n")
            secret.append(done.password, style="bold")
            self.query_one("#upgrade-secret", Label).update(secret)

    def _say(self, said: str, failed: bool = False) -> None:
        """On the screen while it is open, else as a toast."""
        if self.is_attached:
            shown = Text(said, style="bold red") if failed else station_text(said)
            self.query_one("#upgrade-status", Label).update(shown)
        else:
            severity = "error" if failed else "information"
            self.app.notify(said, title="Upgrade", severity=severity, markup=False)
