"""CSMS throughput: ocppdeck's full pipeline against a bare `ocpp`-library central system.

N OCPP 1.6 stations (real `ocpp.v16.ChargePoint` clients over real websockets on
127.0.0.1) each send BootNotification once, then loop
Authorize -> StartTransaction -> 3x MeterValues -> StopTransaction.
With --protocol ocpp2.0.1 they are `ocpp.v201.ChargePoint`s (answering the CSMS's
GetBaseReport) looping Authorize -> TransactionEvent Started -> 3x TransactionEvent
Updated -> TransactionEvent Ended: the same six calls a cycle.

Two servers are measured in this process, one after the other:

* ocppdeck: `Engine(...)` with projection, JSONL recording, TinyDB store, metrics
  and frame log on, exactly as `ocppdeck serve` runs it;
* bare: `websockets.serve` plus an `ocpp.v16.ChargePoint` (or `ocpp.v201.ChargePoint`)
  subclass with the same answers, no persistence, no capture.

The load generator runs in a child process (this file with `--client`), so its CPU
does not compete with the server's event loop in the same interpreter. Its stations
connect and boot through the library's ChargePoint and answer the CSMS's calls with
it, but in the window each CALL's JSON is made once and sent as is (as a station's
firmware would), answers read by the library's receive loop: through
`ChargePoint.call` (`--library-client`) a station costs about as much CPU per call as
a server, and a flood on two cores would measure the client. Latency is measured by
the client, from sending a call to reading its result.

`--profile-summary` profiles each window (CPU time, the server's event-loop thread)
and prints where the server's CPU went, by part and by function.

Two modes: paced (every station makes --rate calls/s; the question is latency) and
flood (no pacing; the question is the most calls/s each server can answer).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import itertools
import logging
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from _benchlib import (
    PROTOCOL,
    PROTOCOL_V201,
    Child,
    Link,
    boot_payload,
    close_all,
    cpu_seconds,
    emit,
    fmt,
    now_iso,
    open_many,
    raise_nofile,
    run_client,
    summarize_ms,
    table,
)
from _cpu_profile import CpuProfile
from _figures import figure, verdict
from ocpp import v201
from ocpp.charge_point import ChargePoint as AnyChargePoint
from ocpp.charge_point import camel_to_snake_case, serialize_as_dict, snake_to_camel_case
from ocpp.messages import MessageType
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.datatypes import IdTagInfo
from ocpp.v16.enums import Action, AuthorizationStatus, RegistrationStatus
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

TARGET_RATIO = 1.5  # ocppdeck calls/s >= 1.5 x bare at N=100 (issue 13, item 2)
TARGET_P99_MS = 20.0  # p99 < 20 ms at N=100 x 1 call/s
TARGET_STATIONS = 100
TARGET_RATE = 1.0
ID_TAG = "BENCH-TAG"
CALL_TIMEOUT_S = 30.0  # a call unanswered this long counts as an error
PROTOCOLS = (PROTOCOL, PROTOCOL_V201)
CYCLES = {
    PROTOCOL: "Authorize, StartTransaction, 3x MeterValues, StopTransaction",
    PROTOCOL_V201: "Authorize, TransactionEvent Started, 3x Updated, Ended",
}


# --- the bare central system -------------------------------------------------
class BareSession(ChargePoint):
    """The smallest honest CSMS on the `ocpp` library: same answers, nothing kept."""

    tx_ids = itertools.count(1)

    @on(Action.boot_notification)
    def on_boot_notification(self, **_: Any) -> call_result.BootNotification:
        return call_result.BootNotification(
            current_time=now_iso(), interval=300, status=RegistrationStatus.accepted
        )

    @on(Action.heartbeat)
    def on_heartbeat(self) -> call_result.Heartbeat:
        return call_result.Heartbeat(current_time=now_iso())

    @on(Action.status_notification)
    def on_status_notification(self, **_: Any) -> call_result.StatusNotification:
        return call_result.StatusNotification()

    @on(Action.authorize)
    def on_authorize(self, id_tag: str) -> call_result.Authorize:
        return call_result.Authorize(id_tag_info=IdTagInfo(status=AuthorizationStatus.accepted))

    @on(Action.start_transaction)
    def on_start_transaction(self, **_: Any) -> call_result.StartTransaction:
        return call_result.StartTransaction(
            transaction_id=next(self.tx_ids),
            id_tag_info=IdTagInfo(status=AuthorizationStatus.accepted),
        )

    @on(Action.stop_transaction)
    def on_stop_transaction(self, **extra: Any) -> call_result.StopTransaction:
        if extra.get("id_tag") is None:
            return call_result.StopTransaction()
        return call_result.StopTransaction(
            id_tag_info=IdTagInfo(status=AuthorizationStatus.accepted)
        )

    @on(Action.meter_values)
    def on_meter_values(self, **_: Any) -> call_result.MeterValues:
        return call_result.MeterValues()


class BareSessionV201(v201.ChargePoint):
    """The same for OCPP 2.0.1: same answers as ocppdeck's SessionV201, nothing kept."""

    @on("BootNotification")
    def on_boot_notification(self, **_: Any) -> v201.call_result.BootNotification:
        return v201.call_result.BootNotification(
            current_time=now_iso(), interval=300, status="Accepted"
        )

    @on("Heartbeat")
    def on_heartbeat(self) -> v201.call_result.Heartbeat:
        return v201.call_result.Heartbeat(current_time=now_iso())

    @on("StatusNotification")
    def on_status_notification(self, **_: Any) -> v201.call_result.StatusNotification:
        return v201.call_result.StatusNotification()

    @on("Authorize")
    def on_authorize(self, **_: Any) -> v201.call_result.Authorize:
        return v201.call_result.Authorize(id_token_info={"status": "Accepted"})

    @on("TransactionEvent")
    def on_transaction_event(self, **extra: Any) -> v201.call_result.TransactionEvent:
        if extra.get("id_token") is None:
            return v201.call_result.TransactionEvent()
        return v201.call_result.TransactionEvent(id_token_info={"status": "Accepted"})


