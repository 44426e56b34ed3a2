"""Per-station outbound queue: CSMS-initiated calls, one in flight (OCPP-J rule).

Commands wait here while a station is offline and go out in order when it
(re)connects. A station that never answers does not block its queue: each
call has a timeout, then the next one goes.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from ocpp.exceptions import OCPPError
from websockets.exceptions import ConnectionClosed

log = logging.getLogger("ocppdeck.outbound")
_ids = itertools.count(1)


class Caller(Protocol):
    """What the queue needs of a session: the `ocpp` library's `call`."""

    async def call(self, payload: Any, suppress: bool = True) -> Any: ...


class CommandState(StrEnum):
    """Where a command is in its life."""

    QUEUED = "queued"
    IN_FLIGHT = "in flight"
    ANSWERED = "answered"
    FAILED = "failed"
    TIMED_OUT = "timed out"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a command ended: the station's status word, a CallError, a timeout."""

    state: CommandState
    status: str  # e.g. Accepted, Rejected, NotImplemented, Timeout
    detail: str = ""
    response: Any = None

    @property
    def accepted(self) -> bool:
        """Answered and not refused."""
        return self.state is CommandState.ANSWERED and self.status not in {
            "Rejected",
            "NotSupported",
            "Unknown",
        }


@dataclass(slots=True)
class Command:
    """One CSMS-initiated call waiting to go to a station."""

    station: str
    payload: Any
    id: int = field(default_factory=lambda: next(_ids))
    state: CommandState = CommandState.QUEUED
    future: asyncio.Future[Outcome] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    @property
    def action(self) -> str:
        """The OCPP action name of the call."""
        return type(self.payload).__name__


class StationQueue:
    """The outbound queue of one station; a worker drains it while a session is attached."""

    def __init__(self, station_id: str, timeout: float = 30.0) -> None:
        self.station_id = station_id
        self.timeout = timeout
        self._pending: deque[Command] = deque()
        self._wake = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self.in_flight: Command | None = None

    def submit(self, payload: Any) -> Command:
        """Queue a call (an `ocpp` call payload); await `command.future` for its outcome."""
        command = Command(self.station_id, payload)
        self._pending.append(command)
        self._wake.set()
        return command

    def pending(self) -> list[Command]:
        """Commands not yet sent, in order."""
        return list(self._pending)

    def attach(self, session: Caller) -> None:
        """Start sending through `session` (a newly connected station)."""
        self.detach()
        self._worker = asyncio.create_task(self._drain(session), name=f"outbound:{self.station_id}")

    def detach(self) -> None:
        """Stop sending (the station went away); queued commands stay queued."""
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None

    async def close(self) -> None:
        """Stop the worker and wait for it."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)

    async def _drain(self, session: Caller) -> None:
        while True:
            if self._worker is not asyncio.current_task():
                # Detached, but the cancel was swallowed (asyncio.wait_for returns a result
                # that finished at the same moment): never send through a stale session.
                return
            if not self._pending:
                self._wake.clear()
                await self._wake.wait()
                continue
            command = self._pending.popleft()
            if command.future.done():  # cancelled by the operator while queued
                continue
            command.state = CommandState.IN_FLIGHT
            self.in_flight = command
            try:
                outcome = await self._send(session, command)
            except asyncio.CancelledError:
                _finish(command, Outcome(CommandState.FAILED, "ConnectionLost", "station left"))
                raise
            finally:
                self.in_flight = None
            _finish(command, outcome)

    async def _send(self, session: Caller, command: Command) -> Outcome:
        try:
            response = await asyncio.wait_for(
                session.call(command.payload, suppress=False), self.timeout
            )
        except OCPPError as exc:
            return Outcome(CommandState.FAILED, exc.code, str(exc.description or ""))
        except TimeoutError:
            return Outcome(CommandState.TIMED_OUT, "Timeout", f"no answer in {self.timeout:g}s")
        except ConnectionClosed:
            return Outcome(CommandState.FAILED, "ConnectionLost", "station left")
        except Exception as exc:  # a payload the library refuses to send
            log.warning("%s %s not sent: %s", self.station_id, command.action, exc)
            return Outcome(CommandState.FAILED, "NotSent", str(exc))
        status = getattr(response, "status", None)
        word = getattr(status, "value", status) or "Answered"
        return Outcome(CommandState.ANSWERED, str(word), "", response)


def _finish(command: Command, outcome: Outcome) -> None:
    command.state = outcome.state
    if not command.future.done():
        command.future.set_result(outcome)
