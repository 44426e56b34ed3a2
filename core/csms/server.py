"""The CSMS: a websockets server that holds one OCPP session per connected station.

Each handshake passes the gate (core/csms/admission.py: identity, subprotocol,
registry, the security profile's credentials); TLS is the server's for
profiles 2 and 3. A refusal gets its HTTP status, is counted in /metrics, and
is logged and recorded as core/csms/refusal_limit.py allows, so a flood of bad
handshakes can fill neither the log nor the disk.

A connection becomes live under its station's lock (core/csms/station_locks.py):
a new connection with a live one's id replaces it, hanging up on the old peer
without waiting for it to answer the close, so two connections with one id are
never both live and a closing one never removes its successor. Each station's
messages are read no faster than its rate allows (core/csms/rate_limit.py), and
no message larger than `max_frame_bytes` is read at all.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from ..clock import Clock, to_iso
from ..config import Settings
from ..dialects import Dialect, dialect
from ..model.readers.envelope import SCHEMA_CHECKS
from ..model.state import State
from ..wire.closed_links import ReleasedOnClose
from ..wire.frame import Direction, Frame, Kind
from ..wire.tap import Socket, WireTap
from . import compression
from .admission import REALM, Admitted, Gate, Refusal, choose_protocol
from .authorization import Authorization, Authorizer
from .certificates import StationCertificates, load_station_ca
from .contract_certificates import load_contract_certificates
from .durable_queue import DurableQueues, NotQueued
from .inventory_ask import InventoryAsks
from .metrics import Metrics
from .outbound_queue import QueuedCall, QueuedCallRecord
from .rate_limit import Flooding, MessageRate, ThrottledSocket
from .refusal_limit import RefusalLimiter
from .registry import Registration, Standing, StationRegistry
from .repeated_start import repeated_start
from .running_costs import RunningCosts
from .station_locks import StationLocks
from .store import Store
from .tariff import tariffs_of
from .tls import peer_common_name, server_context

log = logging.getLogger("ocppdeck.csms")

# A station that answers and closes at once: how long its answer may take to be read.
SETTLE_S = 1.0
# How long a peer we hang up on may take to answer the close before its socket is dropped:
# a station that reconnects is answered at once even if its old peer never answers.
HANG_UP_GRACE_S = 0.5
RETRY_AFTER_S = (10, 60)  # a busy CSMS asks a station to come back within this range


@dataclass(frozen=True, slots=True)
class _Live:
    """A connected station: its socket, session, dialect and subprotocol."""

    ws: ServerConnection
    session: Any  # the dialect's answers on the library's ChargePoint
    dialect: Dialect
    protocol: str


class Csms:
    """Accepts stations, captures their frames, and sends CSMS-initiated calls.

    It is the `SessionHost` (core/csms/sessions/host.py) of every session it holds.
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Clock,
        publish: Callable[[Frame], Any],
        state: Callable[[], State],
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self._publish = publish
        self._state = state
        self.metrics = metrics
        self.ocpp_log = logging.getLogger("ocpp")
        self.heartbeat_interval = int(settings.heartbeat_interval)
        self.call_timeout = settings.call_timeout
        self.protocols: tuple[str, ...] = settings.protocols
        self.registry = StationRegistry(store, clock)
        self.gate = Gate(
            settings.security_profile,
            Registration(settings.registration),
            self.registry,
            self.protocols,
        )
        self.authorizer = Authorizer(
            store, clock, state, settings.accept_unknown_tags, settings.concurrent_tx
        )
        self.queues = DurableQueues(store, clock, settings.call_timeout)
        ca = load_station_ca(settings.station_ca_cert, settings.station_ca_key)
        self.certificates = StationCertificates(store, clock, ca)
        self.costs = RunningCosts(tariffs_of(settings), state, clock)
        self.contracts = load_contract_certificates(  # Plug & Charge: OCSP, EV certificates
            settings.contract_ca_cert,
            settings.ocsp_responder_hosts,
            settings.contract_cert_provider,
            clock,
        )
        self._live: dict[str, _Live] = {}  # changed only under the station's lock
        # Called before each answer goes out: the engine flushes its recording there and
        # says whether the disk took all of it.
        self.before_answer: Callable[[], bool] | None = None
        self._locks = StationLocks()
        self.inventory = InventoryAsks(self._ask_inventory, self.is_connected)
        self._refusals = RefusalLimiter()
        self._server: Server | None = None
        self._tls_server: Server | None = None  # the TLS port beside a plain one
        # Request ids (2.x GetBaseReport …) from the clock, so a restart does not reuse them.
        self._request_ids = itertools.count(int(clock.now()) % 1_000_000_000 + 1)

    # --- lifecycle --------------------------------------------------------
    def _tls(self) -> ssl.SSLContext | None:
        s = self.settings
        if s.security_profile < 2 or s.tls_cert is None or s.tls_key is None:
            return None
        # Profile 2 checks a certificate a station presents (one moving to profile 3).
        client_ca = s.tls_client_ca or s.station_ca_cert
        return server_context(s.tls_cert, s.tls_key, client_ca, s.security_profile == 3)

    def _side_tls(self) -> ssl.SSLContext | None:
        """The TLS port's context beside a plain CSMS port: a client certificate is checked
        when one is presented (a station at profile 3), never required of everyone."""
        s = self.settings
        if s.tls_port is None or s.tls_cert is None or s.tls_key is None:
            return None
        return server_context(s.tls_cert, s.tls_key, s.tls_client_ca or s.station_ca_cert, False)

    async def bind(self) -> Server:
        """Take the port (and the TLS port beside it, if asked for; a port in use fails
        here) without accepting anyone yet."""
        self._server = await self._serve(self.settings.port, self._tls())
        side = self._side_tls()
        if side is not None and self.settings.tls_port is not None:
            try:
                self._tls_server = await self._serve(self.settings.tls_port, side)
            except OSError:
                self._server.close()
                self._server = None
                raise
        return self._server

    async def _serve(self, port: int, tls: ssl.SSLContext | None) -> Server:
        return await serve(
            self._handle,
            self.settings.host,
            port,
            subprotocols=list(self.protocols),  # type: ignore[arg-type]
            select_subprotocol=self._select_subprotocol,
            process_request=self._process_request,
            create_connection=_StationConnection,
            ssl=tls,
            max_size=self.settings.max_frame_bytes,
            compression=None,  # negotiated as core/csms/compression.py says, when on
            extensions=compression.extensions(self.settings.permessage_deflate),
            start_serving=False,
        )

    async def start(self) -> None:
        """Put back the commands a previous run left queued, then listen (binding if need be)."""
        server = self._server or await self.bind()
        self.queues.restore()
        await server.start_serving()
        if self._tls_server is not None:
            await self._tls_server.start_serving()
        log.info(
            "listening",
            extra={
                "host": self.settings.host,
                "port": self.port,
                "tls_port": self._tls_server.sockets[0].getsockname()[1]
                if self._tls_server is not None
                else None,
                "security_profile": self.settings.security_profile,
                "registration": self.settings.registration,
            },
        )

    @property
    def listening(self) -> bool:
        """Whether stations can connect (bound is not yet listening)."""
        return self._server is not None and self._server.is_serving()

    @property
    def port(self) -> int:
        """The bound port (useful when asked for port 0)."""
        assert self._server is not None, "CSMS not started"
        return self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        """Where stations connect, without the station id."""
        scheme = "wss" if self.settings.security_profile >= 2 else "ws"
        return f"{scheme}://{self.settings.host}:{self.port}"

    @property
    def tls_url(self) -> str | None:
        """Where stations connect over TLS (profiles 2 and 3): the CSMS port when it is TLS,
        else the TLS port beside it; None when neither is served."""
        if self.settings.security_profile >= 2:
            return self.url
        if self._tls_server is None:
            return None
        return f"wss://{self.settings.host}:{self._tls_server.sockets[0].getsockname()[1]}"

    def secure(self, station_id: str) -> bool:
        """Whether a connected station's link is TLS."""
        live = self._live.get(station_id)
        return live is not None and _is_tls(live.ws)

    async def close(self) -> None:
        """Stop every queue worker, then listening and every connection.

        Workers first: a call in flight goes back to its queue (sent again after
        a restart) rather than failing as "station left" when its socket closes.
        """
        await self.queues.close()
        for server in (self._server, self._tls_server):
            if server is not None:
                server.close()
                await server.wait_closed()
        self._server = self._tls_server = None
        self.gate.verifier.close()
        await self.contracts.close()

    # --- what commands use ------------------------------------------------
    def connected(self) -> list[str]:
        """Ids of the stations connected now."""
        return list(self._live)

    def is_connected(self, station_id: str) -> bool:
        """Whether a station has a live session."""
        return station_id in self._live

    def link(self, station_id: str) -> object | None:
        """The station's connection now, as a token (None when offline): another one means
        it connected again in between."""
        return self._live.get(station_id)

    def submit(self, station_id: str, payload: Any, validate: bool = True) -> QueuedCall:
        """Queue a CSMS-initiated call to a station (see DurableQueues.submit)."""
        return self.queues.submit(station_id, payload, validate)

    def cancel(self, command_id: int) -> QueuedCall:
        """Cancel a queued command; CancelRefused says why when it cannot be."""
        return self.queues.cancel(command_id)

    def commands_overview(self) -> list[QueuedCallRecord]:
        """Every persisted command (queued, in flight and recent history), oldest first."""
        return self.queues.overview()

    def next_request_id(self) -> int:
        """A fresh requestId / remoteStartId for a 2.x call."""
        return next(self._request_ids)

    async def disconnect(self, station_id: str, reason: str) -> None:
        """Close a station's connection (an operator rejected it)."""
        live = self._live.get(station_id)
        if live is not None:
            await _hang_up(live.ws, 1008, reason)

    # --- what sessions use (SessionHost) ------------------------------------
    def now_iso(self) -> str:
        """The CSMS's time as an OCPP timestamp (what sessions tell stations)."""
        return to_iso(self.clock.now())

    def validates(self, station_id: str) -> bool:
        """Whether the station's payloads are checked against the schemas (they are,
        unless the operator listed it in `unvalidated_stations`)."""
        return station_id not in self.settings.unvalidated_stations

    def recorded(self) -> bool:
        """Whether every frame so far is with the OS (flushed now): False while the data
        dir refuses the recording."""
        return self.before_answer is None or self.before_answer()

    def next_transaction_id(self) -> int:
        """A 1.6 transaction id never handed out before, even across a crash."""
        return self.store.next_transaction_id()

    def repeated_start(
        self, station_id: str, connector_id: int, id_tag: str, meter_start: object, at: object
    ) -> int | None:
        """The id of the open 1.6 transaction a StartTransaction repeats, if it repeats one."""
        return repeated_start(self._state(), station_id, connector_id, id_tag, meter_start, at)

    def boot_status(self, station_id: str) -> str:
        """How to answer a boot: Accepted, or Pending / Rejected as the registry says."""
        entry = self.registry.get(station_id)
        if entry is None or entry.standing is Standing.ACCEPTED:
            return "Accepted"
        return "Pending" if entry.standing is Standing.PENDING else "Rejected"

    def booted(self, station_id: str) -> None:
        """A boot was accepted: ask the station for its connector count or inventory,
        so the console can check what it declares (again on its next connection, if
        it leaves or stays silent without answering)."""
        if station_id in self._live and self.boot_status(station_id) == "Accepted":
            self.inventory.booted(station_id)

    def _ask_inventory(self, station_id: str) -> QueuedCall | None:
        station = self._live.get(station_id)
        if station is None:
            return None
        builder = station.dialect.commands()
        try:
            return self.submit(station_id, builder.inventory(self.next_request_id()))
        except NotQueued:  # the disk refused it (shown in the console); asked again later
            return None

    def authorize(
        self, id_tag: str, token_type: str = "", starting: str | None = None
    ) -> Authorization:
        """What Authorize and transaction starts answer for an id tag (see Authorizer)."""
        return self.authorizer.authorize(id_tag, token_type, starting)

    # --- handshakes ---------------------------------------------------------
    def _frame(
        self,
        kind: Kind,
        station_id: str,
        protocol: str,
        text: str,
        payload: dict[str, Any] | None = None,
    ) -> None:
        self._publish(
            Frame(
                self.clock.now(),
                station_id,
                Direction.IN,
                kind,
                payload=payload or {},
                protocol=protocol,
                text=text,
            )
        )

    async def _process_request(
        self, connection: _StationConnection, request: Request
    ) -> Response | None:
        if request.path.split("?", 1)[0] == "/metrics" and self.metrics is not None:
            return _plain(HTTPStatus.OK, self.metrics.render(), "text/plain; version=0.0.4")
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return None  # not a handshake: websockets answers 426 and no station is involved
        secure = _is_tls(connection)
        verdict = await self.gate.admit(request, peer_common_name(connection.transport), secure)
        if isinstance(verdict, Refusal):
            return self._refuse(connection, verdict)
        self.certificates.presented(verdict.station_id, connection.transport)
        connection.admitted = verdict
        return None

    def _refuse(self, connection: ServerConnection, refusal: Refusal) -> Response:
        if self.metrics is not None:
            self.metrics.refused.labels(refusal.reason).inc()
        address = _address(connection)
        if self._refusals.should_note(address, refusal.station_id, self.clock.now()):
            station = refusal.station_id
            log.warning(
                "refused %s from %s: %s",
                station or "a handshake",
                address,
                refusal.note,
                extra={"station": station, "address": address, "reason": refusal.reason},
            )
            # Recorded, not folded into a station: the projection creates none for a refusal.
            self._frame(Kind.REFUSED, station, "", f"{refusal.status.value} {refusal.note}")
        response = _plain(refusal.status, refusal.note.encode("utf-8") + b"\n")
        if refusal.status is HTTPStatus.UNAUTHORIZED:
            response.headers["WWW-Authenticate"] = REALM
        elif refusal.status is HTTPStatus.SERVICE_UNAVAILABLE:
            # Spread the retries, or a storm that was turned away comes back as one.
            response.headers["Retry-After"] = str(random.randint(*RETRY_AFTER_S))
        return response

    def _select_subprotocol(
        self, connection: ServerConnection, offered: list[Subprotocol]
    ) -> Subprotocol | None:
        # websockets' default prefers the server's order; OCPP lets the station's order win.
        # No common one never gets here: the gate has refused it already.
        return choose_protocol(list(offered), self.protocols)  # type: ignore[return-value]

    # --- connections --------------------------------------------------------
    def _paced(self, ws: ServerConnection, station_id: str) -> Socket:
        """The station's socket, read no faster than its message rate allows."""
        rate = self.settings.station_rate_limit
        if rate <= 0:
            return ws

        def slowed() -> None:
            log.warning(
                "%s sends more than %g messages a second: reading it slower",
                station_id,
                rate,
                extra={"station": station_id},
            )

        return ThrottledSocket(ws, MessageRate(rate, self.settings.flood_patience), slowed)

    async def _handle(self, ws: _StationConnection) -> None:
        # Only a handshake the gate admitted is upgraded, with a subprotocol we serve.
        admitted = ws.admitted
        protocol = ws.subprotocol or ""
        assert admitted is not None and protocol in self.protocols
        station_id = admitted.station_id
        pending = self.gate.registration is Registration.PENDING
        if pending and self.registry.get(station_id) is None:
            self.registry.note_pending(station_id, admitted.new_password_hash)
        tap = WireTap(
            self._paced(ws, station_id),
            station_id,
            protocol,
            self.clock,
            self._publish,
            self.before_answer,
        )
        spoken = dialect(protocol)  # negotiated: always one we serve
        session = spoken.with_answers(spoken.session.value)(station_id, tap, self)
        # The library logs under the station's name, so its lines count against the
        # station's log limit (core/logs.py).
        session.logger = logging.LoggerAdapter(self.ocpp_log, {"station": station_id})
        live = _Live(ws, session, spoken, protocol)
        async with self._locks.hold(station_id):
            old = self._live.get(station_id)
            if old is not None:
                note = "replaced by a new connection"
                self._frame(Kind.DISCONNECTED, station_id, old.protocol, note)
                await _hang_up(old.ws, 1000, note)
            self._live[station_id] = live
            checked = self.validates(station_id)
            payload = {} if checked else {SCHEMA_CHECKS: False}
            self._frame(Kind.CONNECTED, station_id, protocol, _peer(ws), payload)
            log.info(
                "connected %s", station_id, extra={"station": station_id, "protocol": protocol}
            )
            self.queues.attach(station_id, session, session.gate)
            self.inventory.reconnected(station_id)
        hung_up = ""
        try:
            await session.start()
        except ConnectionClosed:
            pass
        except Flooding as exc:
            hung_up = f"disconnected by the CSMS: {exc}"
            log.warning("%s sent %s: disconnected", station_id, exc, extra={"station": station_id})
            await _hang_up(ws, 1008, f"message rate: {exc}")
        finally:
            await self._ended(live, station_id, tap.last_call_answered, hung_up)
            # The library's handlers are bound methods of the session, held by the session:
            # a cycle that would keep the closed connection until a full collection.
            session.route_map.clear()  # type: ignore[attr-defined]

    async def _ended(self, live: _Live, station_id: str, answered: bool, hung_up: str) -> None:
        """A connection's session ended: unless a newer connection replaced it, the station
        is offline and its queue waits (after its last answer, if one came, is taken)."""
        async with self._locks.hold(station_id):
            if self._live.get(station_id) is not live:
                return  # replaced: the successor owns the station's entry and queue
            if answered:
                await self.queues.settle(station_id, SETTLE_S)
            del self._live[station_id]
            self.queues.detach(station_id)
            reason = hung_up or _closed(live.ws)
            self._frame(Kind.DISCONNECTED, station_id, live.protocol, reason)
            log.info("disconnected %s", station_id, extra={"station": station_id})