BARE_SESSIONS: dict[str, type[AnyChargePoint]] = {
    PROTOCOL: BareSession,
    PROTOCOL_V201: BareSessionV201,
}


def _bare_handler(protocol: str) -> Any:
    session = BARE_SESSIONS[protocol]

    async def handler(ws: ServerConnection) -> None:
        assert ws.request is not None
        station_id = ws.request.path.strip("/").split("/")[-1]
        with contextlib.suppress(ConnectionClosed):
            await session(station_id, ws).start()

    return handler


class Target:
    """A server under test: started, given a URL, closed."""

    name = ""

    async def start(self) -> str:
        """Start listening; returns the URL stations append `/<id>` to."""
        raise NotImplementedError

    def frames(self) -> int | None:
        """Frames captured so far, if the target captures any."""
        return None

    async def close(self) -> None:
        """Stop and release everything."""


class BareTarget(Target):
    """`websockets.serve` + BareSession (or BareSessionV201), serving one subprotocol."""

    name = "bare"

    def __init__(self, protocol: str = PROTOCOL) -> None:
        self._server: Server | None = None
        self.protocol = protocol

    async def start(self) -> str:
        self._server = await serve(
            _bare_handler(self.protocol),
            "127.0.0.1",
            0,
            subprotocols=[self.protocol],  # type: ignore[list-item]
        )
        port = self._server.sockets[0].getsockname()[1]
        return f"ws://127.0.0.1:{port}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await asyncio.wait_for(self._server.wait_closed(), 10)
            self._server = None


# What the floor answers each action with (1.6 and 2.0.1 share the names they both use).
_FLOOR_ANSWERS: dict[str, dict[str, Any]] = {
    "Authorize": {"idTagInfo": {"status": "Accepted"}, "idTokenInfo": {"status": "Accepted"}},
    "StartTransaction": {"transactionId": 1, "idTagInfo": {"status": "Accepted"}},
    "StopTransaction": {},
    "MeterValues": {},
    "TransactionEvent": {},
    "Heartbeat": {"currentTime": "2025-01-01T00:00:00Z"},
}


