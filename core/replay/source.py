"""Replay: a recording played into a fresh projection, with a transport.

Another source of frames on the same path as live (DESIGN.md): the panes
read the player's state and the frames played so far. Nothing is sent and no
automation runs.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import OrderedDict
from collections.abc import Iterable, Iterator

from ..clock import ManualClock
from ..config import Settings
from ..csms.commands import Commands
from ..disk.formats import ImportReport
from ..model.state import State
from ..wire.frame import Frame
from .marks import Mark
from .player import IndexClosed, Player, Progress

SPEEDS: tuple[float | None, ...] = (0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, None)
TICK = 0.05  # seconds between playback steps
FLAT_OUT_FRAMES = 2_000  # frames per tick at "as fast as possible"


class PlayedFrames:
    """The frames played so far, as the frame-log pane reads them (positions from 0)."""

    base = 0

    def __init__(self, player: Player, cache_size: int = 4096) -> None:
        self._player = player
        self._cache: OrderedDict[int, Frame] = OrderedDict()
        self._cache_size = cache_size

    def __len__(self) -> int:
        return self._player.position

    def get(self, pos: int) -> Frame | None:
        """The frame at a position, if it has been played."""
        if not 0 <= pos < self._player.position:
            return None
        found = self._cache.get(pos)
        if found is None:
            # Numbered by play position, so the pane and the inspector agree.
            found = dataclasses.replace(self._player.frame(pos), seq=pos + 1)
            self._cache[pos] = found
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(pos)
        return found

    def partner(self, pos: int) -> Frame | None:
        """A played frame's request or answer, if that has been played too."""
        if not 0 <= pos < self._player.position:
            return None
        found = self._player.partner_position(pos)
        return None if found is None else self.get(found)


class ReplaySource:
    """A recording at the console: play, pause, step, speed, seek, jump to marks."""

    mode = "replay"

    def __init__(
        self,
        frames: Iterable[Frame],
        settings: Settings,
        name: str,
        report: ImportReport | None = None,
    ) -> None:
        self.settings = settings
        self.report = report
        self.name = name
        self.player = Player(name)
        self.frames = PlayedFrames(self.player)
        self.clock = ManualClock(0.0)
        self._source = frames
        self.commands = Commands(None, lambda: self.player.projection.state, self.clock)
        # A replay sends nothing and has no store: only the transport of the parts.
        self.transport: ReplaySource | None = self
        self.id_tags = None
        self.automations = None
        self.crafter = None
        self.registry = None
        self.disk = None
        self.playing = False
        self.speed_index = SPEEDS.index(1)
        self.progress: Progress | None = Progress("indexing", 0)
        self._virtual_time: float | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def state(self) -> State:
        """The state after the frames played so far."""
        return self.player.projection.state

    @property
    def speed(self) -> float | None:
        """Recording seconds per real second; None plays as fast as it can."""
        return SPEEDS[self.speed_index]

    @property
    def loading(self) -> bool:
        """Still indexing."""
        return self.progress is not None

    @property
    def length(self) -> int:
        """Frames in the recording."""
        return len(self.player)

    @property
    def position(self) -> int:
        """Frames played so far."""
        return self.player.position

    @property
    def span(self) -> tuple[float, float] | None:
        """The times of the first and the last frame."""
        start, end = self.player.start_time, self.player.end_time
        return None if start is None or end is None else (start, end)

    @property
    def marks(self) -> list[tuple[int, Mark]]:
        """Frames worth jumping to, by position."""
        return self.player.marks

    def recorded(self) -> Iterator[Frame]:
        """Every frame of the recording in play order, read apart from playback."""
        return self.player.frames()

    def describe(self) -> str:
        """Name, position, speed and whether it plays."""
        if self.progress is not None:
            return f"{self.name} · {self.progress.describe()}"
        speed = "max" if self.speed is None else f"{self.speed:g}x"
        state = "▶" if self.playing else "⏸"
        where = f"{self.player.position:,}/{len(self.player):,}"
        return f"{self.name} · {state} {speed} · frame {where}"

    @property
    def start_note(self) -> str | None:
        """What the console should tell once loaded: lines that were skipped."""
        if self.report is None or not self.report.skipped_count:
            return None
        return f"{self.name}: {self.report.summary()}; details in the log file"

    async def start(self) -> None:
        """Index the recording off the event loop, then wait at its start."""

        read = self.report

        def report(progress: Progress) -> None:
            if progress.share is None and read is not None and read.source_bytes:
                # Reading a file: how much of it is read tells how far along it is.
                share = min(1.0, read.bytes_read / read.source_bytes)
                progress = dataclasses.replace(progress, share=share)
            self.progress = progress  # read by the redraw timer

        try:
            await asyncio.to_thread(self.player.index, self._source, report)
        except IndexClosed:
            return  # closed while indexing: the console is going away
        self.progress = None
        self._sync_clock()
        self._task = asyncio.create_task(self._play(), name="replay")

    async def close(self) -> None:
        """Stop playing and remove the player's spool."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self.player.close()

    # --- transport ----------------------------------------------------------
    def _sync_clock(self) -> None:
        position = self.player.position
        if position:
            self.clock.set(self.player.time_at(position - 1))
        elif self.player.start_time is not None:
            self.clock.set(self.player.start_time)
        self._virtual_time = self.clock.now()

    def toggle(self) -> None:
        """Play or pause; at the end, play starts again from the beginning."""
        if not self.playing and self.player.position >= len(self.player):
            self.seek(0)
        self.playing = not self.playing
        self._virtual_time = self.clock.now()

    def faster(self, steps: int = 1) -> None:
        """Change speed by steps along SPEEDS (negative: slower)."""
        self.speed_index = max(0, min(len(SPEEDS) - 1, self.speed_index + steps))
        self._virtual_time = self.clock.now()

    def step(self, frames: int) -> None:
        """Move by frames (negative: back) and pause."""
        self.playing = False
        self.seek(self.player.position + frames)

    def seek(self, position: int) -> None:
        """Show the state after `position` frames."""
        self.player.seek(position)
        self._sync_clock()

    def seek_time(self, ts: float) -> None:
        """Show the state at a time: every frame up to and including it."""
        self.seek(self.player.position_at(ts))

    def jump(self, forward: bool, kinds: set[Mark] | None = None) -> bool:
        """Go to just after the next (or previous) marked frame; False when there is none."""
        found = self.player.next_mark(kinds) if forward else self.player.previous_mark(kinds)
        if found is None:
            return False
        self.playing = False
        self.seek(found)
        return True

    async def _play(self) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(TICK)
            now = loop.time()
            elapsed, last = now - last, now
            if not self.playing:
                continue
            if self.player.position >= len(self.player):
                self.playing = False
                continue
            if self.speed is None:
                self.player.step(FLAT_OUT_FRAMES)
                self._sync_clock()
                continue
            # Jump idle stretches: never wait more than a second of real time for the next frame.
            next_ts = self.player.time_at(self.player.position)
            virtual = max(self._virtual_time or next_ts, next_ts - self.speed)
            virtual += elapsed * self.speed
            self.player.seek(self.player.position_at(virtual))
            self._virtual_time = virtual
            if self.player.position:
                self.clock.set(self.player.time_at(self.player.position - 1))
