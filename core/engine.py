"""The engine: one live run's core, wired as DESIGN.md draws it.

sources -> bus -> (recorder + frame log, metrics, projection -> automations);
commands -> outbound queue -> CSMS. The TUI and `ocppdeck serve` both hold one
Engine and nothing else of the core.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path

from .api.server import ApiServer
from .automations.plugins import Automations
from .clock import Clock, SystemClock
from .cluster.node import ClusterNode, node_name
from .collector import DUE_EVERY_S, collect_due
from .config import Settings
from .csms.commands import Commands
from .csms.crafter import HISTORY_FILE, Crafter
from .csms.id_tags import IdTagBook
from .csms.metrics import Metrics
from .csms.registry_desk import LocalRegistry, RegistryDesk
from .csms.server import Csms
from .csms.store import Store
from .disk import files, snapshot
from .disk.formats import ImportReport, SourceError, read_frames, source_files
from .disk.health import DiskHealth, Part
from .disk.lock import DataDirLock
from .disk.recording import Recorder
from .disk.retention import Keep, remove_expired
from .disk.snapshot_writer import write_snapshot
from .memory_trim import release_free_memory
from .model.facts import Fact
from .model.projection import Projection, fold
from .model.state import State
from .wire.bus import FrameBus
from .wire.codec import encode
from .wire.frame import Direction, Frame, Kind
from .wire.frame_log import FrameLog

log = logging.getLogger("ocppdeck.engine")

STORE_FLUSH_INTERVAL = 1.0  # seconds between ticks of the disk keeper (batched store writes)
SNAPSHOT_EVERY = 60  # ticks between state snapshots, each followed by retention
# A snapshot is taken on the loop (to be consistent), so a big state stalls every station
# for its time: past a short one, snapshots come further apart, at most this share of
# the loop's time (1,000 stations at their bounds take ~0.3 s: one every ~90 s).
SNAPSHOT_LOOP_SHARE = 1 / 300
SNAPSHOT_RETRY_EVERY = 10  # ticks between tries of a snapshot the disk refused
SPACE_EVERY = 10  # ticks between measures of the data dir


async def _collect_when_due() -> None:
    """Keep the collector's young generation small in a steady state (core/collector.py)."""
    while True:
        await asyncio.sleep(DUE_EVERY_S)
        collect_due()


