"""Per-station outbound queue: CSMS-initiated calls, one in flight (OCPP-J rule).

Commands wait here while a station is offline and go out in order when it
(re)connects, as its connection's gate allows (core/csms/send_gate.py: not
before the station's first message is answered; while its boot is Pending,
only what the spec allows, the rest waiting their turn in order). A station
that never answers does not block its queue: each
call has a timeout, then the next one goes. The queue itself is in memory;
its owner makes it durable through `on_change` (the CSMS writes every change
to the store) and `enqueue` (the CSMS puts restored commands back).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import import_module
from typing import Any, Protocol

from ocpp.exceptions import OCPPError
from websockets.exceptions import ConnectionClosed

from ..dialects import DIALECTS
from .answer_status import answer_status, means_done
from .send_gate import Clearance, SendGate

log = logging.getLogger("ocppdeck.outbound")


class Caller(Protocol):
    """What the queue needs of a session: the `ocpp` library's `call`."""

    async def call(self, payload: Any, suppress: bool = True) -> Any: ...


class CallState(StrEnum):
    """Where a command is in its life."""

    QUEUED = "queued"
    IN_FLIGHT = "in flight"
    ANSWERED = "answered"
    FAILED = "failed"
    TIMED_OUT = "timed out"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        """Whether the command has ended (it will never be sent again)."""
        return self not in (CallState.QUEUED, CallState.IN_FLIGHT)


class CancelRefused(Exception):
    """A command that cannot be cancelled; the message says why, for the user."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a command ended: the station's status word, a CallError, a timeout."""

    state: CallState
    status: str  # e.g. Accepted, Rejected, NotImplemented, Timeout
    detail: str = ""
    response: Any = None

    @property
    def accepted(self) -> bool:
        """Answered, and every status in the answer says it was done (see answer_status)."""
        return self.state is CallState.ANSWERED and means_done(self.status)


@dataclass(slots=True)
class QueuedCall:
    """One CSMS-initiated call waiting to go to a station."""

    station: str
    payload: Any
    id: int  # durable: the store's record of it
    state: CallState = CallState.QUEUED
    future: asyncio.Future[Outcome] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    validate: bool = True  # False: sent without the library's schema check (message crafter)

    @property
    def action(self) -> str:
        """The OCPP action name of the call."""
        return type(self.payload).__name__


@dataclass(frozen=True, slots=True)
class QueuedCallRecord:
    """One command as the queue pane shows it: plain values, no future, no payload."""

    id: int
    station: str
    action: str
    state: CallState
    created_at: float
    status: str = ""
    detail: str = ""


# Where a payload may be rebuilt from: the `ocpp` library's call modules, nothing else.
CALL_MODULES = frozenset(f"{d.library}.call" for d in DIALECTS.values())


def payload_to_json(payload: Any) -> dict[str, Any]:
    """An `ocpp` call dataclass as plain JSON: its module, class and non-None fields."""
    module = type(payload).__module__
    if module not in CALL_MODULES or not dataclasses.is_dataclass(payload):
        raise TypeError(f"not an ocpp call payload: {payload!r}")
    fields = {k: v for k, v in dataclasses.asdict(payload).items() if v is not None}
    return {"module": module, "name": type(payload).__name__, "fields": fields}


def payload_from_json(data: dict[str, Any]) -> Any:
    """The call dataclass `payload_to_json` described; ValueError when it cannot be rebuilt."""
    module = data.get("module")
    if module not in CALL_MODULES:
        raise ValueError(f"unknown call module {module!r}")
    cls = getattr(import_module(module), str(data.get("name")), None)
    if cls is None or not dataclasses.is_dataclass(cls):
        raise ValueError(f"no call {data.get('name')!r} in {module}")
    try:
        return cls(**data.get("fields", {}))
    except TypeError as exc:  # fields of another library version
        raise ValueError(str(exc)) from None


# Called on each change of a command's state, with its outcome once it has one.
ChangeHook = Callable[[QueuedCall, Outcome | None], None]


