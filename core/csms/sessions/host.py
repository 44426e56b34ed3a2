"""What a station's session asks of the CSMS that holds it.

The sessions (one answers class per dialect) see the CSMS only through this,
so they never import the server that imports them.
"""

from __future__ import annotations

import inspect
import logging
from functools import cache
from types import ModuleType
from typing import Any, Protocol

import orjson
from ocpp.charge_point import remove_nones, serialize_as_dict, snake_to_camel_case
from ocpp.exceptions import OCPPError
from ocpp.messages import Call, CallError, CallResult

from ...wire.frame import Frame, Kind
from ...wire.tap import WireTap
from ...wire.transaction_messages import UNSTORED, transaction_related
from .. import validators
from ..authorization import Authorization
from ..call_errors import ErrorCodes, Fault, Refusal, refuse_call, screen
from ..certificates import StationCertificates
from ..contract_certificates import ContractCertificates
from ..pending_rules import PendingRules
from ..running_costs import RunningCosts
from ..send_gate import Clearance, SendGate
from .payload_keys import to_snake, to_wire


class SessionHost(Protocol):
    """The CSMS as its sessions see it."""

    heartbeat_interval: int  # seconds, told to a booting station
    certificates: StationCertificates  # the station CA, and the certificates known
    contracts: ContractCertificates  # Plug & Charge: OCSP and the EV certificate provider
    costs: RunningCosts  # what 2.x transactions cost, told in answers and CostUpdated
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

    def repeated_start(
        self, station_id: str, connector_id: int, id_tag: str, meter_start: object, at: object
    ) -> int | None:
        """The id of the open 1.6 transaction a StartTransaction repeats, if it repeats one."""
        ...

    def validates(self, station_id: str) -> bool:
        """Whether the station's payloads are checked against the schemas."""
        ...

    def booted(self, station_id: str) -> None:
        """A station's boot was answered: ask it what it has, once it is accepted."""
        ...

    def submit(self, station_id: str, payload: Any, validate: bool = True) -> Any:
        """Queue a CSMS call to the station (sent in turn, one in flight)."""
        ...

    def recorded(self) -> bool:
        """Whether every frame so far is with the OS (flushed now): False while the data
        dir refuses the recording."""
        ...