async def _floor_handler(ws: ServerConnection) -> None:
    """Answer every CALL at once with a fixed payload: no library, no checks, nothing kept."""
    with contextlib.suppress(ConnectionClosed):
        async for text in ws:
            message = orjson.loads(text)
            if message[0] != 2:
                continue
            action = message[2]
            if action == "BootNotification":
                now = now_iso()
                answer = {"currentTime": now, "interval": 300, "status": "Accepted"}
            else:
                answer = _FLOOR_ANSWERS[action]
            await ws.send(orjson.dumps([3, message[1], answer]).decode())


class FloorTarget(BareTarget):
    """The transport alone (`websockets.serve`, orjson, a fixed answer per action): the
    physical limit both servers stand on. Opt in with `--target floor`."""

    name = "floor"

    async def start(self) -> str:
        self._server = await serve(
            _floor_handler,
            "127.0.0.1",
            0,
            subprotocols=[self.protocol],  # type: ignore[list-item]
        )
        port = self._server.sockets[0].getsockname()[1]
        return f"ws://127.0.0.1:{port}"


class OcppdeckTarget(Target):
    """ocppdeck's Engine: CSMS, projection, recording, store, metrics, frame log."""

    name = "ocppdeck"

    def __init__(self) -> None:
        from ocppdeck.core.config import Settings
        from ocppdeck.core.engine import Engine

        self._tmp = tempfile.TemporaryDirectory(prefix="ocppdeck-bench-")
        self.engine = Engine(
            Settings(
                host="127.0.0.1",
                port=0,
                data_dir=Path(self._tmp.name),
                accept_unknown_tags=True,
                heartbeat_interval=300,
            )
        )

    async def start(self) -> str:
        await self.engine.start()
        return self.engine.csms.url

    def frames(self) -> int | None:
        return len(self.engine.frames)

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.engine.close(), 20)
        finally:
            self._tmp.cleanup()


# --- the load generator (child process) --------------------------------------
@dataclass(slots=True)
class Tally:
    """What the stations of one client process measured inside the window."""

    completed: int = 0
    errors: int = 0
    late: int = 0
    latencies: list[float] = field(default_factory=list)
    by_action: dict[str, list[float]] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)


_UIDS = itertools.count(1)


async def _lean_call(cp: AnyChargePoint, action: str, payload: dict[str, Any]) -> Any:
    """Send one CALL as a station's firmware would (its JSON made once, no library
    conversions) and return its answer's payload; the library's receive loop still reads
    the answer. Raises the CallError's exception, or TimeoutError."""
    unique_id = str(next(_UIDS))
    await cp._connection.send(orjson.dumps([2, unique_id, action, payload]).decode())
    async with asyncio.timeout(CALL_TIMEOUT_S):
        while True:
            response = await cp._response_queue.get()
            if response.unique_id == unique_id:
                break
    if response.message_type_id == MessageType.CallError:
        raise response.to_exception()
    return response.payload


async def _library_call(
    cp: AnyChargePoint, action: str, payload: dict[str, Any], validate: bool = False
) -> Any:
    """The same call through the library's `ChargePoint.call` (its dataclasses, its
    camel/snake conversions, and its schema check when `validate`)."""
    module = v201.call if isinstance(cp, v201.ChargePoint) else call
    request = getattr(module, action)(**camel_to_snake_case(payload))
    result = await cp.call(request, suppress=False, skip_schema_validation=not validate)
    return snake_to_camel_case(serialize_as_dict(result))