def snapshot_gap(on_loop_s: float) -> int:
    """Ticks until the next snapshot after one that held the loop `on_loop_s` seconds."""
    return max(SNAPSHOT_EVERY, math.ceil(on_loop_s / SNAPSHOT_LOOP_SHARE))


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

    def __init__(
        self, settings: Settings, clock: Clock | None = None, lock: DataDirLock | None = None
    ) -> None:
        # First: a second ocppdeck on this data dir is refused before anything here is touched.
        self._lock = lock or DataDirLock(settings.data_dir)
        self.settings = settings
        self.clock = clock or SystemClock()
        self.bus = FrameBus()
        self.projection = Projection()
        self.frames = FrameLog(max_bytes=settings.frame_log_mb * 1024 * 1024)
        self.metrics = Metrics()
        self._health = DiskHealth(self.clock)
        self.disk: DiskHealth | None = self._health  # what the console shows of the data dir
        self.metrics.watch_disk(self._health)
        self.store = Store(settings.store_path, self._health)
        self.csms = Csms(
            settings,
            self.store,
            self.clock,
            self.bus.publish,
            lambda: self.projection.state,
            self.metrics,
        )
        self.csms.before_answer = self._flush_recording
        self.commands = Commands(
            self.csms,
            lambda: self.projection.state,
            self.clock,
            self.csms.certificates,
            self.csms.authorizer,
        )
        self.registry: RegistryDesk | None = LocalRegistry(self.csms.registry, self.commands)
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
        self._snapshot_write_s = 0.0
        self._recorder: Recorder | None = None
        self._unsubscribe_recorder: Callable[[], None] = lambda: None
        self._keeper: asyncio.Task[None] | None = None
        self._collecting: asyncio.Task[None] | None = None
        # The control API, when given a port: started last, stopped first.
        self.api = ApiServer(self) if settings.api_port is not None else None
        self.cluster: ClusterNode | None = None  # with `bus`: made once the port is known

    @property
    def state(self) -> State:
        """What the projection knows now."""
        return self.projection.state

    @property
    def start_note(self) -> str | None:
        """What the operator should know at start: recording lines the restore had to skip,
        configured automations that are not running."""
        notes = []
        if self.restored.skipped_count:
            notes.append(f"restore: {self.restored.summary()}; details in the log file")
        if self.automations is not None and self.automations.start_note:
            notes.append(self.automations.start_note)
        return "\n".join(notes) or None

    def describe(self) -> str:
        """Where stations connect (and over TLS, when a TLS port is beside a plain one)."""
        if self.csms.listening:
            where, tls = f"{self.csms.url}/<station id>", self.csms.tls_url
            return where if tls is None or tls == self.csms.url else f"{where} · TLS {tls}"
        scheme = "wss" if self.settings.security_profile >= 2 else "ws"
        return f"{scheme}://{self.settings.host}:{self.settings.port}/<station id>"

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
        """Take the port, restore, then record and project every new frame and let stations in.

        A start that fails there (the port in use, a bad certificate, a recording it
        cannot read) has written nothing to the data dir, and lets it go.
        """
        try:
            await self.csms.bind()
            self.restore()
        except BaseException:
            await self.csms.close()
            self._lock.release()
            raise
        self._recorder = Recorder(
            self.settings.recording_path,
            self.settings.recording_max_mb * 1024 * 1024,
            self._health,
        )
        if self.settings.bus:  # 1.6 ids from the cluster's counter, from the first block on
            node = node_name(self.settings.node, self.csms.port)
            self.cluster = ClusterNode(self.settings.bus, node, self.clock)
            self.cluster.start_ids(self.store.transaction_ids)
        # Ids on disk before the first station can ask for one.
        await self._step(Part.TRANSACTION_IDS, self._reserve_transaction_ids)
        self._unsubscribe_recorder = self.bus.subscribe(self._capture)
        self.bus.subscribe(self.metrics.observe)
        # Only after the restore: automations never act again on what a previous run recorded.
        self.bus.subscribe(self._fold)
        if self.cluster is not None:
            self.cluster.start(self.bus, self.state, self.csms, self.metrics)
        # Marks every station offline as of now: earlier connections died with the last run.
        self.bus.publish(Frame(self.clock.now(), "", Direction.IN, Kind.SERVER_START))
        await self.csms.start()
        self._keeper = asyncio.create_task(self._keep_disk(), name="disk-keeper")
        self._collecting = asyncio.create_task(_collect_when_due(), name="collector")
        if self.api is not None:
            try:
                await self.api.start()
            except BaseException:  # its port in use, an unreadable token file
                await self.close()
                raise

    def _fold(self, frame: Frame) -> None:
        """Fold a frame, then hand it with its facts to the automations."""
        facts = self.projection.apply(frame)
        if self.automations is not None:
            self.automations.on_frame(frame, facts)

    def _flush_recording(self) -> bool:
        """Hand the frames recorded so far to the OS (before an answer leaves); whether
        the disk took them all."""
        if self._recorder is None:
            return True
        self._recorder.flush()
        return self._recorder.buffered == 0

    def _capture(self, frame: Frame) -> None:
        """Encode once for the recording, the frame log and (a cluster node) the bus."""
        line = encode(frame)
        self.frames.append(frame, line)
        if self._recorder is not None:
            self._recorder.write_line(line, frame.seq)
        if self.cluster is not None and self.cluster.publisher is not None:
            self.cluster.publisher.offer(frame, line)

    async def _keep_disk(self) -> None:
        """Once a tick: write the store, retry what the disk refused, reserve transaction
        ids; now and then a snapshot, retention and a measure of the data dir.

        No failure ends this task: each step reports to `health` and is tried again.
        """
        ticks, next_snapshot = 0, SNAPSHOT_EVERY
        while True:
            if ticks % SPACE_EVERY == 0:
                await self._measure()
            await asyncio.sleep(STORE_FLUSH_INTERVAL)
            ticks += 1
            await self._step(Part.RECORDING, self._retry_recording, clears=False)
            await self._step(Part.STORE, self._flush_store)
            await self._step(Part.TRANSACTION_IDS, self._reserve_transaction_ids)
            if self._health.failing(Part.COMMAND_JOURNAL):
                await self._step(Part.COMMAND_JOURNAL, self._check_journal)
            snapshot_failing = self._health.failing(Part.SNAPSHOT)
            if ticks >= next_snapshot or (snapshot_failing and ticks % SNAPSHOT_RETRY_EVERY == 0):
                took = time.perf_counter()
                await self._step(Part.SNAPSHOT, self._save_snapshot)
                took = time.perf_counter() - took - self._snapshot_write_s
                next_snapshot = ticks + snapshot_gap(took)
                await self._step(Part.RETENTION, self._retain)

    async def _step(
        self, part: Part, work: Callable[[], Awaitable[None]], clears: bool = True
    ) -> None:
        """Run one step of the disk keeper; a failure is reported, never raised."""
        try:
            await work()
        except Exception as exc:  # a background step must outlive any one failure
            self._health.failed(part, exc)
            return
        if clears:
            self._health.ok(part)

    async def _retry_recording(self) -> None:
        if self._recorder is not None:
            self._recorder.retry()  # reports its own outcome

    async def _flush_store(self) -> None:
        pending = self.store.pending_write()
        if pending is None:
            return
        await asyncio.to_thread(self.store.write, pending)  # kept pending when it fails
        self.store.saved(pending)

    async def _reserve_transaction_ids(self) -> None:
        ids = self.store.transaction_ids
        if ids.running_low:
            await asyncio.to_thread(ids.reserve)

    async def _check_journal(self) -> None:
        # On the loop: the journal's descriptor is the loop's alone (one tiny write).
        self.store.check_journal()

    async def _measure(self) -> None:
        # A measure is only shown: when one fails, the last one stands until the next works.
        with contextlib.suppress(OSError):
            self._health.space = await asyncio.to_thread(files.space, self.settings.data_dir)

    async def _retain(self) -> None:
        """Remove the segments past the retention settings; compress those left plain."""
        recorder = self._recorder
        if recorder is None or recorder.compressing:
            return  # a segment being compressed is not touched
        keep = Keep.of(self.settings.recording_keep_days, self.settings.recording_keep_mb)
        if keep.limited:
            current_first = recorder.first_seq or self.bus.next_seq
            gone = await asyncio.to_thread(
                remove_expired,
                self.settings.data_dir,
                current_first,
                self._snapshot_seq,
                self.clock.now(),
                keep,
            )
            if gone:
                log.info(
                    "retention removed %d recording segments (%d bytes)",
                    len(gone),
                    sum(g.size for g in gone),
                )
        recorder.recompress()

    async def _save_snapshot(self) -> None:
        """Snapshot the projection as it is now, written by a forked child (on the loop
        where there is no fork: disk/snapshot_writer)."""
        self._snapshot_write_s = 0.0
        seq = self.bus.next_seq - 1
        if seq <= self._snapshot_seq:
            return
        if self._recorder is not None:
            self._recorder.flush()  # the snapshot must never be ahead of the recording
        path = self.settings.snapshot_path
        self._snapshot_write_s = await write_snapshot(self.projection, seq, path)
        self._snapshot_seq = seq
        # Freed memory back to the system: a dump's tens of MB where it ran on the loop, and
        # what a minute of frames left behind where a child wrote it.
        release_free_memory()

    async def close(self) -> None:
        """Stop the CSMS, then write and close the store, the recording and a snapshot.

        A disk that refuses is reported (and the journal keeps queued commands
        for the next run); closing goes on.
        """
        if self.api is not None:
            await self.api.close()
        await self.csms.close()
        if self.cluster is not None:
            await self.cluster.close()
        if self._keeper is not None:
            self._keeper.cancel()
            await asyncio.gather(self._keeper, return_exceptions=True)
            self._keeper = None
        if self._collecting is not None:
            self._collecting.cancel()
            await asyncio.gather(self._collecting, return_exceptions=True)
            self._collecting = None
        try:
            self.store.close()
        except OSError as exc:
            self._health.failed(Part.STORE, exc)
        if self._recorder is not None:
            self._unsubscribe_recorder()
            self._recorder.close()
            await asyncio.gather(*self._recorder.compressing, return_exceptions=True)
            self._recorder = None
            await self._step(Part.SNAPSHOT, self._save_snapshot)
        self._lock.release()  # last: nothing of this run writes to the data dir after it
