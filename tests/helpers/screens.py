"""Each screen of the console over an empty background, on deterministic data: for snapshots.

The data is a real Engine that never listens: the mixed-version scenario folded
into its projection, commands queued for stations that are offline, id tags in
its store, its installed automations, all on a fixed clock.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.app import App
from textual.screen import Screen

from ocppdeck.core.clock import ManualClock
from ocppdeck.core.engine import Engine
from ocppdeck.core.model.projection import fold
from ocppdeck.themes import STYLESHEET, THEMES, VERTICAL_BREAKPOINTS
from tests.helpers.engine import make_settings
from tests.helpers.scenario import T0
from tests.helpers.scenario_mixed import LEGACY, NOVA, mixed_frames

SIZE = (160, 48)


def still_engine(data_dir: Path) -> Engine:
    """An engine that knows the mixed scenario's stations and never opens a socket."""
    engine = Engine(make_settings(data_dir), ManualClock(T0 + 3600))
    fold(mixed_frames(), engine.projection)
    return engine


def queue_some(engine: Engine) -> None:
    """Commands for offline stations: queued, and one cancelled."""
    commands = engine.commands
    commands.reset(LEGACY, hard=True)
    commands.unlock(LEGACY, 1)
    cancelled = commands.change_availability(NOVA, 2, operative=False)
    commands.remote_start(NOVA, 2, "TAG-0001")
    commands.cancel(cancelled.id)


def some_tags(engine: Engine) -> None:
    """Accepted, blocked, expired and a child of a blocked parent."""
    book = engine.id_tags
    assert book is not None
    book.add("TAG-0001")
    book.add("FLEET-A")
    book.add("TAG-0002", parent="FLEET-A", expiry="2030-01-31")
    book.add("TAG-0003", expiry="2025-02-01")
    book.add("TAG-LOST")
    book.block("FLEET-A")
    book.block("TAG-LOST")


class ScreenHost(App[None]):
    """An app that shows one screen, styled and themed as the console."""

    CSS_PATH = str(STYLESHEET)
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS

    def __init__(self, make: Callable[[], Screen[object]]) -> None:
        super().__init__()
        self._make = make

    def on_mount(self) -> None:
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = THEMES[0].name
        # Made here: queued commands need the running loop.
        self.push_screen(self._make())
