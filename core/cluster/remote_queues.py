"""The console's side of the cluster's command queues: what `Commands` asks of a CSMS,
answered over the bus.

A command becomes a record in the key-value bucket (core/cluster/command_record.py);
the node that holds the station sees it there, takes it, and writes back how it
ended. One watcher of the whole bucket keeps
the queue pane's view and resolves each command's future. A station held by no
node keeps its commands in the bucket until it connects to one.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from ..clock import Clock
from ..csms.builders.contract import CommandUnavailable
from ..csms.outbound_queue import (
    CallState,
    CancelRefused,
    Outcome,
    QueuedCall,
    QueuedCallRecord,
    payload_from_json,
    payload_to_json,
)
from ..model.state import State
from .command_record import CommandRecord, read_record
from .link import Link
from .subjects import QUEUE_KEYS, queue_key

log = logging.getLogger("ocppdeck.cluster")

MAX_SHOWN = 2000  # records the queue pane keeps, newest kept
ID_TRIES = 5  # ids drawn before a submit gives up (a clash is one in a thousand a millisecond)


class RemoteQueues:
    """Queues commands on the bus for whichever node holds the station."""

    def __init__(self, link: Link, clock: Clock, state: Callable[[], State]) -> None:
        self.link = link
        self._clock = clock
        self._state = state
        self._records: OrderedDict[int, tuple[CommandRecord, int]] = OrderedDict()
        self._mine: dict[int, QueuedCall] = {}  # submitted here, not finished yet
        self._tasks: set[asyncio.Task[None]] = set()
        self._request_ids = random.Random()

    # --- what Commands asks of a CSMS ------------------------------------------
    def is_connected(self, station_id: str) -> bool:
        """Whether a node holds the station now, as the stream says."""
        state = self._state()
        station = state.stations.get(station_id)
        return station is not None and state.is_online(station)

    def next_request_id(self) -> int:
        """A request id for a 2.x call, random: consoles share no counter."""
        return self._request_ids.randrange(1, 2**31)

    def submit(self, station_id: str, payload: Any, validate: bool = True) -> QueuedCall:
        """Queue a call on the bus; its future ends when a node writes how it ended."""
        if self.link.queue is None:
            raise CommandUnavailable("not connected to the bus: nothing can be queued")
        command = QueuedCall(station_id, payload, id=self._new_id(), validate=validate)
        record = CommandRecord(
            command.id,
            station_id,
            command.action,
            payload_to_json(payload),
            self._clock.now(),
            validate,
        )
        self._mine[command.id] = command
        task = asyncio.create_task(self._queue(self.link.queue, record, command))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return command

    def _new_id(self) -> int:
        # Milliseconds and three random digits: unique enough, and `create` refuses a clash.
        return int(self._clock.now() * 1000) * 1000 + random.randrange(1000)

    async def _queue(self, bucket: KeyValue, record: CommandRecord, command: QueuedCall) -> None:
        for _ in range(ID_TRIES):
            key = queue_key(record.station, record.id)
            try:
                await bucket.create(key, record.to_bytes())
                break
            except KeyWrongLastSequenceError:  # the id is taken: draw another
                self._mine.pop(record.id, None)
                command.id = self._new_id()
                record = dataclasses.replace(record, id=command.id)
                self._mine[command.id] = command
            except Exception as exc:
                self._fail(command, f"not queued on the bus: {exc}")
                return
        else:
            self._fail(command, "not queued on the bus: no free command id")

    def _fail(self, command: QueuedCall, detail: str) -> None:
        self._mine.pop(command.id, None)
        command.state = CallState.FAILED
        if not command.future.done():
            command.future.set_result(Outcome(CallState.FAILED, "NotQueued", detail))

    def cancel(self, command_id: int) -> QueuedCall:
        """Cancel a command no node has taken yet (its station is offline)."""
        found = self._records.get(command_id)
        bucket = self.link.queue
        if found is None or bucket is None:
            raise CancelRefused(f"no command {command_id}")
        record, revision = found
        if record.finished:
            raise CancelRefused(f"command {command_id} has already ended: {record.state}")
        if record.holder:
            raise CancelRefused(
                f"command {command_id} is at node {record.holder}, whose station is connected: "
                "it goes out now"
            )
        ended = dataclasses.replace(
            record,
            state=CallState.CANCELLED.value,
            status="Cancelled",
            detail="by the operator",
            finished_at=self._clock.now(),
        )
        task = asyncio.create_task(self._cancel(bucket, ended, revision))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return self._mine.get(command_id) or QueuedCall(
            record.station, payload_from_json(record.payload), id=command_id
        )

    async def _cancel(self, bucket: KeyValue, ended: CommandRecord, revision: int) -> None:
        try:
            await bucket.update(queue_key(ended.station, ended.id), ended.to_bytes(), last=revision)
        except KeyWrongLastSequenceError:
            log.warning("command %s was taken before the cancel reached it", ended.id)

    def commands_overview(self) -> list[QueuedCallRecord]:
        """The bucket's commands, oldest first (the newest MAX_SHOWN)."""
        shown = [record.overview() for record, _ in self._records.values()]
        return sorted(shown, key=lambda r: (r.created_at, r.id))

    async def disconnect(self, station_id: str, reason: str) -> None:
        """A console of the cluster holds no connection: the registry is each node's own."""
        raise CommandUnavailable("the cluster console cannot close a station's connection")

    # --- the bucket's changes ----------------------------------------------------
    async def watch(self, bucket: KeyValue) -> None:
        """Mirror the bucket until cancelled."""
        watcher = await bucket.watch(QUEUE_KEYS)
        try:
            async for entry in watcher:
                if entry is not None and entry.value:
                    self._changed(entry.value, entry.revision)
        finally:
            await watcher.stop()

    def _changed(self, value: bytes, revision: int) -> None:
        record = read_record(value)
        if record is None:
            return
        self._records[record.id] = (record, revision)
        self._records.move_to_end(record.id)
        while len(self._records) > MAX_SHOWN:
            self._records.popitem(last=False)
        command = self._mine.get(record.id)
        if command is None:
            return
        command.state = CallState(record.state)
        if record.finished:
            del self._mine[record.id]
            outcome = Outcome(CallState(record.state), record.status, record.detail)
            if not command.future.done():
                command.future.set_result(outcome)

    async def close(self) -> None:
        """Stop the tasks still writing to the bucket."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
