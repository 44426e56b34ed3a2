"""What the console holds of the core: a source of state and frames, and what it offers.

A live engine, a demo run and a replay are sources. The TUI reads state and the
frame window, sends through `commands`, and reaches the rest (a replay's
transport, id tags, automations, the message crafter) through the parts a source
offers; a part a source cannot offer is None, and the screen says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from .automations.plugins import Automations
from .clock import Clock
from .config import Settings
from .csms.commands import Commands
from .csms.crafter import Crafter
from .csms.id_tags import IdTagBook
from .csms.registry_desk import RegistryDesk
from .disk.health import DiskHealth
from .model.state import State
from .replay.marks import Mark
from .replay.player import Progress
from .wire.frame import Frame
from .wire.frame_log import FrameWindow


class Transport(Protocol):
    """A replay's controls and what its timeline shows."""

    playing: bool
    clock: Clock

    @property
    def speed(self) -> float | None:
        """Recording seconds per real second; None is as fast as it goes."""
        ...

    @property
    def loading(self) -> bool:
        """Still indexing: nothing to show on the timeline yet."""
        ...

    @property
    def progress(self) -> Progress | None:
        """How far indexing has come, while it runs."""
        ...

    @property
    def length(self) -> int:
        """Frames in the recording."""
        ...

    @property
    def position(self) -> int:
        """Frames played so far."""
        ...

    @property
    def span(self) -> tuple[float, float] | None:
        """The times of the first and the last frame (None when empty)."""
        ...

    @property
    def marks(self) -> list[tuple[int, Mark]]:
        """Frames worth jumping to, by position."""
        ...

    def toggle(self) -> None:
        """Play or pause."""
        ...

    def faster(self, steps: int = 1) -> None:
        """Change speed by steps (negative: slower)."""
        ...

    def step(self, frames: int) -> None:
        """Move by frames (negative: back) and pause."""
        ...

    def seek(self, position: int) -> None:
        """Show the state after `position` frames."""
        ...

    def seek_time(self, ts: float) -> None:
        """Show the state at a time."""
        ...

    def jump(self, forward: bool, kinds: set[Mark] | None = None) -> bool:
        """Go past the next (or previous) mark; False when there is none."""
        ...

    def recorded(self) -> Iterator[Frame]:
        """Every frame of the recording in play order, read apart from playback (safe in
        another thread while it plays)."""
        ...


class ConsoleSource(Protocol):
    """The one thing the TUI holds of the core."""

    mode: str  # "live", "demo", "replay" or "attached" (to a running one, core/api/attached.py)
    settings: Settings
    clock: Clock
    commands: Commands
    frames: FrameWindow
    transport: Transport | None  # a replay's
    id_tags: IdTagBook | None  # live and demo: the store's id tags
    automations: Automations | None  # live and demo: the running plugins
    crafter: Crafter | None  # live and demo: crafted messages and their history
    registry: RegistryDesk | None  # live, demo, attached: which stations may connect
    disk: DiskHealth | None  # live and demo: what fails on disk, how much the data dir holds

    @property
    def state(self) -> State:
        """What the projection knows now."""
        ...

    @property
    def start_note(self) -> str | None:
        """What the console should say once started (e.g. lines a source skipped)."""
        ...

    def describe(self) -> str:
        """One line for the title bar: where frames come from."""
        ...

    async def start(self) -> None:
        """Start listening, playing or indexing (the console shows progress meanwhile)."""
        ...

    async def close(self) -> None:
        """Stop and release everything: sockets, files, tasks."""
        ...