async def _drive(
    link: Link,
    index: int,
    args: argparse.Namespace,
    t0: float,
    t_end: float,
    tally: Tally,
) -> None:
    """One station's cycles until the window closes."""
    loop = asyncio.get_running_loop()
    cp = link.cp
    rng = random.Random(args.seed + index)
    interval = 0.0 if args.flood else 1.0 / args.rate
    next_at = t0 + rng.random() * interval
    send: Callable[[AnyChargePoint, str, dict[str, Any]], Awaitable[Any]] = _lean_call
    if args.library_client:
        send = functools.partial(_library_call, validate=args.client_validate)
    wh = 0
    tx_id = 0

    def cycle() -> Iterator[tuple[str, str, dict[str, Any]]]:
        now = now_iso()
        yield "Authorize", "Authorize", {"idTag": ID_TAG}
        start = {"connectorId": 1, "idTag": ID_TAG, "meterStart": wh, "timestamp": now}
        yield "StartTransaction", "StartTransaction", start
        for _ in range(3):
            yield "MeterValues", "MeterValues", _meter_values(tx_id, wh)
        stop = {"meterStop": wh, "timestamp": now_iso(), "transactionId": tx_id, "idTag": ID_TAG}
        yield "StopTransaction", "StopTransaction", stop

    def cycle_v201() -> Iterator[tuple[str, str, dict[str, Any]]]:
        token = {"idToken": ID_TAG, "type": "ISO14443"}
        info = {"transactionId": str(uuid.uuid4())}
        yield "Authorize", "Authorize", {"idToken": token}
        started = _tx_event("Started", "Authorized", 0, info, wh, idToken=token)
        yield "TxEvent Started", "TransactionEvent", started
        for seq in range(1, 4):
            updated = _tx_event("Updated", "MeterValuePeriodic", seq, info, wh)
            yield "TxEvent Updated", "TransactionEvent", updated
        ended = {**info, "stoppedReason": "Local"}
        yield (
            "TxEvent Ended",
            "TransactionEvent",
            _tx_event("Ended", "StopAuthorized", 4, ended, wh),
        )

    cycles = cycle_v201 if args.protocol == PROTOCOL_V201 else cycle
    while True:
        for label, action, payload in cycles():
            if interval:
                delay = next_at - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            if loop.time() >= t_end:
                return
            started = loop.time()
            try:
                result = await send(cp, action, payload)
            except ConnectionClosed as exc:
                tally.errors += 1
                tally.error_samples.append(f"{cp.id}: connection closed: {exc}")
                return
            except Exception as exc:
                tally.errors += 1
                if len(tally.error_samples) < 10:
                    tally.error_samples.append(f"{cp.id}: {type(exc).__name__}: {exc}")
                result = None
            finished = loop.time()
            if finished <= t_end:
                tally.completed += 1
                took = finished - started
                tally.latencies.append(took)
                tally.by_action.setdefault(label, []).append(took)
            if action == "StartTransaction" and isinstance(result, dict):
                tx_id = result.get("transactionId", tx_id)
            wh += 10
            if interval:
                next_at += interval
                now = loop.time()
                if next_at < now:  # behind schedule: do not burst to catch up
                    tally.late += 1
                    next_at = now


