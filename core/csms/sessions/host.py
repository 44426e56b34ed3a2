"""What a station's session asks of the CSMS that holds it.

The sessions (one answers class per dialect) see the CSMS only through this,
so they never import the server that imports them.
"""

from __future__ import annotations

import logging
from types import ModuleType
from typing import Any, Protocol

from ocpp.charge_point import remove_nones, serialize_as_dict, snake_to_camel_case
from ocpp.messages import Call, CallResult, unpack

from .. import validators
from ..authorization import Authorization
from ..call_errors import ErrorCodes, Refusal, Verdict, refuse_call, screen
from ..send_gate import SendGate


class SessionHost(Protocol):
    """The CSMS as its sessions see it."""

    heartbeat_interval: int  # seconds, told to a booting station
    call_timeout: float  # seconds a CSMS call waits for its answer
    ocpp_log: logging.Logger  # where the library logs

    def now_iso(self) -> str:
        """The CSMS's time as an OCPP timestamp."""
        ...

    def authorize(
        self, id_tag: str, token_type: str = "", starting: str | None = None
    ) -> Authorization:
        """The answer for an id tag now; `starting` when a transaction starts with it ("" for
        1.6, the transaction id for 2.x), so a tag already charging is ConcurrentTx."""
        ...

    def boot_status(self, station_id: str) -> str:
        """How to answer the station's boot: Accepted, Pending or Rejected."""
        ...

    def next_transaction_id(self) -> int:
        """A 1.6 transaction id never handed out before."""
        ...

    def validates(self, station_id: str) -> bool:
        """Whether the station's payloads are checked against the schemas."""
        ...

    def booted(self, station_id: str) -> None:
        """A station's boot was answered: ask it what it has, once it is accepted."""
        ...


class SessionAnswers:
    """What every dialect's answers share: the CSMS they answer for, on the library's
    ChargePoint of the station's version (next in the MRO, mixed in by the registry).

    Every message passes core/csms/call_errors.py before the library routes it, so
    a station gets its own version's CallError for what it sends wrong, and every
    CALL gets an answer. Each answer sent moves the connection's `gate`
    (core/csms/send_gate.py): the CSMS's own calls wait for the first one.

    Payloads are validated by core/csms/validators.py, inline, in both directions:
    the station's calls (in `refuse_call`), the answers sent to them (`_send`), the
    CSMS's calls (`call`) and their answers (`_get_specific_response`). The
    library's own validation, on a thread pool, is switched off for this session.
    """

    id: str
    call_errors: ErrorCodes  # the version's error codes, set by each dialect's answers
    calls: ModuleType  # the version's call module, set by the dialect registry

    def __init__(self, station_id: str, connection: Any, host: SessionHost) -> None:
        super().__init__(  # type: ignore[call-arg]  # the version's ChargePoint is next
            station_id, connection, response_timeout=host.call_timeout, logger=host.ocpp_log
        )
        self.host = host
        self.gate = SendGate()  # what the CSMS may send on this connection
        self._boot_answer: str | None = None  # the registration the last boot was answered
        for handlers in self.route_map.values():  # type: ignore[attr-defined]
            handlers["_skip_schema_validation"] = True  # validated here instead
        self.validated = host.validates(station_id)  # False: firmware known not to comply
        self._answering: str | None = None  # the action whose answer is being sent
        self._awaiting: str | None = None  # the action of the CSMS's call in flight

    def registration(self) -> str:
        """How to answer the station's boot (Accepted, Pending or Rejected), kept for the gate."""
        self._boot_answer = self.host.boot_status(self.id)
        return self._boot_answer

    async def route_message(self, raw_msg: str | bytes) -> None:
        """Answer what cannot be routed; let the library route the rest."""
        found = screen(raw_msg)
        if isinstance(found, Refusal):
            await self._refuse(found)
        elif found is Verdict.ROUTE:
            await super().route_message(raw_msg)  # type: ignore[misc]

    async def _handle_call(self, msg: Any) -> Any:
        """Refuse a CALL the CSMS cannot take; the library answers the others."""
        handlers = self.route_map.get(msg.action, {})  # type: ignore[attr-defined]
        version = self._ocpp_version  # type: ignore[attr-defined]
        refusal = refuse_call(
            msg.unique_id,
            msg.action,
            msg.payload,
            self.calls,
            "_on_action" in handlers,
            version if self.validated else None,
        )
        if refusal is not None:
            await self._refuse(refusal)
            return None
        self._boot_answer = None
        self._answering = msg.action
        try:
            after = await super()._handle_call(msg)  # type: ignore[misc]
        finally:
            self._answering = None
        # The answer is out (a payload the library refuses raises before here): the CSMS's
        # queued calls may follow it now, as far as the gate allows.
        if msg.action != "BootNotification":
            if self.gate.waiting:
                self.gate.first_answered(self.host.boot_status(self.id))
        elif self._boot_answer is not None:  # None: the boot got a CallError
            self.gate.boot_answered(self._boot_answer)
        return after

    async def _send(self, message: str) -> None:
        """Send, checking an answer to the station's call against its schema first."""
        action = self._answering
        if action is not None and message.startswith(("[3,", "[4,")):
            self._answering = None  # one answer per call
            answer = unpack(message)
            if isinstance(answer, CallResult) and self.validated:
                answer.action = action
                validators.validate(answer, self._ocpp_version)  # type: ignore[attr-defined]
        await super()._send(message)  # type: ignore[misc]

    async def call(
        self,
        payload: Any,
        suppress: bool = True,
        unique_id: str | None = None,
        skip_schema_validation: bool = False,
    ) -> Any:
        """The library's `call`, with the request and its answer validated here."""
        if not skip_schema_validation and self.validated:
            request = Call(
                unique_id or "",
                type(payload).__name__,
                remove_nones(snake_to_camel_case(serialize_as_dict(payload))),
            )
            validators.validate(request, self._ocpp_version)  # type: ignore[attr-defined]
            self._awaiting = request.action
        try:
            return await super().call(  # type: ignore[misc]
                payload, suppress, unique_id, skip_schema_validation=True
            )
        finally:
            self._awaiting = None

    async def _get_specific_response(self, unique_id: str, timeout: float) -> Any:
        """The answer to the call in flight, checked against its schema."""
        response = await super()._get_specific_response(unique_id, timeout)  # type: ignore[misc]
        action = self._awaiting
        if action is not None and isinstance(response, CallResult):
            response.action = action
            validators.validate(response, self._ocpp_version)  # type: ignore[attr-defined]
        return response

    async def _refuse(self, refusal: Refusal) -> None:
        await self._send(refusal.to_json(self.call_errors))  # type: ignore[attr-defined]
