"""Command palette entries: every station command, the reports and "go to station", on the
main screen.

Modal screens (queue, configuration, forms) have their own keys, so nothing is
offered over them: the palette offers what makes sense where it was opened.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Protocol

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.markup import escape

from ..core.console import ConsoleSource
from .station_commands import STATION_COMMANDS
from .station_text import shown


class PaletteHost(Protocol):
    """What the palette asks of the console (the app), which imports the palette."""

    source: ConsoleSource

    def action_station_command(self, name: str) -> None:
        """Run a station command on the selection."""
        ...

    def select_station(self, station_id: str) -> None:
        """Put the cursor on a station."""
        ...

    def action_reports(self) -> None:
        """Open the reports screen."""
        ...


class StationCommandsProvider(Provider):
    """The operator's commands on the selected station, and a jump to any station."""

    def _entries(self) -> list[tuple[str, Callable[[], object], str]]:
        if self.screen.is_modal:
            return []
        app: PaletteHost = self.app  # type: ignore[assignment]
        entries: list[tuple[str, Callable[[], object], str]] = [
            (
                command.title,
                partial(app.action_station_command, command.name),
                f"{command.help} (key {command.key})",
            )
            for command in STATION_COMMANDS.values()
        ]
        entries.append(
            (
                "Reports",
                app.action_reports,
                "Sessions, faults, compliance and connection health of this source (key o)",
            )
        )
        state = app.source.state
        for station_id in sorted(state.stations):
            station = state.stations[station_id]
            link = "online" if state.is_online(station) else "offline"
            entries.append(
                (
                    f"Go to station {station_id}",
                    partial(app.select_station, station_id),
                    f"{station.protocol or 'protocol unknown'} · {link}",
                )
            )
        return entries

    async def discover(self) -> Hits:
        for display, run, help_text in self._entries():
            yield DiscoveryHit(Content(shown(display)), run, help=escape(shown(help_text)))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for display, run, help_text in self._entries():
            score = matcher.match(display)
            if score > 0:
                yield Hit(score, _shown(display, matcher), run, help=escape(shown(help_text)))


def _shown(display: str, matcher: Matcher) -> Content:
    """The entry with the query's letters marked; station ids are text, never markup (the
    matcher reads markup, so an id that looks like some is shown unmarked)."""
    safe = shown(display)
    return matcher.highlight(safe) if "[" not in safe else Content(safe)
