"""Every station's outbound queue, kept in the store so no command is lost to a restart.

A command is on disk before `submit` returns (the store's journal, fsync'd):
a kill -9 the moment after the console says "queued" loses nothing. Its
changes of state go to the store with its batched writes; a run that starts
finds the unfinished commands and queues them again, in order, for the
station's next connection. When the disk refuses a new command it is not
queued, and `submit` says so (NotQueued).
"""

from __future__ import annotations

import logging
from typing import Any

from ..clock import Clock
from ..disk.health import describe
from .builders.contract import CommandUnavailable
from .outbound_queue import (
    Caller,
    CallState,
    CancelRefused,
    Outcome,
    QueuedCall,
    QueuedCallRecord,
    StationQueue,
    payload_from_json,
    payload_to_json,
)
from .send_gate import SendGate
from .store import Store

log = logging.getLogger("ocppdeck.outbound")


class NotQueued(CommandUnavailable):
    """The disk refused a new command: it was not queued and will not be sent."""


class DurableQueues:
    """The outbound queue of each station, made on first use, its commands in the store."""

    def __init__(self, store: Store, clock: Clock, timeout: float) -> None:
        self.store = store
        self.clock = clock
        self.timeout = timeout
        self._queues: dict[str, StationQueue] = {}

    def of(self, station_id: str) -> StationQueue:
        """The station's queue."""
        found = self._queues.get(station_id)
        if found is None:
            found = self._queues[station_id] = StationQueue(
                station_id, timeout=self.timeout, on_change=self._changed
            )
        return found

    def attach(self, station_id: str, session: Caller, gate: SendGate) -> None:
        """Send the station's commands through a session that just connected, as its
        gate allows."""
        self.of(station_id).attach(session, gate)

    async def settle(self, station_id: str, timeout: float) -> None:
        """Let the station's call in flight take an answer that already came in."""
        await self.of(station_id).settle(timeout)

    def detach(self, station_id: str) -> None:
        """The station left: its commands wait."""
        self.of(station_id).detach()

    def submit(self, station_id: str, payload: Any, validate: bool = True) -> QueuedCall:
        """Queue a call (an `ocpp` call payload), on disk before this returns; NotQueued
        when the disk refuses it.

        `validate` False sends it without the library's schema check (a crafted message).
        """
        record = {
            "station": station_id,
            "action": type(payload).__name__,
            "payload": payload_to_json(payload),
            "created_at": self.clock.now(),
            "state": CallState.QUEUED.value,
        }
        try:
            command_id = self.store.add_command(record)
        except OSError as exc:
            why = describe(exc)
            raise NotQueued(f"not queued, the data dir cannot be written: {why}") from None
        queued = QueuedCall(station_id, payload, id=command_id, validate=validate)
        return self.of(station_id).enqueue(queued)

    def cancel(self, command_id: int) -> QueuedCall:
        """Cancel a queued command; CancelRefused says why when it cannot be."""
        record = next((r for r in self.store.commands() if r["id"] == command_id), None)
        if record is None:
            raise CancelRefused(f"no command {command_id}")
        if CallState(record["state"]).finished:
            raise CancelRefused(f"command {command_id} has already ended: {record['state']}")
        return self.of(record["station"]).cancel(command_id)

    def overview(self) -> list[QueuedCallRecord]:
        """Every persisted command (queued, in flight and recent history), oldest first."""
        return [
            QueuedCallRecord(
                id=r["id"],
                station=r["station"],
                action=r["action"],
                state=CallState(r["state"]),
                created_at=r["created_at"],
                status=r.get("status", ""),
                detail=r.get("detail", ""),
            )
            for r in self.store.commands()
        ]

    def _changed(self, command: QueuedCall, outcome: Outcome | None) -> None:
        """Write a command's new state to the store."""
        if outcome is None:
            self.store.update_command(command.id, state=command.state.value)
            return
        self.store.update_command(
            command.id,
            state=outcome.state.value,
            status=outcome.status,
            detail=outcome.detail,
            finished_at=self.clock.now(),
        )

    def restore(self) -> None:
        """Queue again, in their order, the commands a previous run had not finished.

        One in flight when that run ended may or may not have reached the
        station; it goes again (at least once): OCPP calls are meant to be
        safe to repeat, and a lost command is worse than a repeated one.
        """
        for record in self.store.commands():
            if CallState(record["state"]).finished:
                continue
            try:
                payload = payload_from_json(record["payload"])
            except ValueError as exc:
                log.warning("command %s not restored: %s", record["id"], exc)
                self.store.update_command(
                    record["id"],
                    state=CallState.FAILED.value,
                    status="NotRestored",
                    detail=str(exc),
                    finished_at=self.clock.now(),
                )
                continue
            if record["state"] != CallState.QUEUED.value:
                self.store.update_command(record["id"], state=CallState.QUEUED.value)
            station_id = record["station"]
            self.of(station_id).enqueue(QueuedCall(station_id, payload, id=record["id"]))

    async def close(self) -> None:
        """Stop every worker; a call in flight goes back to its queue, for the next run."""
        for queue in self._queues.values():
            await queue.close()