def _meter_values(transaction_id: int, wh: int) -> dict[str, Any]:
    """One OCPP 1.6 energy sample on connector 1 (as `meter_values_payload` sends it)."""
    sample = {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
    return {
        "connectorId": 1,
        "transactionId": transaction_id,
        "meterValue": [{"timestamp": now_iso(), "sampledValue": [sample]}],
    }


def _tx_event(
    event_type: str,
    trigger: str,
    seq_no: int,
    info: dict[str, Any],
    wh: int,
    **extra: Any,
) -> dict[str, Any]:
    """One OCPP 2.0.1 TransactionEvent on EVSE 1 / connector 1 with an energy sample."""
    now = now_iso()
    sample = {
        "value": wh,
        "measurand": "Energy.Active.Import.Register",
        "unitOfMeasure": {"unit": "Wh"},
    }
    return {
        "eventType": event_type,
        "timestamp": now,
        "triggerReason": trigger,
        "seqNo": seq_no,
        "transactionInfo": info,
        "evse": {"id": 1, "connectorId": 1},
        "meterValue": [{"timestamp": now, "sampledValue": [sample]}],
        **extra,
    }


def _boot_payload_v201() -> v201.call.BootNotification:
    return v201.call.BootNotification(
        charging_station={"vendor_name": "ocppdeck-bench", "model": "B1"},
        reason="PowerUp",
    )


async def client_main(args: argparse.Namespace) -> None:
    """Connect, boot, run the window, report one JSON line per phase on stdout."""
    raise_nofile()
    loop = asyncio.get_running_loop()
    skip = not args.client_validate
    ids = [f"BENCH{i:05d}" for i in range(args.stations)]

    payload = _boot_payload_v201 if args.protocol == PROTOCOL_V201 else boot_payload

    async def boot(link: Link) -> None:
        await link.cp.call(payload(), suppress=False, skip_schema_validation=skip)

    started = loop.time()
    links, errors = await open_many(
        args.client, ids, batch=50, timeout=30.0, after_open=boot, protocol=args.protocol
    )
    try:
        emit(
            "connected",
            ok=len(links),
            failed=len(errors),
            errors=errors[:5],
            seconds=loop.time() - started,
        )
        await asyncio.sleep(args.settle)  # let the CSMS's GetConfiguration/GetBaseReport finish
        t0 = loop.time()
        t_end = t0 + args.seconds
        cpu0 = cpu_seconds()
        emit("window", seconds=args.seconds)
        tally = Tally()
        await asyncio.wait_for(
            asyncio.gather(
                *(_drive(link, i, args, t0, t_end, tally) for i, link in enumerate(links))
            ),
            args.seconds + 60,
        )
        cpu = cpu_seconds() - cpu0
        wall = loop.time() - t0
        emit(
            "done",
            completed=tally.completed,
            errors=tally.errors,
            late=tally.late,
            window=args.seconds,
            wall=wall,
            client_cpu=cpu / wall if wall else 0.0,
            latency_ms=summarize_ms(tally.latencies),
            by_action={k: summarize_ms(v) for k, v in sorted(tally.by_action.items())},
            error_samples=tally.error_samples[:5],
        )
    finally:
        await asyncio.wait_for(close_all(links), 30)


# --- the parent --------------------------------------------------------------
@dataclass(slots=True)
class RunResult:
    """One run of one target in one mode."""

    target: str
    protocol: str
    mode: str
    stations: int
    connected: int
    failed: int
    completed: int
    errors: int
    late: int
    calls_per_s: float
    latency_ms: dict[str, float]
    by_action: dict[str, dict[str, float]]
    server_cpu: float
    server_cpu_us_per_call: float
    client_cpu: float
    frames_per_s: float | None
    error_samples: list[str]
    profile: str = ""  # where the server's CPU went in the window (--profile-summary)


def _client_argv(args: argparse.Namespace, url: str, flood: bool, seconds: float) -> list[str]:
    argv = [
        str(Path(__file__).resolve()),
        "--client",
        url,
        "--stations",
        str(args.stations),
        "--rate",
        str(args.rate),
        "--seconds",
        str(seconds),
        "--settle",
        str(args.settle),
        "--seed",
        str(args.seed),
        "--protocol",
        args.protocol,
    ]
    if flood:
        argv.append("--flood")
    if args.client_validate:
        argv.append("--client-validate")
    if args.library_client:
        argv.append("--library-client")
    return argv


async def run_once(target: Target, args: argparse.Namespace, flood: bool) -> RunResult:
    """Start `target`, point a client process at it for one window, stop both."""
    seconds = args.flood_seconds if flood else args.seconds
    mode = "flood" if flood else "paced"
    child: Child | None = None
    profile = CpuProfile() if args.profile_summary else None
    try:
        url = await target.start()
        child = Child(_client_argv(args, url, flood, seconds))
        await child.start()
        connected = await child.expect("connected", 60 + args.stations * 0.5)
        await child.expect("window", args.settle + 30)
        loop = asyncio.get_running_loop()
        if profile is not None:
            profile.start()
        cpu0, wall0, frames0 = cpu_seconds(), loop.time(), target.frames()
        done = await child.expect("done", seconds + 90)
        cpu1, wall1, frames1 = cpu_seconds(), loop.time(), target.frames()
    finally:
        if profile is not None:
            profile.stop()
        try:
            if child is not None:
                await child.stop()
        finally:
            await target.close()
    wall = wall1 - wall0
    fps = None
    if frames0 is not None and frames1 is not None:
        fps = (frames1 - frames0) / wall if wall else None
    return RunResult(
        target=target.name,
        protocol=args.protocol,
        mode=mode,
        stations=args.stations,
        connected=int(connected["ok"]),
        failed=int(connected["failed"]),
        completed=int(done["completed"]),
        errors=int(done["errors"]),
        late=int(done["late"]),
        calls_per_s=done["completed"] / done["window"],
        latency_ms=done["latency_ms"],
        by_action=done["by_action"],
        server_cpu=(cpu1 - cpu0) / wall if wall else 0.0,
        server_cpu_us_per_call=(cpu1 - cpu0) / done["completed"] * 1e6
        if done["completed"]
        else float("nan"),
        client_cpu=float(done["client_cpu"]),
        frames_per_s=fps,
        error_samples=list(done["error_samples"]) + list(connected["errors"]),
        profile=profile.summary(int(done["completed"])) if profile is not None else "",
    )


def print_run(label: str, r: RunResult, rate: float) -> None:
    """One run's table, its p99 by action, and any error samples."""
    rate_text = "max" if r.mode == "flood" else f"{rate:g}/s"
    header = [
        "run",
        "target",
        "protocol",
        "mode",
        "stations",
        "rate/st",
        "calls",
        "calls/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "errors",
        "late",
        "server CPU",
        "srv CPU/call",
        "client CPU",
    ]
    row = [
        label,
        r.target,
        r.protocol,
        r.mode,
        f"{r.connected}/{r.stations}",
        rate_text,
        f"{r.completed:,}",
        fmt(r.calls_per_s),
        fmt(r.latency_ms["p50"], 2),
        fmt(r.latency_ms["p99"], 2),
        fmt(r.latency_ms["max"], 1),
        str(r.errors),
        str(r.late),
        f"{r.server_cpu * 100:.0f}%",
        f"{fmt(r.server_cpu_us_per_call, 0)} us",
        f"{r.client_cpu * 100:.0f}%",
    ]
    print(table(header, [row]))
    parts = [f"{name} {fmt(s['p50'], 1)}/{fmt(s['p99'], 1)}" for name, s in r.by_action.items()]
    print("  p50/p99 ms by action: " + ", ".join(parts))
    if r.frames_per_s is not None:
        print(f"  frames captured by the engine: {r.frames_per_s:,.0f}/s (in + out)")
    for sample in r.error_samples[:5]:
        print(f"  error: {sample}")
    if r.profile:
        print(r.profile)
    print(flush=True)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def print_summary(results: list[RunResult], args: argparse.Namespace) -> None:
    """The ratios and targets, from the mean of each target's runs."""
    print(f"=== summary {args.protocol} (means over runs) ===")
    rows = []
    for mode in ("paced", "flood"):
        bare = [r for r in results if r.mode == mode and r.target == "bare"]
        deck = [r for r in results if r.mode == mode and r.target == "ocppdeck"]
        if not bare or not deck:
            continue
        b_cps = _mean([r.calls_per_s for r in bare])
        d_cps = _mean([r.calls_per_s for r in deck])
        rows.append(
            [
                mode,
                fmt(b_cps),
                fmt(d_cps),
                f"{d_cps / b_cps:.3f}" if b_cps else "-",
                fmt(_mean([r.latency_ms["p99"] for r in bare]), 2),
                fmt(_mean([r.latency_ms["p99"] for r in deck]), 2),
                fmt(_mean([r.server_cpu * 100 for r in bare]), 0) + "%",
                fmt(_mean([r.server_cpu * 100 for r in deck]), 0) + "%",
                fmt(_mean([r.server_cpu_us_per_call for r in bare]), 0),
                fmt(_mean([r.server_cpu_us_per_call for r in deck]), 0),
            ]
        )
    header = [
        "mode",
        "bare calls/s",
        "ocppdeck calls/s",
        "ratio",
        "bare p99 ms",
        "ocppdeck p99 ms",
        "bare srv CPU",
        "deck srv CPU",
        "bare CPU us/call",
        "deck CPU us/call",
    ]
    if rows:
        print(table(header, rows))
    print()
    paced = [r for r in results if r.mode == "paced" and r.target == "ocppdeck"]
    flood_b = [r for r in results if r.mode == "flood" and r.target == "bare"]
    flood_d = [r for r in results if r.mode == "flood" and r.target == "ocppdeck"]
    if paced:
        p99 = _mean([r.latency_ms["p99"] for r in paced])
        at_size = args.stations == TARGET_STATIONS and args.rate == TARGET_RATE
        judged = verdict(p99 < TARGET_P99_MS, at_size)
        print(
            f"target: p99 < {TARGET_P99_MS:g} ms at N=100 x 1 call/s -> ocppdeck paced "
            f"(N={args.stations} x {args.rate:g} call/s) p99 = {p99:.2f} ms: {judged}"
        )
        figure(f"csms_paced_p99_{args.protocol}", p99, "ms", f"<{TARGET_P99_MS:g}", judged)
    if flood_b and flood_d:
        ratio = _mean([r.calls_per_s for r in flood_d]) / _mean([r.calls_per_s for r in flood_b])
        judged = verdict(ratio >= TARGET_RATIO, args.stations == TARGET_STATIONS)
        print(
            f"target: ocppdeck >= {TARGET_RATIO:g} x bare calls/s at N=100 -> flood "
            f"(N={args.stations}) ratio = {ratio:.3f}: {judged}"
        )
        figure(f"csms_flood_ratio_{args.protocol}", ratio, "x", f">={TARGET_RATIO:g}x", judged)
        cost = _mean([r.server_cpu_us_per_call for r in flood_d]) / _mean(
            [r.server_cpu_us_per_call for r in flood_b]
        )
        print(
            f"  server CPU per call, ocppdeck/bare (flood): {cost:.2f}x "
            f"(less sensitive to a busy machine than calls/s; {1 / cost:.3f} would be the "
            "calls/s ratio of a CPU-bound server on a core of its own)"
        )
        starved = [r for r in flood_b + flood_d if r.server_cpu < 0.8]
        if starved:
            shares = ", ".join(f"{r.target} {r.server_cpu * 100:.0f}%" for r in starved)
            print(
                f"  note: a flooded server had less than a core ({shares}; load average "
                f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs): its calls/s are the share "
                "of the machine it got as much as its speed (bare's validation thread pool "
                "draws a second share). Trust the CPU per call more than this run's ratio."
            )
        floor = [r for r in results if r.mode == "flood" and r.target == "floor"]
        if floor:
            f_us = _mean([r.server_cpu_us_per_call for r in floor])
            d_us = _mean([r.server_cpu_us_per_call for r in flood_d])
            b_us = _mean([r.server_cpu_us_per_call for r in flood_b])
            print(
                f"  the transport alone (floor: websockets + orjson, fixed answers) takes "
                f"{f_us:.0f} us/call; above it ocppdeck spends {d_us - f_us:.0f} us/call, "
                f"bare {b_us - f_us:.0f}"
            )
        busy = [r for r in flood_b + flood_d if r.client_cpu > 0.9]
        if busy:
            print(
                "  note: the client process was near 100% CPU in "
                + ", ".join(f"{r.target} flood" for r in busy)
                + "; that run may be client-bound, so its ratio understates the server gap."
            )
    print(flush=True)


