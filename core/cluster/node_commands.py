"""A node's side of the cluster's command queues: it takes the commands of the
stations it holds into its own outbound queue, and writes back how they ended.

The queued commands live in the key-value bucket, one record a command
(core/cluster/command_record.py), so they outlive any node. Each node watches the
whole bucket (one consumer, however many stations; commands are few next to
frames) and keeps the unfinished records in memory. A record for a station
connected here is taken as it arrives; when a station connects, its waiting
records are taken too, including those another node held (the station left
it). Taking a record is a compare-and-set on its revision, so two nodes never
both take one record at once. When the station leaves, the commands not yet
sent go back to the bucket for the next node it connects to; one in flight ends
as on one node (its answer, or "station left"). Delivery is at least once: a
node killed after sending a command and before writing its outcome leaves it to
be sent again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Coroutine
from typing import Any, Protocol

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from ..clock import Clock
from ..csms.builders.contract import CommandUnavailable
from ..csms.outbound_queue import CallState, CancelRefused, QueuedCall, payload_from_json
from ..wire.frame import Frame, Kind
from .command_record import CommandRecord, read_record
from .link import Link
from .subjects import QUEUE_KEYS, queue_key

log = logging.getLogger("ocppdeck.cluster")

MAX_WAITING = 100_000  # unfinished records a node keeps in memory; past it, newer ones wait


@dataclasses.dataclass(frozen=True, slots=True)
class _Waiting:
    """An unfinished record as the bucket last showed it."""

    key: str
    record: CommandRecord
    revision: int


class LocalQueues(Protocol):
    """What the node needs of its CSMS: its durable outbound queues."""

    def submit(self, station_id: str, payload: Any, validate: bool = True) -> QueuedCall: ...

    def cancel(self, command_id: int) -> QueuedCall: ...


class NodeCommands:
    """Takes the bucket's commands of the stations connected to this node."""

    def __init__(self, link: Link, node: str, csms: LocalQueues, clock: Clock) -> None:
        self.link = link
        self.node = node
        self._csms = csms
        self._clock = clock
        self._connected: set[str] = set()
        self._waiting: dict[str, dict[int, _Waiting]] = {}  # unfinished records, by station
        self._waiting_count = 0
        self._taking: set[int] = set()  # records being taken here (their update on its way)
        self._held: dict[int, QueuedCall] = {}  # records taken here, by id: the local command
        self._withdrawn: set[int] = set()  # local ids cancelled because the station left
        self._tasks: set[asyncio.Task[None]] = set()
        self._watch: asyncio.Task[None] | None = None
        self._full_noted = False
        link.when_up(self._watch_bucket)

    def on_frame(self, frame: Frame) -> None:
        """Follow which stations are connected here (subscribe to the node's bus)."""
        if frame.kind is Kind.CONNECTED:
            self._connected.add(frame.station)
            for waiting in list(self._waiting.get(frame.station, {}).values()):
                self._spawn(self._take(waiting, take_over=True))
        elif frame.kind is Kind.DISCONNECTED and frame.station in self._connected:
            self._connected.discard(frame.station)
            self._let_go(frame.station)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _watch_bucket(self) -> None:
        """NATS (back) up: watch the bucket afresh (the unfinished records come first)."""
        if self._watch is not None:
            self._watch.cancel()
        self._watch = asyncio.create_task(self._follow(), name="cluster-commands")

    async def _follow(self) -> None:
        bucket = self.link.queue
        if bucket is None:
            return
        try:
            watcher = await bucket.watch(QUEUE_KEYS)
            try:
                async for entry in watcher:
                    if entry is not None:
                        self._changed(entry.key, entry.value or b"", entry.revision)
            finally:
                await watcher.stop()
        except Exception as exc:  # NATS fell: the next `_watch_bucket` starts again
            log.warning("the command bucket is not watched: %s", exc)

    def _changed(self, key: str, value: bytes, revision: int) -> None:
        record = read_record(value)
        if record is None or key != queue_key(record.station, record.id):
            return
        of_station = self._waiting.setdefault(record.station, {})
        known = record.id in of_station
        if record.finished:
            if known:
                del of_station[record.id]
                self._waiting_count -= 1
            if not of_station:
                del self._waiting[record.station]
            return
        if not known and self._waiting_count >= MAX_WAITING:
            if not self._full_noted:
                log.warning("over %d commands wait in the bucket: newer ones wait", MAX_WAITING)
                self._full_noted = True
            if not of_station:
                del self._waiting[record.station]
            return
        self._waiting_count += not known
        waiting = of_station[record.id] = _Waiting(key, record, revision)
        mine_to_resume = record.holder == self.node and record.id not in self._held
        if record.station in self._connected and (not record.holder or mine_to_resume):
            self._spawn(self._take(waiting, take_over=mine_to_resume))

    async def _take(self, waiting: _Waiting, take_over: bool) -> None:
        """Take an unfinished command of a station connected here into the local queue;
        `take_over`: even when another node holds it."""
        bucket, record = self.link.queue, waiting.record
        busy = record.id in self._held or record.id in self._taking
        if bucket is None or busy or record.station not in self._connected:
            return
        if record.holder and record.holder != self.node and not take_over:
            return
        try:
            payload = payload_from_json(record.payload)
        except ValueError as exc:
            await self._end(bucket, waiting.key, record, CallState.FAILED, "NotSent", str(exc))
            return
        taken = dataclasses.replace(record, holder=self.node, state=CallState.QUEUED.value)
        self._taking.add(record.id)
        try:
            await bucket.update(waiting.key, taken.to_bytes(), last=waiting.revision)
            local = self._csms.submit(record.station, payload, record.validate)
        except KeyWrongLastSequenceError:
            return  # another node took it, or a console cancelled it, first
        except CommandUnavailable as exc:  # this node's disk refused it: back to the bucket
            log.warning("command %s not queued here: %s", record.id, exc)
            await self._release(bucket, waiting.key)
            return
        except Exception as exc:  # NATS fell: the record stays as it was, for a later take
            log.warning("command %s not taken: %s", record.id, exc)
            return
        finally:
            self._taking.discard(record.id)
        self._held[record.id] = local
        self._spawn(self._settle(waiting.key, taken, local))

    async def _settle(self, key: str, record: CommandRecord, local: QueuedCall) -> None:
        """Write how the command ended; or give it back when its station left first."""
        outcome = await local.future
        try:
            bucket = await self._bucket_when_up()
            if bucket is None:
                log.warning("outcome of command %s not written: NATS unreachable", record.id)
            elif local.id in self._withdrawn:
                await self._release(bucket, key)
            else:
                await self._end(bucket, key, record, outcome.state, outcome.status, outcome.detail)
        finally:
            # Only now: an older update of the record, still on its way, must not look
            # like one to take again (and its revision no longer matches if it did).
            self._held.pop(record.id, None)
            self._withdrawn.discard(local.id)

    async def _bucket_when_up(self, timeout: float = 60.0) -> KeyValue | None:
        try:
            await self.link.wait_up(timeout)
        except TimeoutError:
            return None
        return self.link.queue

    async def _end(
        self,
        bucket: KeyValue,
        key: str,
        record: CommandRecord,
        state: CallState,
        status: str,
        detail: str,
    ) -> None:
        ended = dataclasses.replace(
            record,
            state=state.value,
            status=status,
            detail=detail,
            finished_at=self._clock.now(),
        )
        try:
            await bucket.put(key, ended.to_bytes())
        except Exception as exc:
            log.warning("outcome of command %s not written: %s", record.id, exc)

    async def _release(self, bucket: KeyValue, key: str) -> None:
        """Give a command this node holds back to the bucket, unless another took it over.
        (Its station back here already takes it again as the bucket shows the change.)"""
        try:
            entry = await bucket.get(key)
            record = read_record(entry.value or b"")
            if record is None or record.finished or record.holder != self.node:
                return
            freed = dataclasses.replace(record, holder="")
            await bucket.update(key, freed.to_bytes(), last=entry.revision)
        except (KeyNotFoundError, KeyWrongLastSequenceError):
            return
        except Exception as exc:
            log.warning("command %s not given back: %s", key, exc)

    def _let_go(self, station: str) -> None:
        """The station left: withdraw its commands not sent yet, for the bucket's next taker."""
        for local in list(self._held.values()):
            if local.station != station or local.state is not CallState.QUEUED:
                continue
            self._withdrawn.add(local.id)
            try:
                self._csms.cancel(local.id)
            except (CancelRefused, CommandUnavailable):  # went in flight meanwhile
                self._withdrawn.discard(local.id)

    async def close(self) -> None:
        """Stop watching and every task (commands held stay held, for the next taker)."""
        tasks = [*self._tasks, *([self._watch] if self._watch is not None else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
