"""The CSMS: a websockets server that holds one OCPP session per connected station."""

from __future__ import annotations

import asyncio
import itertools
import logging
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
from ..wire.frame import Direction, Frame, Kind
from ..wire.tap import WireTap
from .id_tags import effective_status
from .metrics import Metrics
from .outbound_queue import (
    CallState,
    CancelRefused,
    Outcome,
    QueuedCall,
    QueuedCallRecord,
    StationQueue,
    payload_from_json,
    payload_to_json,
)
from .store import Store

log = logging.getLogger("ocppdeck.csms")


def station_from_path(path: str) -> str | None:
    """The station id of `/<id>` or `/ocpp/<id>`; None for any other path."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    if len(parts) == 2 and parts[0] == "ocpp":
        parts = parts[1:]
    if len(parts) != 1 or len(parts[0]) > 64:
        return None
    return parts[0]


def offered_protocols(request: Request) -> list[str]:
    """Subprotocols a client offers, in its order of preference."""
    offered: list[str] = []
    for header in request.headers.get_all("Sec-WebSocket-Protocol"):
        offered.extend(p.strip() for p in header.split(",") if p.strip())
    return offered


def choose_protocol(offered: list[str], served: tuple[str, ...]) -> str | None:
    """The station's most preferred subprotocol among those served, if any."""
    return next((p for p in offered if p in served), None)