def plan(args: argparse.Namespace) -> list[tuple[str, bool]]:
    """The (target, flood) runs in order."""
    runs: list[tuple[str, bool]] = []
    for flood, repeat in ((False, args.repeat), (True, args.flood_repeat)):
        if flood and args.flood_seconds <= 0:
            continue
        for i in range(repeat):
            first_bare = i % 2 == 0 if args.order == "alternate" else args.order == "bare-first"
            pair = ["bare", "ocppdeck"] if first_bare else ["ocppdeck", "bare"]
            runs += [(t, flood) for t in [*pair, "floor"] if t in args.targets]
    return runs


async def main_async(args: argparse.Namespace) -> None:
    """Every planned run of each protocol, printed as it finishes, then its summary."""
    protocols = list(PROTOCOLS) if args.protocol == "both" else [args.protocol]
    summaries: list[tuple[list[RunResult], argparse.Namespace]] = []
    for protocol in protocols:
        one = argparse.Namespace(**{**vars(args), "protocol": protocol})
        summaries.append((await run_protocol(one), one))
    if len(summaries) > 1:  # both again, side by side at the end
        for results, one in summaries:
            print_summary(results, one)


async def run_protocol(args: argparse.Namespace) -> list[RunResult]:
    """Every planned run for `args.protocol`, printed as it finishes, then the summary."""
    soft, _ = raise_nofile()
    if soft < args.stations * 2 + 100:
        print(f"warning: open-files limit {soft} is low for {args.stations} stations")
    print(
        f"csms_throughput: {args.stations} stations, paced {args.rate:g} call/s/station for "
        f"{args.seconds:g} s x{args.repeat}, flood {args.flood_seconds:g} s "
        f"x{args.flood_repeat}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
        f"client validation {'on' if args.client_validate else 'off'}; "
        f"client calls {'through the library' if args.library_client else 'lean'}; "
        f"{args.protocol} cycle {CYCLES[args.protocol]}",
        flush=True,
    )
    results: list[RunResult] = []
    for n, (name, flood) in enumerate(plan(args), 1):
        target: Target = (
            OcppdeckTarget()
            if name == "ocppdeck"
            else FloorTarget(args.protocol)
            if name == "floor"
            else BareTarget(args.protocol)
        )
        result = await run_once(target, args, flood)
        results.append(result)
        print_run(f"#{n}", result, args.rate)
    print_summary(results, args)
    return results


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--stations", "-n", type=int, default=100, help="stations (clients)")
    p.add_argument("--rate", type=float, default=1.0, help="paced mode: calls/s per station")
    p.add_argument("--seconds", type=float, default=20.0, help="paced window per run")
    p.add_argument(
        "--flood-seconds",
        type=float,
        default=10.0,
        help="flood window per target (no pacing); 0 skips the flood runs",
    )
    p.add_argument("--repeat", type=int, default=1, help="paced runs per target")
    p.add_argument("--flood-repeat", type=int, default=1, help="flood runs per target")
    p.add_argument(
        "--order",
        choices=("bare-first", "ocppdeck-first", "alternate"),
        default="bare-first",
        help="which target runs first in each pair (alternate: swap every repeat)",
    )
    p.add_argument(
        "--flood",
        action="store_true",
        help="only flood runs (skip the paced ones), for --flood-seconds",
    )
    p.add_argument(
        "--target",
        dest="targets",
        action="append",
        choices=("bare", "ocppdeck", "floor"),
        help="run only this target (repeatable; default bare and ocppdeck; floor, the "
        "transport alone with fixed answers, runs only when named)",
    )
    p.add_argument("--settle", type=float, default=1.0, help="seconds between boot and window")
    p.add_argument(
        "--client-validate",
        action="store_true",
        help="validate payloads in the client too (costs client CPU; the servers always do); "
        "implies --library-client",
    )
    p.add_argument(
        "--library-client",
        action="store_true",
        help="stations send through the library's ChargePoint.call (about as much CPU per "
        "call as a server, so a flood may measure the client); default: each CALL's JSON is "
        "made once and sent as is, answers read by the library's receive loop",
    )
    p.add_argument(
        "--protocol",
        choices=(*PROTOCOLS, "both"),
        default=PROTOCOL,
        help="the stations' OCPP version (both: the whole comparison for each in turn)",
    )
    p.add_argument("--seed", type=int, default=7, help="pacing phase seed")
    p.add_argument("--profile", metavar="FILE", help="cProfile the server process into FILE")
    p.add_argument(
        "--profile-summary",
        action="store_true",
        help="profile each run's window (CPU time) and print where the server's CPU went; "
        "profiling slows both servers, so the calls/s of such a run are not the figures",
    )
    p.add_argument("--client", metavar="URL", help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: the parent by default, the load generator with --client."""
    args = build_parser().parse_args(argv)
    if args.client:
        return run_client(client_main, args)
    args.targets = args.targets or ["bare", "ocppdeck"]
    args.library_client = args.library_client or args.client_validate
    if args.flood:
        args.repeat = 0
        args.flood_seconds = args.flood_seconds or args.seconds
    from ocppdeck.core.logs import configure_logging

    workdir = tempfile.TemporaryDirectory(prefix="ocppdeck-bench-logs-")
    # As the console does: JSON logs to a file, the ocpp library's per-message lines off.
    configure_logging(path=Path(workdir.name) / "ocppdeck.log", level=logging.INFO)
    started = time.monotonic()
    try:
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            try:
                profiler.runcall(asyncio.run, main_async(args))
            finally:
                profiler.dump_stats(args.profile)
                print(f"profile written to {args.profile}")
        else:
            asyncio.run(main_async(args))
    except KeyboardInterrupt:
        return 130
    finally:
        logging.shutdown()
        workdir.cleanup()
    print(f"finished in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