def _is_tls(ws: ServerConnection) -> bool:
    transport = ws.transport
    return transport is not None and transport.get_extra_info("ssl_object") is not None


class _StationConnection(ReleasedOnClose, ServerConnection):
    """A connection to the CSMS port: what the gate admitted it as, and its reference
    cycles broken as soon as its socket is gone, whether or not a handler ever ran (a
    refused handshake, or a peer gone mid-handshake, has none). The collector of a long
    run (core/collector.py) puts full collections off until its frozen set has doubled,
    so a closed connection left in a cycle (tens of kB, hundreds with deflate) would
    stay: memory would grow with every reconnect and every refusal."""

    admitted: Admitted | None = None  # set by the gate's verdict in the handshake


async def _hang_up(ws: ServerConnection, code: int, reason: str) -> None:
    """Close a connection; drop its socket if the peer does not answer the close at once."""
    try:
        await asyncio.wait_for(ws.close(code, reason), HANG_UP_GRACE_S)
    except TimeoutError:
        ws.transport.abort()


def _closed(ws: ServerConnection) -> str:
    """How a connection ended: the station's close code, or the CSMS's when the station
    sent none (a message above max_frame_bytes: 1009)."""
    received, sent = ws.protocol.close_rcvd, ws.protocol.close_sent
    if received is None and sent is not None:
        return f"closed by the CSMS {sent.code}: {sent.reason}".rstrip(": ")
    return f"closed {ws.close_code}: {ws.close_reason}".rstrip(": ")


def _address(ws: ServerConnection) -> str:
    try:
        return str(ws.remote_address[0])
    except (TypeError, IndexError):
        return "?"


def _peer(ws: ServerConnection) -> str:
    try:
        host, port = ws.remote_address[:2]
    except (TypeError, ValueError):
        return ""
    return f"from {host}:{port}"


def _plain(status: HTTPStatus, body: bytes, content_type: str = "text/plain") -> Response:
    headers = Headers({"Content-Type": content_type, "Content-Length": str(len(body))})
    return Response(status.value, status.phrase, headers, body)