@dataclass(slots=True)
class _Live:
    """A connected station: its socket and session."""

    ws: ServerConnection
    session: Any  # the dialect's answers on the library's ChargePoint
    dialect: Dialect
    replaced: bool = False


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
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self._publish = publish
        self.metrics = metrics
        self.ocpp_log = logging.getLogger("ocpp")
        self.heartbeat_interval = int(settings.heartbeat_interval)
        self.call_timeout = settings.call_timeout
        self.protocols: tuple[str, ...] = settings.protocols
        self._live: dict[str, _Live] = {}
        self._queues: dict[str, StationQueue] = {}
        self._server: Server | None = None
        # Request ids (2.x GetBaseReport …) from the clock, so a restart does not reuse them.
        self._request_ids = itertools.count(int(clock.now()) % 1_000_000_000 + 1)

    # --- lifecycle --------------------------------------------------------
    async def start(self) -> None:
        """Put back the commands a previous run left queued, then listen."""
        self._restore_queues()
        self._server = await serve(
            self._handle,
            self.settings.host,
            self.settings.port,
            subprotocols=list(self.protocols),  # type: ignore[arg-type]
            select_subprotocol=self._select_subprotocol,
            process_request=self._process_request,
        )
        log.info("listening", extra={"host": self.settings.host, "port": self.port})

    @property
    def listening(self) -> bool:
        """Whether the server is up."""
        return self._server is not None

    @property
    def port(self) -> int:
        """The bound port (useful when asked for port 0)."""
        assert self._server is not None, "CSMS not started"
        return self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        """Where stations connect, without the station id."""
        return f"ws://{self.settings.host}:{self.port}"

    async def close(self) -> None:
        """Stop every queue worker, then listening and every connection.

        Workers first: a call in flight goes back to its queue (sent again after
        a restart) rather than failing as "station left" when its socket closes.
        """
        await asyncio.gather(*(q.close() for q in self._queues.values()))
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    # --- what sessions and commands use -----------------------------------
    def connected(self) -> list[str]:
        """Ids of the stations connected now."""
        return list(self._live)

    def is_connected(self, station_id: str) -> bool:
        """Whether a station has a live session."""
        return station_id in self._live

    def queue(self, station_id: str) -> StationQueue:
        """The outbound queue of a station, made on first use."""
        found = self._queues.get(station_id)
        if found is None:
            found = self._queues[station_id] = StationQueue(
                station_id, timeout=self.settings.call_timeout, on_change=self._command_changed
            )
            live = self._live.get(station_id)
            if live is not None:
                found.attach(live.session)
        return found

    def submit(self, station_id: str, payload: Any, validate: bool = True) -> QueuedCall:
        """Queue a CSMS-initiated call to a station; it is persisted with the next store flush.

        `validate` False sends it without the library's schema check (a crafted message).
        """
        command_id = self.store.add_command(
            {
                "station": station_id,
                "action": type(payload).__name__,
                "payload": payload_to_json(payload),
                "created_at": self.clock.now(),
                "state": CallState.QUEUED.value,
            }
        )
        queued = QueuedCall(station_id, payload, id=command_id, validate=validate)
        return self.queue(station_id).enqueue(queued)

    def cancel(self, command_id: int) -> QueuedCall:
        """Cancel a queued command; CancelRefused says why when it cannot be."""
        record = next((r for r in self.store.commands() if r["id"] == command_id), None)
        if record is None:
            raise CancelRefused(f"no command {command_id}")
        if CallState(record["state"]).finished:
            raise CancelRefused(f"command {command_id} has already ended: {record['state']}")
        return self.queue(record["station"]).cancel(command_id)

    def commands_overview(self) -> list[QueuedCallRecord]:
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

    def _command_changed(self, command: QueuedCall, outcome: Outcome | None) -> None:
        """Write a command's new state to the store (TinyDB, flushed in batches)."""
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

    def _restore_queues(self) -> None:
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
            self.queue(station_id).enqueue(QueuedCall(station_id, payload, id=record["id"]))

    def next_request_id(self) -> int:
        """A fresh requestId / remoteStartId for a 2.x call."""
        return next(self._request_ids)

    def now_iso(self) -> str:
        """The CSMS's time as an OCPP timestamp (what sessions tell stations)."""
        return to_iso(self.clock.now())

    def next_transaction_id(self) -> int:
        """A 1.6 transaction id never handed out before, even across a crash."""
        return self.store.next_transaction_id()

    def booted(self, station_id: str) -> None:
        """A boot was answered: ask the station for its connector count or inventory,
        so the console can check what it declares."""
        station = self._live.get(station_id)
        if station is not None:
            builder = station.dialect.commands()
            self.submit(station_id, builder.inventory(self.next_request_id()))

    def authorize(self, id_tag: str) -> str:
        """What Authorize and transaction starts answer for an id tag, on the CSMS clock.

        A known tag answers by its stored status, its parent's block and its
        expiry (`effective_status`); an unknown one by the settings.
        """
        tag = self.store.id_tag(id_tag)
        if tag is None:
            return "Accepted" if self.settings.accept_unknown_tags else "Invalid"
        parent = self.store.id_tag(tag.parent) if tag.parent else None
        return effective_status(tag, self.clock.now(), parent)

    # --- connections ------------------------------------------------------
    def _frame(self, kind: Kind, station_id: str, protocol: str, text: str) -> None:
        self._publish(
            Frame(self.clock.now(), station_id, Direction.IN, kind, protocol=protocol, text=text)
        )

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.path.split("?", 1)[0] == "/metrics" and self.metrics is not None:
            return _plain(HTTPStatus.OK, self.metrics.render(), "text/plain; version=0.0.4")
        station_id = station_from_path(request.path)
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return None  # not a handshake: websockets answers 426 and no station is involved
        if station_id is None:
            return _plain(HTTPStatus.NOT_FOUND, b"connect to /<station id> or /ocpp/<station id>\n")
        offered = offered_protocols(request)
        if choose_protocol(offered, self.protocols) is None:
            note = (
                f"no common subprotocol: offered {offered or 'none'}, served {list(self.protocols)}"
            )
            log.warning("refused %s: %s", station_id, note, extra={"station": station_id})
            self._frame(Kind.REFUSED, station_id, "", note)
            return _plain(HTTPStatus.BAD_REQUEST, note.encode() + b"\n")
        return None

    def _select_subprotocol(
        self, connection: ServerConnection, offered: list[Subprotocol]
    ) -> Subprotocol | None:
        # websockets' default prefers the server's order; OCPP lets the station's order win.
        # No common one never gets here: _process_request has refused it already.
        return choose_protocol(list(offered), self.protocols)  # type: ignore[return-value]

    async def _handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        station_id = station_from_path(ws.request.path) or ""
        protocol = ws.subprotocol or ""
        tap = WireTap(ws, station_id, protocol, self.clock, self._publish)
        spoken = dialect(protocol)  # negotiated: always one we serve
        session = spoken.with_answers(spoken.session.value)(station_id, tap, self)
        live = _Live(ws, session, spoken)
        old = self._live.get(station_id)
        if old is not None:
            old.replaced = True
            self._frame(Kind.DISCONNECTED, station_id, protocol, "replaced by a new connection")
            await old.ws.close(1000, "replaced by a new connection")
        self._live[station_id] = live
        self._frame(Kind.CONNECTED, station_id, protocol, _peer(ws))
        log.info("connected %s", station_id, extra={"station": station_id, "protocol": protocol})
        self.queue(station_id).attach(session)
        try:
            await session.start()
        except ConnectionClosed:
            pass
        finally:
            if not live.replaced:
                del self._live[station_id]
                self.queue(station_id).detach()
                reason = f"closed {ws.close_code}: {ws.close_reason}".rstrip(": ")
                self._frame(Kind.DISCONNECTED, station_id, protocol, reason)
                log.info("disconnected %s", station_id, extra={"station": station_id})


def _peer(ws: ServerConnection) -> str:
    try:
        host, port = ws.remote_address[:2]
    except (TypeError, ValueError):
        return ""
    return f"from {host}:{port}"


def _plain(status: HTTPStatus, body: bytes, content_type: str = "text/plain") -> Response:
    headers = Headers({"Content-Type": content_type, "Content-Length": str(len(body))})
    return Response(status.value, status.phrase, headers, body)