class StationQueue:
    """The outbound queue of one station; a worker drains it while a session is attached."""

    def __init__(
        self, station_id: str, timeout: float = 30.0, on_change: ChangeHook | None = None
    ) -> None:
        self.station_id = station_id
        self.timeout = timeout
        self._on_change = on_change
        self._pending: deque[QueuedCall] = deque()
        self._wake = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._closing = False
        self.in_flight: QueuedCall | None = None

    def enqueue(self, command: QueuedCall) -> QueuedCall:
        """Queue a command made elsewhere (with a durable id, or restored after a restart)."""
        self._pending.append(command)
        self._wake.set()
        return command

    def cancel(self, command_id: int) -> QueuedCall:
        """Withdraw a queued command: it is never sent and ends CANCELLED.

        A command in flight cannot be cancelled: OCPP has no way to recall a
        CALL, so it ends with the station's answer or its timeout.
        """
        if self.in_flight is not None and self.in_flight.id == command_id:
            raise CancelRefused(
                f"command {command_id} is in flight: OCPP cannot recall a call already sent; "
                "it ends with the answer or the timeout"
            )
        command = next((c for c in self._pending if c.id == command_id), None)
        if command is None:
            raise CancelRefused(f"command {command_id} is not queued for {self.station_id}")
        self._pending.remove(command)
        self._finish(command, Outcome(CallState.CANCELLED, "Cancelled", "by the operator"))
        return command

    def attach(self, session: Caller, gate: SendGate | None = None) -> None:
        """Start sending through `session` (a newly connected station) what its `gate`
        allows (no gate: everything)."""
        self.detach()
        gate = gate if gate is not None else SendGate(Clearance.OPEN)
        gate.on_change = self._wake.set
        self._worker = asyncio.create_task(
            self._drain(session, gate), name=f"outbound:{self.station_id}"
        )

    async def settle(self, timeout: float) -> None:
        """Let the call in flight take the answer that already came in (a station that
        answers and then closes at once), for at most `timeout` seconds."""
        if self.in_flight is not None:
            await asyncio.wait({self.in_flight.future}, timeout=timeout)

    def detach(self) -> None:
        """Stop sending (the station went away); queued commands stay queued."""
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None

    async def close(self) -> None:
        """Stop the worker and wait for it (ocppdeck is shutting down).

        A command in flight goes back to the head of the queue, unresolved: its
        answer can no longer arrive, and a durable queue sends it again after
        the restart (at least once), as it would after a crash.
        """
        worker, self._worker = self._worker, None
        if worker is not None:
            self._closing = True
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)

    def _next_for(self, gate: SendGate) -> QueuedCall | None:
        """The oldest queued command the gate lets through, taken off the queue."""
        command = next((c for c in self._pending if gate.allows(c.action)), None)
        if command is not None:
            self._pending.remove(command)
        return command

    async def _drain(self, session: Caller, gate: SendGate) -> None:
        while True:
            if self._worker is not asyncio.current_task():
                # Detached, but the cancel was swallowed (asyncio.wait_for returns a result
                # that finished at the same moment): never send through a stale session.
                return
            command = self._next_for(gate)
            if command is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            self._changed(command, CallState.IN_FLIGHT)
            self.in_flight = command
            try:
                outcome = await self._send(session, command)
            except asyncio.CancelledError:
                if self._closing:
                    self._pending.appendleft(command)
                    self._changed(command, CallState.QUEUED)
                else:
                    self._finish(
                        command, Outcome(CallState.FAILED, "ConnectionLost", "station left")
                    )
                raise
            finally:
                self.in_flight = None
            self._finish(command, outcome)

    def _changed(self, command: QueuedCall, state: CallState) -> None:
        command.state = state
        if self._on_change is not None:
            self._on_change(command, None)

    def _finish(self, command: QueuedCall, outcome: Outcome) -> None:
        command.state = outcome.state
        if not command.future.done():
            command.future.set_result(outcome)
        if self._on_change is not None:
            self._on_change(command, outcome)

    async def _send(self, session: Caller, command: QueuedCall) -> Outcome:
        try:
            # Only a crafted message asks to skip validation; other callers keep `call`'s defaults.
            skip = {} if command.validate else {"skip_schema_validation": True}
            # wait_for, not asyncio.timeout: an answer that came as the link dropped is
            # still taken (and recorded) when the worker is cancelled for the disconnect.
            response = await asyncio.wait_for(
                session.call(command.payload, suppress=False, **skip), self.timeout
            )
        except OCPPError as exc:
            # Its traceback's frames (wait_for's, the call's) hold the session in a cycle
            # with the inner task that keeps the error: dropped, the closed connection goes
            # at once rather than at the long run's next full collection.
            exc.__traceback__ = None
            return Outcome(CallState.FAILED, exc.code, str(exc.description or ""))
        except TimeoutError:
            return Outcome(CallState.TIMED_OUT, "Timeout", f"no answer in {self.timeout:g}s")
        except ConnectionClosed:
            return Outcome(CallState.FAILED, "ConnectionLost", "station left")
        except Exception as exc:  # a payload the library refuses to send
            log.warning("%s %s not sent: %s", self.station_id, command.action, exc)
            return Outcome(CallState.FAILED, "NotSent", str(exc))
        said = answer_status(response)
        return Outcome(CallState.ANSWERED, said.status, said.detail, response)
