"""What `Commands` asks of a CSMS, answered by a running instance through its API.

An attached console (core/api/attached.py) builds and checks every command here, as a
console on the CSMS does, then hands the call to the CSMS's own validation and outbound
queue by `POST /api/stations/{station}/commands/{action}`. The call is a `QueuedCall` at
once; its future settles with the station's answer when the API returns it, or, for a
command that waits (the station offline, or a queue ahead of it), when the CSMS's queue
says it ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable
from typing import Any

import aiohttp
from ocpp.charge_point import camel_to_snake_case

from ..clock import Clock, parse_iso
from ..csms.builders.contract import CommandUnavailable
from ..csms.outbound_queue import CallState, Outcome, QueuedCall, QueuedCallRecord
from ..csms.schemas import wire_json
from ..dialects import UnknownDialect, dialect
from ..model.state import State
from .client import quoted

log = logging.getLogger("ocppdeck.api.relay")

OVERVIEW_EVERY_S = 1.0  # the queue is fetched at most this often, when the console reads it
WAIT_POLL_S = 2.0  # how often a command that waits in the CSMS's queue is looked up
# Request ids of an attached console: above the CSMS's own (which count up from the clock's
# seconds modulo 1e9), from its start's millisecond, so two consoles rarely meet; all
# below 2**31, as 1.6's integers are.
REMOTE_IDS = 1_000_000_000
NOT_SENT = "NotSent"
UNCHECKED = (
    "a message without the schema check goes only from a console on the CSMS itself: "
    "its API checks every payload"
)


def record_from(view: dict[str, Any]) -> QueuedCallRecord:
    """A queue entry as the API shows it (core/api/views.py: record_view), read back."""
    return QueuedCallRecord(
        int(view["id"]),
        str(view["station"]),
        str(view["action"]),
        CallState(view["state"]),
        parse_iso(view.get("createdAt") or "") or 0.0,
        str(view.get("status") or ""),
        str(view.get("detail") or ""),
    )


def answer_object(protocol: str, action: str, answer: Any) -> Any:
    """The station's answer as the `ocpp` library's call_result, as a console on the CSMS
    gets it; the plain JSON when no such class can hold it."""
    if not isinstance(answer, dict):
        return None
    try:
        cls = getattr(dialect(protocol).results, action, None)
        return cls(**camel_to_snake_case(answer)) if cls is not None else answer
    except (UnknownDialect, TypeError):
        return answer


class ApiRelay:
    """Submits, lists and cancels commands of a CSMS through its API (see the module)."""

    def __init__(
        self,
        session: Callable[[], aiohttp.ClientSession | None],
        state: Callable[[], State],
        clock: Clock,
    ) -> None:
        self._session = session  # the attached source's, None before start and after close
        self._state = state
        self._clock = clock
        self._ids = itertools.count(REMOTE_IDS + int(clock.now() * 1000) % REMOTE_IDS)
        self._records: list[QueuedCallRecord] = []
        self._fetched_at = float("-inf")
        self._tasks: set[asyncio.Task[None]] = set()
        self._fetching: asyncio.Task[None] | None = None

    # --- what Commands calls ------------------------------------------------
    def is_connected(self, station_id: str) -> bool:
        """Whether the station is online, as the folded frames say."""
        state = self._state()
        station = state.stations.get(station_id)
        return station is not None and state.is_online(station)

    def next_request_id(self) -> int:
        """A fresh requestId / remoteStartId (see REMOTE_IDS)."""
        return next(self._ids)

    def submit(self, station_id: str, payload: Any, validate: bool = True) -> QueuedCall:
        """Hand a call to the CSMS; its future settles with the outcome."""
        if not validate:
            raise CommandUnavailable(UNCHECKED)
        if self._session() is None:
            raise CommandUnavailable("not attached to the API")
        queued = QueuedCall(station_id, payload, id=0)
        self._spawn(self._send(queued))
        return queued

    def commands_overview(self) -> list[QueuedCallRecord]:
        """The CSMS's queue as last fetched; asking starts the next fetch (at most one a
        second), so a screen that redraws on a timer sees it move."""
        now = self._clock.now()
        idle = self._fetching is None or self._fetching.done()
        if idle and now - self._fetched_at >= OVERVIEW_EVERY_S:
            self._fetched_at = now
            self._fetching = self._spawn(self._fetch_overview())
        return list(self._records)

    def cancel(self, command_id: int) -> QueuedCall:
        """Withdraw a queued command: refused at once when the last fetch shows it sent or
        ended, else asked of the CSMS (the queue shows how that went)."""
        record = next((r for r in self._records if r.id == command_id), None)
        if record is None:
            raise CommandUnavailable(f"no command {command_id}")
        if record.state is not CallState.QUEUED:
            raise CommandUnavailable(f"command {command_id} is {record.state.value}")
        self._spawn(self._withdraw(command_id))
        # The queue screen names what it cancelled: a call of the action's name stands in.
        stand_in = type(record.action, (), {})()
        return QueuedCall(record.station, stand_in, command_id, CallState.CANCELLED)

    async def disconnect(self, station_id: str, reason: str) -> None:
        """Nothing to do here: the API's reject disconnects the station itself."""

    # --- lifetime -------------------------------------------------------------
    async def close(self) -> None:
        """Stop waiting for answers; a command's future ends as not known."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _spawn(self, work: Any) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # --- the requests ---------------------------------------------------------
    async def _request(
        self, method: str, path: str, body: Any = None, **query: str
    ) -> tuple[int, Any]:
        session = self._session()
        if session is None:
            raise aiohttp.ClientConnectionError("not attached")
        async with session.request(method, path, json=body, params=query) as response:
            data = await response.json(content_type=None) if response.status != 204 else None
            return response.status, data

    async def _fetch_overview(self) -> None:
        with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError, KeyError):
            status, body = await self._request("GET", "/api/queue")
            if status == 200:
                self._records = [record_from(v) for v in body["commands"]]

    async def _withdraw(self, command_id: int) -> None:
        try:
            status, body = await self._request("DELETE", f"/api/queue/{command_id}")
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("cancel of command %d not sent: %s", command_id, exc)
            return
        if status != 200:
            log.warning("cancel of command %d refused: %s", command_id, body)
        self._fetched_at = float("-inf")  # show the outcome at the next look

    async def _send(self, queued: QueuedCall) -> None:
        try:
            await self._deliver(queued)
        except asyncio.CancelledError:
            self._settle(queued, Outcome(CallState.FAILED, "Unknown", "the console closed"))
            raise

    async def _deliver(self, queued: QueuedCall) -> None:
        action = queued.action
        path = f"/api/stations/{quoted(queued.station)}/commands/{quoted(action)}"
        try:
            status, body = await self._request("POST", path, wire_json(queued.payload))
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            detail = f"the API did not answer ({exc}); the queue (w) shows whether it went"
            self._settle(queued, Outcome(CallState.FAILED, NOT_SENT, detail))
            return
        try:
            outcome = self._read_answer(queued, body if isinstance(body, dict) else {}, status)
        except (ValueError, TypeError) as exc:  # not what this API answers
            outcome = Outcome(CallState.FAILED, "Unknown", f"the API's answer not read: {exc}")
        if outcome is None:  # queued behind others, or for a station offline: wait for its end
            await self._await_end(queued)
        else:
            self._settle(queued, outcome)

    def _read_answer(self, queued: QueuedCall, body: dict[str, Any], status: int) -> Outcome | None:
        """The outcome the API's answer gives; None when the command waits in the queue."""
        entry = body.get("command")
        if isinstance(entry, dict):
            queued.id = int(entry.get("id") or 0)
            queued.state = CallState(entry.get("state") or CallState.QUEUED.value)
        outcome = body.get("outcome")
        if isinstance(outcome, dict):
            return self._outcome(queued, outcome)
        if queued.id:
            return None
        return Outcome(CallState.FAILED, NOT_SENT, str(body.get("error") or f"HTTP {status}"))

    def _outcome(self, queued: QueuedCall, view: dict[str, Any]) -> Outcome:
        protocol = self._protocol(queued.station)
        return Outcome(
            CallState(view.get("state") or CallState.FAILED.value),
            str(view.get("status") or ""),
            str(view.get("detail") or ""),
            answer_object(protocol, queued.action, view.get("answer")),
        )

    def _protocol(self, station_id: str) -> str:
        station = self._state().stations.get(station_id)
        return station.protocol if station is not None else ""

    async def _await_end(self, queued: QueuedCall) -> None:
        while True:
            await asyncio.sleep(WAIT_POLL_S)
            try:
                status, body = await self._request("GET", "/api/queue", station=queued.station)
                views = body["commands"] if status == 200 else None
            except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError):
                continue  # the API is away: look again once it is back
            if views is None:
                continue
            found = next((v for v in views if v.get("id") == queued.id), None)
            if found is None:  # the CSMS forgot it (a restart, or its history moved on)
                detail = "no longer in the CSMS's queue"
                self._settle(queued, Outcome(CallState.FAILED, "Unknown", detail))
                return
            record = record_from(found)
            queued.state = record.state
            if record.state.finished:
                self._settle(queued, Outcome(record.state, record.status, record.detail))
                return

    @staticmethod
    def _settle(queued: QueuedCall, outcome: Outcome) -> None:
        queued.state = outcome.state
        if not queued.future.done():
            queued.future.set_result(outcome)
