"""Shared pieces of the benchmarks: bench stations, payloads, child processes, numbers.

Not a benchmark itself. Each script in bench/ imports it from its own directory
(`python bench/<name>.py` puts bench/ first on sys.path).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import itertools
import json
import logging
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from ssl import SSLContext
from typing import Any

from ocpp import v201
from ocpp.charge_point import ChargePoint as AnyChargePoint
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.datatypes import KeyValue
from ocpp.v16.enums import Action
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

PROTOCOL = Subprotocol("ocpp1.6")
PROTOCOL_V201 = Subprotocol("ocpp2.0.1")
KILL_GRACE_S = 5.0  # how long a child gets to exit after terminate() before kill()

# ocppdeck's own CLI sends the `ocpp` library's per-message INFO lines nowhere;
# the benchmarks' stations and bare server do the same.
logging.getLogger("ocpp").setLevel(logging.WARNING)
logging.getLogger("websockets").setLevel(logging.WARNING)


# --- process -----------------------------------------------------------------
def raise_nofile() -> tuple[int, int]:
    """Raise this process's open-files soft limit to the hard limit; returns (soft, hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, 1 << 20)
    if soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def proc_status_kb(pid: int | str = "self") -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in kB, from /proc/<pid>/status."""
    found: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(rest.split()[0])
    return found


def run_measured(argv: Sequence[str], timeout: float) -> dict[str, Any]:
    """Run a command with stdout to /dev/null: its exit code, wall and CPU time (from
    wait4), peak RSS (VmHWM polled every 20 ms, and ru_maxrss) and stderr; or
    {"error": ...} when it ran past `timeout` seconds (it is killed)."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdout=subprocess.DEVNULL, stderr=err)
        hwm = pid = 0
        try:
            while True:
                hwm = max(hwm, proc_status_kb(proc.pid).get("VmHWM", 0))
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() - started > timeout:
                    return {"error": f"over {timeout:g} s, killed"}
                time.sleep(0.02)
        except OSError:  # gone between two polls: /proc no longer has it
            pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            if not pid:
                proc.kill()
                os.wait4(proc.pid, 0)
            proc.returncode = 0  # reaped above: keep Popen from waiting again
        wall = time.perf_counter() - started
        err.seek(0)
        text = err.read().decode("utf-8", "replace").strip()
    return {
        "exit": os.waitstatus_to_exitcode(status),
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "maxrss_kb": usage.ru_maxrss,
        "hwm_kb": hwm,
        "stderr": text,
    }


def cpu_seconds() -> float:
    """User + system CPU seconds this process has used (all threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- event loop and collector ---
TICK_S = 0.01


class LagProbe:
    """Schedules `call_later(TICK_S)` back to back and records how late each one runs."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.lags: list[float] = []
        self.recording = False
        self._handle: asyncio.TimerHandle | None = None
        self._expected = 0.0

    def start(self) -> None:
        """Begin ticking (recording starts with `record()`)."""
        self._schedule()

    def _schedule(self) -> None:
        self._expected = self.loop.time() + TICK_S
        self._handle = self.loop.call_later(TICK_S, self._tick)

    def _tick(self) -> None:
        if self.recording:
            self.lags.append(max(0.0, self.loop.time() - self._expected))
        self._schedule()

    def stop(self) -> None:
        """Stop ticking."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


class GcWatch:
    """Counts garbage collections and times them, via `gc.callbacks`."""

    def __init__(self) -> None:
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses[info["generation"]].append(time.perf_counter() - self._started)

    def __enter__(self) -> GcWatch:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self._callback)

    def describe(self, generation: int) -> str:
        """'N collections, longest X ms' for one generation."""
        found = self.pauses[generation]
        longest = max(found, default=0.0) * 1000
        return (
            f"{len(found)} collections, longest {longest:.1f} ms, total {sum(found) * 1000:.0f} ms"
        )


# --- numbers -----------------------------------------------------------------
def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) of already sorted values, nearest-rank; NaN when empty."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarize_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50 / p90 / p99 / max / mean of durations given in seconds, as milliseconds."""
    values = sorted(seconds)
    mean = sum(values) / len(values) if values else math.nan
    return {
        "p50": percentile(values, 50) * 1000,
        "p90": percentile(values, 90) * 1000,
        "p99": percentile(values, 99) * 1000,
        "max": (values[-1] if values else math.nan) * 1000,
        "mean": mean * 1000,
    }