class SessionAnswers:
    """What every dialect's answers share: the CSMS they answer for, on the library's
    ChargePoint of the station's version (next in the MRO, mixed in by the registry).

    The receive loop and the answering of a station's calls are ours, not the
    library's: each message arrives with the frame the wire tap made of it, so it is
    parsed once (the library would parse it again with json), and a call is answered
    as the library answers it (its `@on` and `@after` handlers, its CallError for a
    handler that fails) with each key converted once (core/csms/sessions/payload_keys.py)
    rather than by regular expressions per message. The CSMS's own calls (`call`) and
    the answers to them go through the library as before.

    Every message passes core/csms/call_errors.py before it is routed, so a station
    gets its own version's CallError for what it sends wrong, and every CALL gets an
    answer. Each answer sent moves the connection's `gate` (core/csms/send_gate.py):
    the CSMS's own calls wait for the first one.

    Payloads are validated by core/csms/validators.py, inline, in both directions:
    the station's calls (in `refuse_call`), the answers sent to them (`_answer`), the
    CSMS's calls (`call`) and their answers (`_get_specific_response`). The library's
    own validation, on a thread pool, is switched off for this session.
    """

    id: str
    logger: Any  # the library's logger of this session
    call_errors: ErrorCodes  # the version's error codes, set by each dialect's answers
    calls: ModuleType  # the version's call module, set by the dialect registry

    def __init__(self, station_id: str, connection: WireTap, host: SessionHost) -> None:
        super().__init__(  # type: ignore[call-arg]  # the version's ChargePoint is next
            station_id, connection, response_timeout=host.call_timeout, logger=host.ocpp_log
        )
        self.host = host
        self.tap = connection
        self.gate = SendGate()  # what the CSMS may send on this connection
        self.pending = PendingRules()  # what the station may send while its boot is Pending
        self._boot_answer: str | None = None  # the registration the last boot was answered
        for handlers in self.route_map.values():  # type: ignore[attr-defined]
            handlers["_skip_schema_validation"] = True  # validated here instead
        self.validated = host.validates(station_id)  # False: firmware known not to comply
        self._awaiting: str | None = None  # the action of the CSMS's call in flight

    def registration(self) -> str:
        """How to answer the station's boot (Accepted, Pending or Rejected), kept for the gate."""
        self._boot_answer = self.host.boot_status(self.id)
        return self._boot_answer

    async def start(self) -> None:
        """The receive loop (the library's, with each message's frame from the tap)."""
        while True:
            frame, text = await self.tap.receive()
            self.logger.info("%s: receive message %s", self.id, text)
            await self._route(frame, text)

    async def _route(self, frame: Frame, text: str | bytes) -> None:
        """Answer a call, hand an answer to the call in flight, refuse what is unreadable."""
        kind = frame.kind
        if kind is Kind.CALL:
            msg = Call(frame.unique_id, frame.action, frame.payload)
            try:
                await self._handle_call(msg)
            except OCPPError as error:
                self.logger.exception("Error while handling request '%s'", msg)
                await self._send(msg.create_call_error(error).to_json())  # type: ignore[attr-defined]
        elif kind is Kind.RESULT:
            self._response_queue.put_nowait(  # type: ignore[attr-defined]
                CallResult(frame.unique_id, frame.payload)
            )
        elif kind is Kind.ERROR:
            self._response_queue.put_nowait(  # type: ignore[attr-defined]
                CallError(frame.unique_id, frame.action, frame.text, frame.payload)
            )
        else:  # MALFORMED: the tap could not read it; say why in the station's words
            found = screen(text)
            if isinstance(found, Refusal):
                await self._refuse(found)

    async def _handle_call(self, msg: Call) -> None:
        """Refuse a CALL the CSMS cannot take; answer the others."""
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
        if refusal is None and self._pending_refuses(msg.action):
            refusal = Refusal(msg.unique_id, Fault.SECURITY, "the boot is Pending")
        # Answered while the disk refuses the recording, a transaction-related call would
        # live in memory only, and a kill -9 would lose what the station was told was
        # taken. Refused, the station keeps it and sends it again (wire/transaction_messages).
        if (
            refusal is None
            and transaction_related(msg.action, msg.payload)
            and not self.host.recorded()
        ):
            refusal = Refusal(msg.unique_id, Fault.INTERNAL, UNSTORED)
        if refusal is not None:
            await self._refuse(refusal)
            return
        self._boot_answer = None
        await self._answer(msg, handlers)
        # The answer is out (a payload that breaks its schema raises before here): the
        # CSMS's queued calls may follow it now, as far as the gate allows.
        if msg.action != "BootNotification":
            if self.gate.waiting:
                self.gate.first_answered(self.host.boot_status(self.id))
        elif self._boot_answer is not None:  # None: the boot got a CallError
            self.gate.boot_answered(self._boot_answer)

    def _pending_refuses(self, action: str) -> bool:
        """Whether a call is refused because the station's registration is Pending (B02):
        its boot was answered so, or it is pending with the operator and its first message
        on this connection is not a boot (the CSMS's allowed calls may follow then)."""
        clearance = self.gate.clearance
        if clearance is Clearance.WAITING and action != "BootNotification":
            if self.host.boot_status(self.id) != "Pending":
                return False
            self.gate.first_answered("Pending")
            clearance = self.gate.clearance
        return clearance is Clearance.PENDING and not self.pending.allows(action)

    async def _answer(self, msg: Call, handlers: dict[str, Any]) -> None:
        """Run the action's handler and send its answer, checked against its schema, then
        run its `@after` hook: the library's `_handle_call`, parsing nothing again."""
        kwargs = to_snake(msg.payload)
        handler = handlers["_on_action"]
        try:
            if _takes_unique_id(handler):
                response = handler(**kwargs, call_unique_id=msg.unique_id)
            else:
                response = handler(**kwargs)
            if inspect.isawaitable(response):
                response = await response
        except Exception as exc:  # the library's rule: a failing handler is a CallError
            self.logger.exception("Error while handling request '%s'", msg)
            await self._send(msg.create_call_error(exc).to_json())  # type: ignore[attr-defined]
            return
        payload = to_wire(response)
        if self.validated:
            answer = CallResult(msg.unique_id, payload, msg.action)
            validators.validate(answer, self._ocpp_version)  # type: ignore[attr-defined]
        await self._send(orjson.dumps([3, msg.unique_id, payload]).decode())  # type: ignore[attr-defined]
        after = handlers.get("_after_action")
        if after is None:
            return
        try:  # ours are plain functions: whatever they start, they own
            if _takes_unique_id(after):
                after(**kwargs, call_unique_id=msg.unique_id)
            else:
                after(**kwargs)
        except Exception:  # the answer is out; one bad payload never ends the connection
            self.logger.exception("Error after answering '%s'", msg)

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
        self.pending.sent(type(payload).__name__, payload)
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


def _takes_unique_id(handler: Any) -> bool:
    """Whether a handler (a session's bound method) takes the call's message id."""
    return _takes_id(handler.__func__)


@cache
def _takes_id(function: Any) -> bool:
    # Asked once per handler function (the library asks inspect on every call).
    return "call_unique_id" in inspect.signature(function).parameters
