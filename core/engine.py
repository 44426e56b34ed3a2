"""The engine: one live run's core, wired as DESIGN.md draws it.

sources -> bus -> (recorder + frame log, metrics, projection -> automations);
commands -> outbound queue -> CSMS. The TUI and `ocppdeck serve` both hold one
Engine and nothing else of the core.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from .automations.plugins import Automations
from .clock import Clock, SystemClock
from .config import Settings
from .csms.commands import Commands
from .csms.crafter import HISTORY_FILE, Crafter
from .csms.id_tags import IdTagBook
from .csms.metrics import Metrics
from .csms.registry import StationRegistry
from .csms.server import Csms
from .csms.store import Store, write_atomic
from .disk import snapshot
from .disk.files import private_dir
from .disk.formats import ImportReport, SourceError, read_frames, source_files
from .disk.lock import DataDirLock
from .disk.recording import Recorder
from .model.facts import Fact
from .model.projection import Projection, fold
from .model.state import State
from .wire.bus import FrameBus
from .wire.codec import encode
from .wire.frame import Direction, Frame, Kind
from .wire.frame_log import FrameLog

log = logging.getLogger("ocppdeck.engine")

STORE_FLUSH_INTERVAL = 1.0  # seconds between batched TinyDB writes
SNAPSHOT_EVERY = 60  # store-flush ticks between state snapshots


def _files_after(files: list[Path], seq: int) -> list[Path]:
    """Drop the closed segments wholly covered by a snapshot at `seq`.

    A segment is named by its first frame's sequence number; it holds nothing
    after `seq` when the next one starts at or before `seq + 1`.
    """
    firsts = [_segment_first(f) for f in files]
    keep = []
    for i, file in enumerate(files):
        nxt = firsts[i + 1] if i + 1 < len(firsts) else None
        if nxt is not None and nxt <= seq + 1:
            continue
        keep.append(file)
    return keep


def _segment_first(path: Path) -> int | None:
    match = re.fullmatch(r"recording-(\d+)\.jsonl(?:\.gz)?", path.name)
    return int(match.group(1)) if match else None


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
        private_dir(settings.data_dir)
        self._lock = DataDirLock(settings.data_dir)
        self.store = Store(settings.store_path)
        self.csms = Csms(
            settings,
            self.store,
            self.clock,
            self.bus.publish,
            lambda: self.projection.state,
            self.metrics,
        )
        self.registry: StationRegistry | None = self.csms.registry
        self.commands = Commands(self.csms, lambda: self.projection.state, self.clock)
        self.automations: Automations | None = Automations(
            settings, self.commands, self.bus.publish, self.clock, lambda: self.state
        )
        self.id_tags: IdTagBook | None = IdTagBook(self.store, self.clock)
        self.crafter: Crafter | None = Crafter(
            self.commands, self.clock, settings.data_dir / HISTORY_FILE
        )
        self.transport = None  # live: no replay transport
        self.restored = ImportReport()
        self._snapshot_seq = 0
        self._recorder: Recorder | None = None
        self._unsubscribe_recorder: Callable[[], None] = lambda: None
        self._flusher: asyncio.Task[None] | None = None

    @property
    def state(self) -> State:
        """What the projection knows now."""
        return self.projection.state

    @property
    def start_note(self) -> str | None:
        """Recording lines the restore had to skip, if any."""
        if not self.restored.skipped_count:
            return None
        return f"restore: {self.restored.summary()}; details in the log file"

    def describe(self) -> str:
        """Where stations connect."""
        host, port = self.settings.host, self.settings.port
        if self.csms.listening:
            port = self.csms.port
        return f"ws://{host}:{port}/<station id>"

    def restore(self) -> ImportReport:
        """Load the newest snapshot, then refold the recording after it: nothing seen is lost."""
        data_dir = self.settings.data_dir
        snapshot.forget_pickles(data_dir)
        snap = snapshot.load(self.settings.snapshot_path)
        after = 0
        if snap is not None:
            self.projection.restore(snap.projection)
            after = snap.seq
        try:
            files = source_files(data_dir)
        except SourceError:
            files = []  # a first run: nothing recorded yet
        last_seq = after

        def after_snapshot() -> Iterator[Frame]:
            for file in _files_after(files, after):
                for frame in read_frames(file, "recording", self.restored):
                    if frame.seq > after:
                        yield frame

        def shown(frame: Frame, _: Sequence[Fact]) -> None:
            nonlocal last_seq
            self.frames.append(frame)
            last_seq = max(last_seq, frame.seq)

        fold(after_snapshot(), self.projection, shown)
        self.bus.next_seq = last_seq + 1
        self._snapshot_seq = after
        log.info(
            "restored to frame %d (snapshot at %d, %s)",
            last_seq,
            after,
            self.restored.summary(),
        )
        return self.restored

    async def start(self) -> None:
        """Restore, then record and project every new frame, then listen for stations."""
        self.restore()
        self._recorder = Recorder(
            self.settings.recording_path, self.settings.recording_max_mb * 1024 * 1024
        )
        self._unsubscribe_recorder = self.bus.subscribe(self._capture)
        self.bus.subscribe(self.metrics.observe)
        # Only after the restore: automations never act again on what a previous run recorded.
        self.bus.subscribe(self._fold)
        # Marks every station offline as of now: earlier connections died with the last run.
        self.bus.publish(Frame(self.clock.now(), "", Direction.IN, Kind.SERVER_START))
        await self.csms.start()
        self._flusher = asyncio.create_task(self._flush_store(), name="store-flush")

    def _fold(self, frame: Frame) -> None:
        """Fold a frame, then hand it with its facts to the automations."""
        facts = self.projection.apply(frame)
        if self.automations is not None:
            self.automations.on_frame(frame, facts)

    def _capture(self, frame: Frame) -> None:
        """Encode once for both the recording and the frame log."""
        line = encode(frame)
        self.frames.append(frame, line)
        if self._recorder is not None:
            self._recorder.write_line(line, frame.seq)

    async def _flush_store(self) -> None:
        path: Path = self.settings.store_path
        ticks = 0
        while True:
            await asyncio.sleep(STORE_FLUSH_INTERVAL)
            ticks += 1
            if ticks % SNAPSHOT_EVERY == 0:
                await self._save_snapshot()
            pending = self.store.pending_write()
            if pending is None:
                continue
            try:
                await asyncio.to_thread(self.store.write, pending)
            except OSError:
                # Kept pending; the next tick tries again. The recording has the frames.
                log.exception("could not write the store to %s", path)

    async def _save_snapshot(self) -> None:
        """Snapshot the projection (on the loop, so it is consistent); write it off the loop."""
        seq = self.bus.next_seq - 1
        if seq <= self._snapshot_seq:
            return
        if self._recorder is not None:
            self._recorder.flush()  # the snapshot must never be ahead of the recording
        data = snapshot.dump(self.projection, seq)
        try:
            await asyncio.to_thread(write_atomic, self.settings.snapshot_path, data)
        except OSError:
            log.exception("could not write the snapshot")
            return
        self._snapshot_seq = seq

    async def close(self) -> None:
        """Stop the CSMS, then write and close the store, the recording and a snapshot."""
        await self.csms.close()
        if self._flusher is not None:
            self._flusher.cancel()
            await asyncio.gather(self._flusher, return_exceptions=True)
            self._flusher = None
        self.store.close()
        self._lock.release()
        if self._recorder is not None:
            self._unsubscribe_recorder()
            self._recorder.close()
            await asyncio.gather(*self._recorder.compressing, return_exceptions=True)
            self._recorder = None
            await self._save_snapshot()