def fmt(value: float, digits: int = 1) -> str:
    """A number for a table: fixed digits, '-' when unknown."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.{digits}f}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain text table, first column left-aligned, the others right-aligned."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts)

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


# --- stations ----------------------------------------------------------------
def now_iso() -> str:
    """Now, as an OCPP timestamp."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class BenchStation(ChargePoint):
    """A bare OCPP 1.6 station: it only answers the GetConfiguration the CSMS sends after boot."""

    @on(Action.get_configuration)
    def on_get_configuration(self, **_: Any) -> call_result.GetConfiguration:
        return call_result.GetConfiguration(
            configuration_key=[KeyValue(key="NumberOfConnectors", readonly=True, value="1")]
        )


class BenchStationV201(v201.ChargePoint):
    """A bare OCPP 2.0.1 station: it accepts the GetBaseReport the CSMS sends after boot
    (and sends no NotifyReport)."""

    @on("GetBaseReport")
    def on_get_base_report(self, **_: Any) -> v201.call_result.GetBaseReport:
        return v201.call_result.GetBaseReport(status="Accepted")


STATIONS: dict[str, type[AnyChargePoint]] = {
    PROTOCOL: BenchStation,
    PROTOCOL_V201: BenchStationV201,
}


def boot_payload() -> call.BootNotification:
    """The BootNotification every bench station sends first."""
    return call.BootNotification(charge_point_vendor="ocppdeck-bench", charge_point_model="B1")


