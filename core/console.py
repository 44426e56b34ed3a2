"""What the console watches: a live engine, a demo run, or a folded recording."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from .clock import Clock, ManualClock
from .config import Settings
from .csms.commands import Commands
from .model.projection import Projection
from .model.state import State
from .wire.frame import Frame
from .wire.frame_log import FrameLog


class ConsoleSource(Protocol):
    """The one thing the TUI holds of the core."""

    mode: str  # "live", "demo" or "recording"
    settings: Settings
    clock: Clock
    commands: Commands
    frames: FrameLog

    @property
    def state(self) -> State: ...

    def describe(self) -> str:
        """One line for the title bar: where frames come from."""
        ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class FoldedSource:
    """Frames folded once into state, nothing sent: a recording at rest.

    The clock stands at the newest frame's time, so the screen reads as the
    live console did at that moment.
    """

    mode = "recording"

    def __init__(self, frames: Iterable[Frame], settings: Settings, name: str = "") -> None:
        self.settings = settings
        self.projection = Projection()
        self.frames = FrameLog()
        for frame in frames:
            self.projection.apply(frame)
            self.frames.append(frame)
        self.clock = ManualClock(self.projection.state.last_ts or 0.0)
        self.commands = Commands(None, lambda: self.projection.state)
        self.name = name

    @property
    def state(self) -> State:
        """The folded state."""
        return self.projection.state

    def describe(self) -> str:
        """The recording's name."""
        return self.name or "recording"

    async def start(self) -> None:
        """Nothing to start: the frames are already folded."""

    async def close(self) -> None:
        """Nothing to close."""
