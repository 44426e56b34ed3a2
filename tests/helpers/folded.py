"""Frames at rest for tests: read, written and folded as the engine does, and a console
source of frames folded once, nothing sent.

For tests and snapshots, where the screen must not move: no player, no timer.
The clock stands at the newest frame's time, so the screen reads as the live
console did at that moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ocppdeck.core.clock import ManualClock
from ocppdeck.core.config import Settings
from ocppdeck.core.csms.commands import Commands
from ocppdeck.core.disk.formats import ImportReport, read_frames
from ocppdeck.core.disk.recording import Recorder
from ocppdeck.core.model.projection import fold
from ocppdeck.core.model.state import State
from ocppdeck.core.wire.codec import encode
from ocppdeck.core.wire.frame import Frame
from ocppdeck.core.wire.frame_log import FrameLog


def recorded(path: Path, report: ImportReport | None = None) -> list[Frame]:
    """The frames of an ocppdeck recording (file or folder), as the engine reads them."""
    return list(read_frames(path, "recording", report if report is not None else ImportReport()))


def write(recorder: Recorder, frame: Frame) -> None:
    """Append one frame as the engine does: encoded once, with its sequence number."""
    recorder.write_line(encode(frame), frame.seq)


def project(frames: Iterable[Frame]) -> State:
    """The state a stream of frames folds into."""
    return fold(frames).state


class FoldedSource:
    """Frames folded into state once, for the console to show."""

    mode = "recording"
    transport = None
    id_tags = None
    automations = None
    crafter = None
    registry = None
    disk = None
    start_note = None

    def __init__(self, frames: Iterable[Frame], settings: Settings, name: str = "") -> None:
        self.settings = settings
        self.frames = FrameLog()
        self.projection = fold(frames, after=lambda frame, _facts: self.frames.append(frame))
        self.clock = ManualClock(self.projection.state.last_ts or 0.0)
        self.commands = Commands(None, lambda: self.projection.state, self.clock)
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