def meter_values_payload(transaction_id: int | None, wh: int) -> call.MeterValues:
    """One energy sample on connector 1."""
    return call.MeterValues(
        connector_id=1,
        transaction_id=transaction_id,
        meter_value=[
            {
                "timestamp": now_iso(),
                "sampledValue": [
                    {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
                ],
            }
        ],
    )


@dataclass(slots=True)
class Link:
    """One connected bench station: its socket, its ChargePoint and the receive loop."""

    ws: ClientConnection
    cp: AnyChargePoint  # BenchStation or BenchStationV201 (see STATIONS)
    reader: asyncio.Task[None]

    async def close(self) -> None:
        """Close the socket and stop the receive loop."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 2.0)
        self.reader.cancel()
        await asyncio.gather(self.reader, return_exceptions=True)


async def _read(cp: AnyChargePoint) -> None:
    with contextlib.suppress(Exception):
        await cp.start()


async def open_station(
    url: str,
    station_id: str,
    timeout: float = 30.0,
    response_timeout: float = 30.0,
    compression: bool = True,
    protocol: str = PROTOCOL,
    ssl: SSLContext | None = None,
    password: str | None = None,
) -> Link:
    """Connect a bench station to `url/<station_id>` and start reading; raises on failure.

    `compression=False` does not offer permessage-deflate (many chargers do not).
    `protocol` (a key of STATIONS) is the only subprotocol offered and picks the station.
    `ssl` trusts the CSMS's certificate on wss://; `password` logs in with HTTP Basic.
    """
    headers = {}
    if password is not None:
        token = base64.b64encode(f"{station_id}:{password}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    ws = await connect(
        f"{url}/{station_id}",
        subprotocols=[Subprotocol(protocol)],
        open_timeout=timeout,
        close_timeout=2.0,
        compression="deflate" if compression else None,
        additional_headers=headers,
        ssl=ssl,
    )
    cp = STATIONS[protocol](station_id, ws, response_timeout=response_timeout)
    return Link(ws, cp, asyncio.create_task(_read(cp), name=f"read:{station_id}"))


async def open_many(
    url: str,
    ids: Sequence[str],
    batch: int,
    timeout: float,
    after_open: Callable[[Link], Awaitable[None]] | None = None,
    compression: bool = True,
    protocol: str = PROTOCOL,
    ssl: SSLContext | None = None,
    password: str | None = None,
) -> tuple[list[Link], list[str]]:
    """Connect stations `batch` at a time; returns (links, one error text per failure)."""
    links: list[Link] = []
    errors: list[str] = []

    async def one(station_id: str) -> None:
        try:
            link = await open_station(
                url, station_id, timeout, timeout, compression, protocol, ssl, password
            )
        except Exception as exc:
            errors.append(f"{station_id}: {type(exc).__name__}: {exc}")
            return
        links.append(link)
        if after_open is not None:
            try:
                await after_open(link)
            except Exception as exc:
                errors.append(f"{station_id} after connect: {type(exc).__name__}: {exc}")

    it = iter(ids)
    while chunk := list(itertools.islice(it, batch)):
        await asyncio.gather(*(one(s) for s in chunk))
    return links, errors


async def close_all(links: Sequence[Link], batch: int = 500) -> None:
    """Close many links, a batch at a time."""
    for i in range(0, len(links), batch):
        await asyncio.gather(*(link.close() for link in links[i : i + batch]))


# --- parent <-> child --------------------------------------------------------
def emit(event: str, **data: Any) -> None:
    """Print one JSON event line for the parent process to read."""
    sys.stdout.write(json.dumps({"event": event, **data}) + "\n")
    sys.stdout.flush()


class Child:
    """A child process started from the event loop; its JSON stdout lines are events."""

    def __init__(self, argv: Sequence[str]) -> None:
        self.argv = [sys.executable, *argv]
        self.proc: asyncio.subprocess.Process | None = None
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.stray: list[str] = []
        self._pump: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the child; its stdout is parsed into `events`, stderr passes through."""
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            limit=16 * 1024 * 1024,
        )
        self._pump = asyncio.create_task(self._read(), name="child-stdout")

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        async for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            try:
                event = json.loads(line)
            except ValueError:
                self.stray.append(line)
                continue
            await self.events.put(event)
        await self.events.put({"event": "eof"})

    async def expect(self, name: str, timeout: float) -> dict[str, Any]:
        """The next event named `name` (others are skipped); raises TimeoutError or on EOF."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = await asyncio.wait_for(self.events.get(), max(0.0, deadline - loop.time()))
            if event.get("event") == name:
                return event
            if event.get("event") == "eof":
                code = None
                if self.proc is not None:
                    with contextlib.suppress(TimeoutError):
                        code = await asyncio.wait_for(self.proc.wait(), 5)
                raise RuntimeError(f"client exited (code {code}) before {name!r}")
            if event.get("event") == "error":
                raise RuntimeError(f"client failed: {event.get('detail')}")

    async def stop(self, grace: float = KILL_GRACE_S) -> int | None:
        """Wait briefly for the child to exit, then terminate, then kill."""
        proc = self.proc
        if proc is None:
            return None
        if proc.returncode is None:
            try:
                await asyncio.wait_for(proc.wait(), grace)
            except TimeoutError:
                proc.terminate()
                try:
                    await asyncio.wait_for(proc.wait(), grace)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()
        if self._pump is not None:
            self._pump.cancel()
            await asyncio.gather(self._pump, return_exceptions=True)
        return proc.returncode


def run_client(client_main: Callable[[Any], Coroutine[Any, Any, None]], args: Any) -> int:
    """The load-generating child's entry: run it, and report a failure to the parent first."""
    try:
        asyncio.run(client_main(args))
    except Exception as exc:
        emit("error", detail=f"{type(exc).__name__}: {exc}")
        raise
    return 0


def run_timed(main_async: Callable[[Any], Coroutine[Any, Any, None]], args: Any) -> int:
    """The measured side's entry: run it and say how long it took."""
    started = time.monotonic()
    try:
        asyncio.run(main_async(args))
    except KeyboardInterrupt:
        return 130
    print(f"finished in {time.monotonic() - started:.1f} s")
    return 0


def run_side(
    args: Any,
    client_main: Callable[[Any], Coroutine[Any, Any, None]],
    main_async: Callable[[Any], Coroutine[Any, Any, None]],
) -> int:
    """A bench's entry: the load-generating child with --client, else the measured side."""
    return run_client(client_main, args) if args.client else run_timed(main_async, args)
