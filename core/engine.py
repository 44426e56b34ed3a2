"""The engine: one live run's core, wired as DESIGN.md draws it.

sources -> bus -> (projection, recorder, metrics, frame log); commands -> CSMS.
The TUI and `ocppdeck serve` both hold one Engine and nothing else of the core.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from .bus import FrameBus
from .clock import Clock, SystemClock
from .commands import Commands
from .config import Settings
from .csms import Csms
from .frame import Direction, Frame, Kind, encode
from .frame_log import FrameLog
from .metrics import Metrics
from .projection import Projection
from .recording import ReadReport, Recorder, read_recording
from .state import State
from .store import Store

log = logging.getLogger("ocppdeck.engine")

STORE_FLUSH_INTERVAL = 1.0  # seconds between batched TinyDB writes


class Engine:
    """A live CSMS with its projection, recording, store, metrics and frame log."""

    mode = "live"

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.bus = FrameBus()
        self.projection = Projection()
        self.frames = FrameLog()
        self.metrics = Metrics()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(settings.store_path)
        self.csms = Csms(settings, self.store, self.clock, self.bus.publish, self.metrics)
        self.commands = Commands(self.csms, self.projection.state)
        self.restored = ReadReport()
        self._recorder: Recorder | None = None
        self._unsubscribe_recorder: Callable[[], None] = lambda: None
        self._flusher: asyncio.Task[None] | None = None

    @property
    def state(self) -> State:
        """What the projection knows now."""
        return self.projection.state

    def describe(self) -> str:
        """Where stations connect."""
        host, port = self.settings.host, self.settings.port
        if self.csms.listening:
            port = self.csms.port
        return f"ws://{host}:{port}/<station id>"

    def restore(self) -> ReadReport:
        """Refold the recording of earlier runs so nothing seen before is lost."""
        path = self.settings.recording_path
        if path.exists() and path.stat().st_size > 0:
            for frame in read_recording(path, self.restored):
                self.projection.apply(frame)
                self.frames.append(frame)
            self.bus.next_seq = self.restored.last_seq + 1
            log.info(
                "restored %d frames (%d lines skipped)",
                self.restored.frames,
                len(self.restored.skipped),
            )
        return self.restored

    async def start(self) -> None:
        """Restore, then record and project every new frame, then listen for stations."""
        self.restore()
        self._recorder = Recorder(self.settings.recording_path)
        self._unsubscribe_recorder = self.bus.subscribe(self._capture)
        self.bus.subscribe(self.projection.apply)
        self.bus.subscribe(self.metrics.observe)
        # Marks every station offline as of now: earlier connections died with the last run.
        self.bus.publish(Frame(self.clock.now(), "", Direction.IN, Kind.SERVER_START))
        await self.csms.start()
        self._flusher = asyncio.create_task(self._flush_store(), name="store-flush")

    def _capture(self, frame: Frame) -> None:
        """Encode once for both the recording and the frame log."""
        line = encode(frame)
        self.frames.append(frame, line)
        if self._recorder is not None:
            self._recorder.write_line(line)

    async def _flush_store(self) -> None:
        path: Path = self.settings.store_path
        while True:
            await asyncio.sleep(STORE_FLUSH_INTERVAL)
            pending = self.store.pending_write()
            if pending is None:
                continue
            try:
                await asyncio.to_thread(self.store.write, pending)
            except OSError:
                # Kept pending; the next tick tries again. The recording has the frames.
                log.exception("could not write the store to %s", path)

    async def close(self) -> None:
        """Stop the CSMS, then write and close the store and the recording."""
        await self.csms.close()
        if self._flusher is not None:
            self._flusher.cancel()
            await asyncio.gather(self._flusher, return_exceptions=True)
            self._flusher = None
        self.store.close()
        if self._recorder is not None:
            self._unsubscribe_recorder()
            self._recorder.close()
            self._recorder = None
