"""A soak with faults: `ocppdeck serve` under a mixed fleet while everything goes wrong.

The CSMS under test is `ocppdeck serve`, a process of its own, on a data dir that
is a small tmpfs mounted here (so the disk can be filled on purpose). Two child
processes (this file with `--client`) load it:

* fleet: `--stations` simulated stations (core/sim), 1.6 and 2.0.1 in turn, running
  real transactions, with faults on their wire: `--garbage` of their frames preceded
  by a garbage frame, `--duplicates` of their CALLs sent twice, random abrupt
  disconnects. Beside them, written straight on websockets: 2.0.1 stations whose
  TransactionEvents arrive out of order (offline, seqNo 2 before 1) and whose Ended
  comes twice, a station that floods CALLRESULTs with unknown ids, and a station
  that reads its answers slowly.
* probes: well-behaved 1.6 stations that send a Heartbeat every `--beat` s and time
  each answer.

Meanwhile the CSMS is killed with SIGKILL twice (restarted on the same port and
data dir each time) and the disk is filled for `--full-seconds`.

The CSMS starts aged (`--aged`, the default): its data dir holds the snapshot of a
CSMS that has served this fleet for days, every station's state where a long run keeps
it (full meter histories, closed transactions spread over their eviction sawtooth:
bench/_aged.py), and its frame log holds
`--frame-log-mb`. So its memory is at the steady state once the frame log has filled
(`--warmup` s into each life), and growth after that is a leak: the figure is the
slope of each minute's lowest RSS, per life long enough to show it. At the end the CSMS
stops, and this process restores an `Engine` from the data dir (the state after a
restart) and reads the recording, to compare with what the stations saw.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import logging
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _aged import AGED_PREFIX, write_aged_data_dir
from _benchlib import (
    Child,
    boot_payload,
    emit,
    fmt,
    open_station,
    proc_status_kb,
    raise_nofile,
    run_side,
    summarize_ms,
    table,
)
from ocpp.charge_point import ChargePoint
from ocpp.v16 import call
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException
from websockets.typing import Subprotocol

from ocppdeck.core.config import load_settings
from ocppdeck.core.dialects import V16, V201
from ocppdeck.core.disk.formats import ImportReport, read_frames
from ocppdeck.core.engine import Engine
from ocppdeck.core.model.limits import MAX_CLOSED_TRANSACTIONS
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from ocppdeck.core.sim.spec import SimSettings
from ocppdeck.core.wire.codec import encode
from ocppdeck.core.wire.frame import Direction, Frame, Kind

TARGET_STATIONS = 1000
TARGET_SECONDS = 600.0
TARGET_P99_MS = 100.0
TARGET_FLAT_MB_PER_MIN = 1.0  # growth of minute floors at the steady state, per life
FAILED = -1.0  # a probe heartbeat that got no answer
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 60.0
SAMPLE_EVERY_S = 2.0
REORDERERS = 5
CSMS_CALL_ANSWERS = {"GetBaseReport": {"status": "NotSupported"}}  # others: {} is valid
# What broken firmware sends: not JSON, not an array, an unknown message type, a number
# as message id, an unknown action, and a payload its schema refuses.
GARBAGE = (
    "this is not json {",
    '{"not": "an array"}',
    '[7, "g", "Heartbeat", {}]',
    '[2, 42, "Heartbeat", {}]',
    '[2, "g-{n}", "NoSuchAction", {}]',
    '[2, "g-{n}", "BootNotification", {{"chargePointVendor": 5}}]',
)


# --- the fleet child --------------------------------------------------------------
@dataclass(slots=True)
class Tally:
    """What the fleet child did, as the stations saw it."""

    counts: Counter[str] = field(default_factory=Counter)
    started: list[tuple[str, str]] = field(default_factory=list)  # (station, transaction id)
    reordered_ended: list[tuple[str, str]] = field(default_factory=list)


def _fault_the_wire(tally: Tally, rng: random.Random, args: argparse.Namespace) -> None:
    """Make every simulated station's wire faulty, and count what it sends and has answered.

    Patches the library's ChargePoint in this child only: each frame may be preceded by
    garbage or (a CALL) sent twice; each answer the station matched to its call is logged
    to `--answered-file` as "station<TAB>message id".
    """
    send, specific = ChargePoint._send, ChargePoint._get_specific_response
    answered = open(args.answered_file, "w", encoding="utf-8")  # noqa: SIM115 (child lifetime)
    numbers = itertools.count()

    async def faulty_send(self: ChargePoint, message: str) -> None:
        counts = tally.counts
        if rng.random() < args.garbage:
            garbage = rng.choice(GARBAGE).replace("{n}", str(next(numbers)))
            garbage = garbage.replace("{{", "{").replace("}}", "}")
            with contextlib.suppress(Exception):
                await self._connection.send(garbage)
                counts["garbage"] += 1
        await send(self, message)
        counts["frames"] += 1
        counts["calls"] += message.startswith("[2")
        if message.startswith("[2") and rng.random() < args.duplicates:
            with contextlib.suppress(Exception):
                await self._connection.send(message)
                counts["duplicates"] += 1

    async def matched(self: ChargePoint, unique_id: str, timeout: float) -> Any:
        response = await specific(self, unique_id, timeout)
        if response.unique_id == unique_id:  # the library recurses past strays: log once
            answered.write(f"{self.id}\t{unique_id}\n")
        return response

    ChargePoint._send = faulty_send  # type: ignore[method-assign]
    ChargePoint._get_specific_response = matched  # type: ignore[method-assign]


def _count_starts(fleet: Fleet, tally: Tally) -> None:
    """Note every transaction a station started: the CSMS accepted it, with its id."""
    for station in fleet.stations:
        start = station.link.start_transaction
        station_id = station.spec.station_id

        async def counted(*a: Any, _start: Any = start, _id: str = station_id) -> Any:
            result = await _start(*a)
            if result is not None and result[1]:
                tally.started.append((_id, str(result[0])))
            return result

        station.link.start_transaction = counted  # type: ignore[method-assign]


async def _disconnects(fleet: Fleet, every: float, rng: random.Random, tally: Tally) -> None:
    """Drop a random connected station's link, about once every `every` seconds."""
    while True:
        await asyncio.sleep(rng.expovariate(1.0 / every))
        connected = [s for s in fleet.stations if s.connected]
        if connected:
            rng.choice(connected).drop_connection()
            tally.counts["drops"] += 1


class RawStation:
    """A station written straight on websockets: for what the library would not send."""

    def __init__(self, url: str, station_id: str, protocol: str, **connect_kw: Any) -> None:
        self.url, self.station_id, self.protocol = url, station_id, protocol
        self.connect_kw = connect_kw
        self.ws: ClientConnection | None = None
        self._ids = itertools.count(1)

    async def open(self) -> ClientConnection:
        """Connect and boot; raises when the CSMS is away or refuses the boot."""
        self.ws = await connect(
            f"{self.url}/{self.station_id}",
            subprotocols=[Subprotocol(self.protocol)],
            open_timeout=10,
            close_timeout=1,
            **self.connect_kw,
        )
        if self.protocol == V16.name:
            boot = {"chargePointVendor": "Soak", "chargePointModel": "Raw"}
        else:
            boot = {"chargingStation": {"vendorName": "Soak", "model": "Raw"}, "reason": "PowerUp"}
        answer = await self.call("BootNotification", boot)
        if answer[0] != 3 or answer[2].get("status") != "Accepted":
            raise ConnectionError(f"boot not accepted: {answer}")
        return self.ws

    async def call(self, action: str, payload: dict[str, Any], timeout: float = 10.0) -> list[Any]:
        """Send a CALL and return its answer, answering the CSMS's own calls meanwhile."""
        assert self.ws is not None
        unique_id = f"{self.station_id}-{next(self._ids)}"
        await self.ws.send(json.dumps([2, unique_id, action, payload]))
        async with asyncio.timeout(timeout):
            while True:
                message = json.loads(await self.ws.recv())
                if message[0] == 2:
                    answer = CSMS_CALL_ANSWERS.get(message[2], {})
                    await self.ws.send(json.dumps([3, message[1], answer]))
                elif message[1] == unique_id:
                    return message

    async def transaction_message(self, payload: dict[str, Any], attempts: int = 5) -> list[Any]:
        """A TransactionEvent, sent again a second later while the CSMS answers it with a
        CallError (as a station keeps its transaction-related messages); the last answer."""
        for _ in range(attempts - 1):
            answer = await self.call("TransactionEvent", payload)
            if answer[0] != 4:
                return answer
            await asyncio.sleep(1)
        return await self.call("TransactionEvent", payload)

    async def close(self) -> None:
        """Close without waiting long for a CSMS that may be gone."""
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 2)


def _tx_event(tx_id: str, t0: datetime, kind: str, seq: int, **extra: Any) -> dict[str, Any]:
    """A 2.0.1 TransactionEvent `seq` seconds after `t0`, with a reading of 1 kWh a second."""
    at = (t0 + timedelta(seconds=seq)).isoformat().replace("+00:00", "Z")
    return {
        "eventType": kind,
        "timestamp": at,
        "triggerReason": "Authorized" if kind == "Started" else "MeterValuePeriodic",
        "seqNo": seq,
        "transactionInfo": {"transactionId": tx_id},
        "meterValue": [{"timestamp": at, "sampledValue": [{"value": 1000.0 * seq}]}],
        **extra,
    }


async def _reorderer(url: str, station_id: str, rng: random.Random, tally: Tally) -> None:
    """2.0.1 transactions whose Updated events arrive out of order and whose Ended comes twice."""
    station = RawStation(url, station_id, V201.name)
    while True:
        try:
            await station.open()
            while True:
                tx_id, t0 = str(uuid.UUID(int=rng.getrandbits(128), version=4)), datetime.now(UTC)

                started = _tx_event(
                    tx_id,
                    t0,
                    "Started",
                    0,
                    evse={"id": 1, "connectorId": 1},
                    idToken={"idToken": "SOAK-TAG", "type": "ISO14443"},
                )
                if (await station.transaction_message(started))[0] != 3:
                    await asyncio.sleep(1)
                    continue
                tally.started.append((station_id, tx_id))
                for seq in (2, 1):  # queued while offline, sent in the wrong order
                    await station.transaction_message(
                        _tx_event(tx_id, t0, "Updated", seq, offline=True)
                    )
                ended = _tx_event(tx_id, t0, "Ended", 3)
                ended["transactionInfo"]["stoppedReason"] = "Local"
                ended["triggerReason"] = "StopAuthorized"
                for _ in range(2):  # the firmware resends its Ended
                    answer = await station.transaction_message(ended)
                if answer[0] == 3:
                    tally.reordered_ended.append((station_id, tx_id))
                tally.counts["reordered"] += 1
                await asyncio.sleep(rng.uniform(1, 3))
        except (OSError, TimeoutError, ConnectionError, WebSocketException, ValueError):
            await station.close()
            await asyncio.sleep(1)


async def _flooder(url: str, pad_bytes: int, tally: Tally) -> None:
    """CALLRESULTs with unknown message ids, as fast as the CSMS takes them."""
    station = RawStation(url, "SOAK-FLOODER", V16.name)
    pad = "x" * pad_bytes
    while True:
        try:
            ws = await station.open()
            for n in itertools.count():
                await ws.send(f'[3,"unknown-{n}",{{"pad":"{pad}"}}]')
                tally.counts["flood_sent"] += 1
                await asyncio.sleep(0)  # the socket's back-pressure is the only brake
        except (OSError, TimeoutError, ConnectionError, WebSocketException):
            tally.counts["flood_disconnected"] += 1
            await station.close()
            await asyncio.sleep(1)


async def _slow_reader(url: str, tally: Tally) -> None:
    """Sends 50 Heartbeats a second but reads one message a second (max_queue=1)."""
    station = RawStation(url, "SOAK-SLOW", V16.name, max_queue=1)
    while True:
        try:
            ws = await station.open()
            for n in itertools.count():
                await ws.send(json.dumps([2, f"slow-{n}", "Heartbeat", {}]))
                tally.counts["slow_sent"] += 1
                if n % 50 == 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(ws.recv(), 0.01)
                        tally.counts["slow_read"] += 1
                await asyncio.sleep(0.02)
        except (OSError, TimeoutError, ConnectionError, WebSocketException):
            tally.counts["slow_disconnected"] += 1
            await station.close()
            await asyncio.sleep(1)


async def client_fleet(args: argparse.Namespace) -> None:
    """The fleet and the faulty stations, until the stop file appears."""
    raise_nofile()
    logging.disable(logging.CRITICAL)  # every station's "link down" while the CSMS is dead
    rng = random.Random(args.seed)
    tally = Tally()
    _fault_the_wire(tally, rng, args)
    settings = SimSettings(
        meter_interval=args.meter_interval,
        session_mean=args.session_mean,
        idle_mean=args.idle_mean,
        reconnect_min=1.0,
        reconnect_max=args.reconnect_max,
    )
    specs = fleet_specs(args.stations, args.seed, protocols=(V16.name, V201.name))
    fleet = Fleet(specs, args.client_url, settings, seed=args.seed)
    _count_starts(fleet, tally)
    await fleet.start()
    chaos = [
        asyncio.create_task(_disconnects(fleet, args.drop_every, rng, tally)),
        asyncio.create_task(_flooder(args.client_url, args.flood_bytes, tally)),
        asyncio.create_task(_slow_reader(args.client_url, tally)),
        *(
            asyncio.create_task(_reorderer(args.client_url, f"SOAK-REORDER-{n}", rng, tally))
            for n in range(1, REORDERERS + 1)
        ),
    ]
    emit("started", stations=len(specs))
    try:
        while not Path(args.stop_file).exists():
            await asyncio.sleep(0.2)
    finally:
        for task in chaos:
            task.cancel()
        await asyncio.gather(*chaos, return_exceptions=True)
        await asyncio.wait_for(fleet.close(), STOP_TIMEOUT_S)
    emit(
        "done",
        counts=dict(tally.counts),
        started=tally.started,
        reordered_ended=tally.reordered_ended,
    )


# --- the probes child -------------------------------------------------------------
async def _probe(
    url: str, station_id: str, every: float, offset: float, out: list[tuple[float, float]]
) -> None:
    """Heartbeats every `every` s, reconnecting whenever the link is lost."""
    loop = asyncio.get_running_loop()
    await asyncio.sleep(offset)
    while True:
        try:
            link = await open_station(url, station_id, timeout=5.0, response_timeout=5.0)
        except Exception:
            await asyncio.sleep(every)
            continue
        try:
            await link.cp.call(boot_payload(), suppress=False)
            while not link.reader.done():
                started, sent = loop.time(), time.time()
                try:
                    await link.cp.call(call.Heartbeat(), suppress=False)
                    out.append((sent, loop.time() - started))
                except Exception:
                    out.append((sent, FAILED))
                    break
                await asyncio.sleep(max(0.0, every - (loop.time() - started)))
        except Exception:
            await asyncio.sleep(every)
        finally:
            await link.close()


async def client_probes(args: argparse.Namespace) -> None:
    """Well-behaved stations timing their heartbeats, until the stop file appears."""
    beats: list[tuple[float, float]] = []
    probes = [
        asyncio.create_task(
            _probe(
                args.client_url,
                f"SOAK-PROBE-{n:02d}",
                args.beat,
                args.beat * n / args.probes,
                beats,
            )
        )
        for n in range(args.probes)
    ]
    emit("started", probes=len(probes))
    try:
        while not Path(args.stop_file).exists():
            await asyncio.sleep(0.2)
    finally:
        for task in probes:
            task.cancel()
        await asyncio.gather(*probes, return_exceptions=True)
    emit("done", beats=beats)


async def client_main(args: argparse.Namespace) -> None:
    """The child's part."""
    await {"fleet": client_fleet, "probes": client_probes}[args.client](args)


# --- the data dir: a tmpfs that can be filled -------------------------------------
class Disk:
    """The data dir on a tmpfs of `size_mb`, or a plain folder when mounting is not allowed."""

    def __init__(self, path: Path, size_mb: int) -> None:
        self.path, self.size_mb = path, size_mb
        self.mounted = False
        self.why_not = ""

    def mount(self) -> None:
        """Mount the tmpfs; on failure note why (the full-disk episode is then skipped)."""
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={self.size_mb}m,mode=0700", "tmpfs", self.path],
            capture_output=True,
            text=True,
        )
        self.mounted = done.returncode == 0
        self.why_not = done.stderr.strip() or f"mount exited {done.returncode}"

    def used(self) -> int:
        """Bytes in use."""
        st = os.statvfs(self.path)
        return (st.f_blocks - st.f_bfree) * st.f_frsize

    def fill(self) -> bool:
        """Shrink the filesystem to what is in use now: the next block written fails."""
        for _ in range(20):  # the CSMS keeps writing: a size below use is refused
            done = subprocess.run(
                ["mount", "-o", f"remount,size={self.used() + 4096}", self.path],
                capture_output=True,
            )
            if done.returncode == 0:
                return True
        return False

    def free(self) -> None:
        """Give the space back."""
        subprocess.run(["mount", "-o", f"remount,size={self.size_mb}m", self.path], check=True)

    def unmount(self) -> None:
        """Unmount, if mounted."""
        if self.mounted:
            subprocess.run(["umount", "-l", self.path], check=False)


# --- the CSMS process -------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _get(port: int, path: str, timeout: float = 2.0) -> str | None:
    """The body of an HTTP GET to the CSMS port, None when nobody answers."""
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n".encode())
            raw = await reader.read()
            writer.close()
    except (OSError, TimeoutError):
        return None
    head, _, body = raw.decode("utf-8", "replace").partition("\r\n\r\n")
    return body if " 200 " in head.split("\r\n", 1)[0] else None


def _metric(body: str, name: str) -> float:
    """The sum of a metric's samples in Prometheus text."""
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line.startswith(name) and not line.startswith("#")
    )


class Csms:
    """`ocppdeck serve` in a process of its own, killed and restarted on demand."""

    def __init__(self, data: Path, port: int, log: Path, frame_log_mb: int) -> None:
        exe = Path(sys.executable).with_name("ocppdeck")
        self.argv = [
            str(exe),
            "serve",
            "--data-dir",
            str(data),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--accept-unknown-tags",
            "--frame-log-mb",
            str(frame_log_mb),
        ]
        self.port, self.log = port, log
        self.proc: subprocess.Popen[bytes] | None = None
        self.lives = 0

    async def start(self) -> float:
        """Start it and wait until it answers /metrics; returns the seconds that took."""
        began = time.monotonic()
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT)
        self.lives += 1
        while time.monotonic() - began < READY_TIMEOUT_S:
            if self.proc.poll() is not None:
                tail = self.log.read_text(encoding="utf-8", errors="replace")[-2000:]
                raise RuntimeError(f"ocppdeck serve exited {self.proc.returncode}:\n{tail}")
            if await _get(self.port, "/metrics") is not None:
                return time.monotonic() - began
            await asyncio.sleep(0.1)
        raise RuntimeError(f"ocppdeck serve not ready after {READY_TIMEOUT_S:g} s")

    def kill(self) -> None:
        """SIGKILL: no flush, no snapshot, no goodbye."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> int:
        """SIGTERM, as an operator stops it; its exit code."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def rss_mb(self) -> float | None:
        """Its resident memory now, None when it is not running."""
        if self.proc is None or self.proc.poll() is not None:
            return None
        with contextlib.suppress(OSError):
            return proc_status_kb(self.proc.pid)["VmRSS"] / 1024
        return None


# --- the run ----------------------------------------------------------------------
@dataclass(slots=True)
class Run:
    """What the measuring side saw, on the wall clock (time.time())."""

    began: float = field(default_factory=time.time)
    rss: list[tuple[float, int, float]] = field(default_factory=list)  # (t, life, MB)
    frames: list[tuple[float, int, float]] = field(default_factory=list)  # (t, life, /metrics)
    storage_errors: list[tuple[float, float]] = field(default_factory=list)  # (t, gauge)
    strays: float = 0.0
    outages: list[tuple[float, float]] = field(default_factory=list)  # kill .. ready + settle
    full: tuple[float, float] | None = None
    restarts: list[float] = field(default_factory=list)  # seconds to ready
    notes: list[str] = field(default_factory=list)


async def _sample(csms: Csms, run: Run) -> None:
    """Resident memory and the storage gauge of the live CSMS, every few seconds."""
    while True:
        now = time.time()
        if (mb := csms.rss_mb()) is not None:
            run.rss.append((now, csms.lives, mb))
        if (body := await _get(csms.port, "/metrics")) is not None:
            run.storage_errors.append((now, _metric(body, "ocppdeck_storage_error")))
            run.strays = max(run.strays, _metric(body, "ocppdeck_stray_answers_total"))
            run.frames.append((now, csms.lives, _metric(body, "ocppdeck_frames_total")))
        await asyncio.sleep(SAMPLE_EVERY_S)


async def _kill_and_restart(csms: Csms, run: Run, settle: float) -> None:
    killed = time.time()
    csms.kill()
    run.restarts.append(await csms.start())
    run.outages.append((killed, time.time() + settle))


async def _full_disk(disk: Disk, run: Run, seconds: float) -> None:
    if not disk.mounted:
        run.notes.append(f"no full-disk episode: tmpfs not mounted ({disk.why_not})")
        return
    began = time.time()
    if not disk.fill():
        run.notes.append("no full-disk episode: the tmpfs could not be shrunk to its use")
        return
    await asyncio.sleep(seconds)
    disk.free()
    run.full = (began, time.time())


def _child_argv(args: argparse.Namespace, part: str, url: str, stop: Path, work: Path) -> list[str]:
    return [
        __file__,
        "--client",
        part,
        "--client-url",
        url,
        "--stop-file",
        str(stop),
        "--answered-file",
        str(work / "answered.tsv"),
        *(
            f"--{name.replace('_', '-')}={getattr(args, name)}"
            for name in (
                "stations",
                "seed",
                "meter_interval",
                "session_mean",
                "idle_mean",
                "reconnect_max",
                "drop_every",
                "garbage",
                "duplicates",
                "flood_bytes",
                "probes",
                "beat",
            )
        ),
    ]


async def soak(args: argparse.Namespace, work: Path, disk: Disk) -> dict[str, Any]:
    """Run the load and the faults on the timeline; returns what the children reported."""
    port = _free_port()
    csms = Csms(disk.path, port, work / "serve.log", args.frame_log_mb)
    run = Run()
    if args.aged:
        specs = fleet_specs(args.stations, args.seed, protocols=(V16.name, V201.name))
        size = write_aged_data_dir(disk.path / "snapshot.json", specs, time.time())
        print(f"  aged start: a {size / 1e6:.0f} MB snapshot, every station at its steady state")
    run.restarts.append(await csms.start())
    sampler = asyncio.create_task(_sample(csms, run))
    url, stop = f"ws://127.0.0.1:{port}", work / "stop"
    fleet = Child(_child_argv(args, "fleet", url, stop, work))
    probes = Child(_child_argv(args, "probes", url, stop, work))
    try:
        await fleet.start()
        await fleet.expect("started", 120)
        await probes.start()
        await probes.expect("started", 60)
        run.began = time.time()
        t = args.seconds
        first, second = args.kill_at
        plan = sorted(
            [
                (first * t, "kill -9 #1", lambda: _kill_and_restart(csms, run, args.settle)),
                (args.full_at * t, "disk full", lambda: _full_disk(disk, run, args.full_seconds)),
                (second * t, "kill -9 #2", lambda: _kill_and_restart(csms, run, args.settle)),
            ],
            key=lambda step: step[0],
        )
        for at, what, act in plan:
            await asyncio.sleep(max(0.0, run.began + at - time.time()))
            print(f"  {time.time() - run.began:6.0f} s  {what}", flush=True)
            await act()
        await asyncio.sleep(max(0.0, run.began + t - time.time()))
        print(f"  {time.time() - run.began:6.0f} s  stopping the load", flush=True)
        stop.touch()
        fleet_done = await fleet.expect("done", STOP_TIMEOUT_S + 30)
        probes_done = await probes.expect("done", STOP_TIMEOUT_S)
    finally:
        stop.touch()
        await fleet.stop()
        await probes.stop()
        sampler.cancel()
        await asyncio.gather(sampler, return_exceptions=True)
        code = csms.stop() if csms.proc is not None and csms.proc.poll() is None else None
    if code not in (0, None):
        run.notes.append(f"ocppdeck serve exited {code} on SIGTERM")
    return {"run": run, "fleet": fleet_done, "probes": probes_done}


async def restored_state(data: Path) -> dict[tuple[str, str], Any]:
    """The transactions an Engine holds after restoring from the data dir."""
    engine = Engine(load_settings({"data_dir": data, "port": 0}))
    try:
        engine.restore()
        return dict(engine.state.transactions)
    finally:
        await engine.close()


@dataclass(frozen=True, slots=True)
class Recorded:
    """What the recording holds: inbound frames by sender group, the calls the fleet
    made, and the transactions whose stop (1.6) or Ended (2.x) was recorded."""

    kinds: Counter[str]
    calls: set[tuple[str, str]]
    stopped: set[tuple[str, str]]
    line_bytes: float  # mean size of a recorded frame's line, as the frame log holds it


def _stopped_id(frame: Frame) -> str | None:
    payload = frame.payload if isinstance(frame.payload, dict) else {}
    if frame.action == "StopTransaction":
        return str(payload.get("transactionId"))
    if frame.action == "TransactionEvent" and payload.get("eventType") == "Ended":
        return str(payload.get("transactionInfo", {}).get("transactionId"))
    return None


def recorded(data: Path) -> Recorded:
    """Read the recording for the figures."""
    kinds: Counter[str] = Counter()
    calls: set[tuple[str, str]] = set()
    stopped: set[tuple[str, str]] = set()
    lines = size = 0
    for frame in read_frames(data, "recording", ImportReport()):
        lines += 1
        size += len(encode(frame))
        if frame.direction is not Direction.IN or not frame.station:
            continue
        group = "fleet" if frame.station.startswith("SIM-") else "other"
        kinds[f"{group}:{frame.kind.value}"] += 1
        kinds[group] += 1
        if frame.kind is Kind.CALL:
            if group == "fleet":
                calls.add((frame.station, frame.unique_id))
            if (tx_id := _stopped_id(frame)) is not None:
                stopped.add((frame.station, tx_id))
    return Recorded(kinds, calls, stopped, size / max(1, lines))


def let_go(transactions: dict[tuple[str, str], Any], stopped: set[tuple[str, str]]) -> set:
    """Closed transactions the state let go of by its bound: recorded as stopped, of a
    station that holds its bound of closed ones (all newer). Not lost: the recording
    keeps them, and reports read them there."""
    full = Counter(station for (station, _), tx in transactions.items() if not tx.is_open)
    at_bound = MAX_CLOSED_TRANSACTIONS - MAX_CLOSED_TRANSACTIONS // 10  # it drops a tenth at once
    return {key for key in stopped if key not in transactions and full[key[0]] >= at_bound}


def _at_warmup(series: Sequence[tuple[float, float]], warmup: float) -> float:
    start = series[0][0]
    return next((mb for t, mb in series if t - start >= warmup), series[-1][1])


def memory_slopes(
    rss: Sequence[tuple[float, int, float]], warmup: float
) -> list[tuple[int, list[tuple[float, float]], float | None]]:
    """Per life of the CSMS: its (time, MB) samples and the least-squares slope in MB/min
    of those after `warmup` s (None with fewer than a minute of them)."""
    lives = []
    for life in sorted({life for _, life, _ in rss}):
        series = [(t, mb) for t, lf, mb in rss if lf == life]
        start = series[0][0]
        lives.append(
            (life, series, _slope([(t - start, mb) for t, mb in series if t - start >= warmup]))
        )
    return lives


def _slope(points: Sequence[tuple[float, float]]) -> float | None:
    """Least-squares MB/min of (s, MB) points spanning at least a minute, else None."""
    if len(points) < 2 or points[-1][0] - points[0][0] < 60:
        return None
    mean_t = sum(t for t, _ in points) / len(points)
    mean_mb = sum(mb for _, mb in points) / len(points)
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    return 60 * sum((t - mean_t) * (mb - mean_mb) for t, mb in points) / spread


def minute_floors(series: Sequence[tuple[float, float]], after: float) -> list[tuple[float, float]]:
    """The lowest MB in each whole minute of a life from `after` s into it, as (s, MB).

    Memory held is the floor: a snapshot (every minute or more) raises RSS for a few
    seconds and gives it back, and those peaks, caught or not by a sample, would swing
    a slope fitted to every sample of a few minutes by MB/min either way."""
    start = series[0][0]
    minutes: dict[int, float] = {}
    for t, mb in series:
        if (into := t - start - after) >= 0:
            m = int(into // 60)
            minutes[m] = min(mb, minutes.get(m, mb))
    last = int((series[-1][0] - start - after) // 60)  # the one still running is not whole
    return [(after + 60 * m, mb) for m, mb in sorted(minutes.items()) if m < last]


JUDGED_MINUTES = 3  # floors a life needs before its slope is judged


def floor_slope(series: Sequence[tuple[float, float]], after: float) -> float | None:
    """MB/min of a life's minute floors from `after` s; None below JUDGED_MINUTES of them."""
    floors = minute_floors(series, after)
    return _slope(floors) if len(floors) >= JUDGED_MINUTES else None


def frame_log_fill(
    frames: Sequence[tuple[float, int, float]], line_bytes: float, limit: int
) -> list[tuple[int, float | None]]:
    """Per life: about when (s into it) the frame log reached `limit` bytes, from the frames
    counted by /metrics times the mean size of a line; None when it did not in that life."""
    lives = []
    for life in sorted({life for _, life, _ in frames}):
        series = [(t, n) for t, lf, n in frames if lf == life]
        start = series[0][0]
        full = next((t - start for t, n in series if n * line_bytes >= limit), None)
        lives.append((life, full))
    return lives


def _in(windows: Sequence[tuple[float, float]], t: float) -> bool:
    return any(a <= t <= b for a, b in windows)


def report(args: argparse.Namespace, result: dict[str, Any], work: Path) -> None:
    """Print the figures."""
    run: Run = result["run"]
    counts = Counter(result["fleet"]["counts"])
    started = {(s, t) for s, t in result["fleet"]["started"]}
    found: Recorded = result["recorded"]
    transactions = {k: tx for k, tx in result["state"].items() if not k[1].startswith(AGED_PREFIX)}
    evicted = started & let_go(result["state"], found.stopped)
    lost = sorted(started - set(transactions) - evicted)
    csms_ids = [t for _, t in result["fleet"]["started"] if t.isdigit()]
    dup_station = sum(n - 1 for n in Counter(csms_ids).values() if n > 1)
    state_ids = [tid for (_, tid) in transactions if tid.isdigit()]
    dup_state = sum(n - 1 for n in Counter(state_ids).values() if n > 1)
    reordered = [tuple(x) for x in result["fleet"]["reordered_ended"]]
    reordered_closed = sum(
        1
        for key in reordered
        if key in evicted or (key in transactions and not transactions[key].is_open)
    )
    kinds, calls = found.kinds, found.calls
    answered = {
        tuple(line.rstrip("\n").split("\t", 1))
        for line in (work / "answered.tsv").read_text(encoding="utf-8").splitlines()
        if "\t" in line
    }
    fleet_answered = {key for key in answered if key[0].startswith("SIM-")}
    missing = fleet_answered - calls

    size = f"{args.stations:,} stations, {args.seconds:g} s"
    at_target = args.stations >= TARGET_STATIONS and args.seconds >= TARGET_SECONDS
    print(f"\nsoak: {size}; restarts ready in {', '.join(fmt(s, 1) for s in run.restarts)} s")
    for note in run.notes:
        print(f"  note: {note}")
    print(
        table(
            ("figure", "value", "target"),
            [
                ("transactions started (stations saw the CSMS accept)", f"{len(started):,}", ""),
                (
                    "  of them in the state after the last restart",
                    f"{len(started) - len(lost) - len(evicted):,}",
                    "",
                ),
                (
                    f"  closed, let go by the state's bound ({MAX_CLOSED_TRANSACTIONS}/station)",
                    f"{len(evicted):,}",
                    "",
                ),
                ("  lost", f"{len(lost):,}", "0"),
                ("duplicate transaction ids, as the stations got them", f"{dup_station:,}", "0"),
                ("duplicate transaction ids in the state", f"{dup_state:,}", "0"),
                (
                    "out-of-order 2.0.1 transactions closed in the state",
                    f"{reordered_closed:,} / {len(reordered):,}",
                    "all",
                ),
                (
                    "fleet frames sent (incl. garbage and duplicates)",
                    f"{counts['frames'] + counts['garbage'] + counts['duplicates']:,}",
                    "",
                ),
                (
                    "  garbage frames / duplicated CALLs",
                    f"{counts['garbage']:,} / {counts['duplicates']:,}",
                    "",
                ),
                ("fleet frames recorded (inbound)", f"{kinds['fleet']:,}", ""),
                ("  of them malformed (garbage, strays)", f"{kinds['fleet:MALFORMED']:,}", ""),
                ("fleet calls answered but not in the recording", f"{len(missing):,}", "0"),
                ("abrupt disconnects injected", f"{counts['drops']:,}", ""),
                (
                    "unknown CALLRESULTs flooded / flooder cut off",
                    f"{counts['flood_sent']:,} / {counts['flood_disconnected']:,}",
                    "",
                ),
                ("  counted as stray by the CSMS (last life)", f"{run.strays:,.0f}", ""),
                (
                    "slow reader: sent / read / cut off",
                    " / ".join(
                        f"{counts[k]:,}" for k in ("slow_sent", "slow_read", "slow_disconnected")
                    ),
                    "",
                ),
            ],
        )
    )
    if lost:
        print(f"  lost, first ones: {lost[:5]}")
    if missing:
        print(f"  answered, not recorded, first ones: {sorted(missing)[:5]}")

    if run.full is not None:
        a, b = run.full
        shown = [g for t, g in run.storage_errors if a <= t <= b]
        cleared = [t for t, g in run.storage_errors if t > b and g == 0]
        after = f"{fmt(cleared[0] - b, 1)} s after" if cleared else "NOT after"
        print(
            f"full disk for {b - a:.0f} s: storage error in /metrics during it: "
            f"{'yes' if any(shown) else 'NO'}; cleared {after} space returned"
        )

    beats = result["probes"]["beats"]
    outages, full = run.outages, [run.full] if run.full else []
    steady = [s for t, s in beats if not _in(outages, t) and not _in(full, t)]
    phases = [
        ("steady (flooder and slow reader running)", steady),
        ("disk full", [s for t, s in beats if _in(full, t)]),
        (f"kill -9 until {args.settle:g} s after ready", [s for t, s in beats if _in(outages, t)]),
    ]
    rows = []
    for name, sample in phases:
        ok = [s for s in sample if s != FAILED]
        sm = summarize_ms(ok) if ok else {"p50": 0.0, "p99": 0.0, "max": 0.0}
        rows.append(
            (
                name,
                f"{len(ok):,}",
                f"{len(sample) - len(ok):,}",
                fmt(sm["p50"]),
                fmt(sm["p99"]),
                fmt(sm["max"]),
            )
        )
    print(f"\nwell-behaved stations ({args.probes} probes, a Heartbeat every {args.beat:g} s):")
    print(table(("window", "answered", "failed", "p50 ms", "p99 ms", "max ms"), rows))

    print(
        f"\nresident memory of ocppdeck serve (MB). A life is judged once it is at its steady "
        f"state: {args.warmup:g} s in and its {args.frame_log_mb} MB frame log full; from then "
        f"the lowest MB of each whole minute (its floor), {JUDGED_MINUTES} floors at least:"
    )
    slopes = memory_slopes(run.rss, args.warmup)
    limit = args.frame_log_mb * 1024 * 1024
    fills = dict(frame_log_fill(run.frames, found.line_bytes, limit))
    rows, judged, unjudged = [], [], []
    for life, series, _ in slopes:
        full = fills.get(life)
        after = None if full is None else max(args.warmup, full)
        floors = [] if after is None else minute_floors(series, after)
        slope = None if after is None else floor_slope(series, after)
        if slope is not None:
            judged.append((life, slope))
        else:
            unjudged.append(
                f"life {life}: "
                + (
                    "its frame log never filled"
                    if after is None
                    else f"{len(floors)} whole minute(s) after {fmt(after, 0)} s"
                )
            )
        rows.append(
            (
                str(life),
                fmt(series[0][0] - run.began, 0),
                fmt(series[-1][0] - series[0][0], 0),
                fmt(max(mb for _, mb in series), 0),
                fmt(_at_warmup(series, args.warmup), 0),
                fmt(series[-1][1], 0),
                "-" if full is None else fmt(full, 0),
                ", ".join(fmt(mb, 0) for _, mb in floors) or "-",
                "-" if slope is None else fmt(slope, 2),
            )
        )
    header = ("life", "from s", "for s", "peak", "at warm-up", "at the end", "frame log full s")
    print(table((*header, "minute floors", "MB/min"), rows))
    print("MB at the end of each minute of a life (the last sample in it):")
    for life, series, _ in slopes:
        start = series[0][0]
        minutes = {int((t - start) // 60): mb for t, mb in series}
        marks = ", ".join(f"{m + 1}: {fmt(mb, 0)}" for m, mb in sorted(minutes.items()))
        print(f"  life {life}: {marks}")
    print(
        f"frame log full: about when {args.frame_log_mb} MB of frames had passed, from the "
        f"frames /metrics counted times the mean recorded frame ({fmt(found.line_bytes, 0)} "
        "bytes; a restart refolds frames into it, so it fills sooner after a kill)"
    )
    if unjudged:
        print(f"  too short to judge: {'; '.join(unjudged)}")
    steepest = max((slope for _, slope in judged), default=float("inf"))
    flat = bool(judged) and steepest < TARGET_FLAT_MB_PER_MIN
    verdict = (
        "not measured at target size"
        if not at_target
        else "not measured: no life was long enough (move --kill-at)"
        if not judged
        else "meets"
        if flat
        else "MISSES"
    )
    print(
        f"memory flat: minute floors grow < {TARGET_FLAT_MB_PER_MIN:g} MB/min in every judged "
        f"life{'' if args.aged else ' (not aged: the bounded histories were still filling)'} "
        f"-> {', '.join(f'life {life} {fmt(slope, 2)}' for life, slope in judged) or 'none'}: "
        + verdict
    )

    p99 = summarize_ms(steady)["p99"] if steady else float("inf")
    ok = not lost and not dup_station and not dup_state and not missing
    verdict = (
        "not measured at target size"
        if not at_target
        else ("meets" if ok and p99 < TARGET_P99_MS else "MISSES")
    )
    print(
        f"\ntarget: 0 lost, 0 duplicate ids, every answered call recorded, steady p99 < "
        f"{TARGET_P99_MS:g} ms with {TARGET_STATIONS:,} stations for {TARGET_SECONDS:g} s -> "
        f"lost {len(lost)}, duplicates {dup_station + dup_state}, unrecorded {len(missing)}, "
        f"p99 {fmt(p99)} ms at {size}: {verdict}",
        flush=True,
    )


async def main_async(args: argparse.Namespace) -> None:
    """Mount, soak, restore, read the recording, report, clean up."""
    soft, hard = raise_nofile()
    print(
        f"soak: {args.stations:,} stations (1.6 and 2.0.1) for {args.seconds:g} s; open-files "
        f"limit {soft}/{hard}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    work = Path(tempfile.mkdtemp(prefix="ocppdeck-soak-"))
    data = work / "data"
    data.mkdir()
    disk = Disk(data, args.disk_mb)
    disk.mount()
    try:
        result = await soak(args, work, disk)
        print("  restoring the state and reading the recording", flush=True)
        result["state"] = await restored_state(data)
        result["recorded"] = recorded(data)
        report(args, result, work)
    finally:
        if args.keep is not None:
            shutil.copytree(work, args.keep, dirs_exist_ok=True)
            print(f"  kept the data dir and logs in {args.keep}")
        disk.unmount()
        shutil.rmtree(work, ignore_errors=True)


def _fractions(value: str) -> tuple[float, float]:
    """Two fractions of the run, "0.3,0.7"."""
    parts = tuple(float(part) for part in value.split(","))
    if len(parts) != 2 or not all(0 < part < 1 for part in parts):
        raise argparse.ArgumentTypeError("expected two fractions between 0 and 1, like 0.3,0.7")
    return parts[0], parts[1]


def build_parser() -> argparse.ArgumentParser:
    """Flags of the measured side and (hidden) of the children."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--stations", type=int, default=200, help="simulated stations (200)")
    p.add_argument("--seconds", type=float, default=90.0, help="length of the soak (90)")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--meter-interval", type=float, default=10.0, help="s between meter values")
    p.add_argument("--session-mean", type=float, default=40.0, help="mean s of a session")
    p.add_argument("--idle-mean", type=float, default=15.0, help="mean s between sessions")
    p.add_argument("--reconnect-max", type=float, default=10.0, help="stations' backoff cap, s")
    p.add_argument("--drop-every", type=float, default=1.0, help="s between abrupt disconnects")
    p.add_argument("--garbage", type=float, default=0.01, help="share of frames after garbage")
    p.add_argument("--duplicates", type=float, default=0.005, help="share of CALLs sent twice")
    p.add_argument("--flood-bytes", type=int, default=1000, help="padding of each stray answer")
    p.add_argument("--probes", type=int, default=20, help="well-behaved timing stations")
    p.add_argument("--beat", type=float, default=0.5, help="probes' heartbeat every s")
    p.add_argument("--full-seconds", type=float, default=20.0, help="length of the full disk")
    p.add_argument(
        "--kill-at",
        type=_fractions,
        default=(0.55, 0.8),
        help="when the two kill -9 come, as fractions of --seconds (0.55,0.8): the first "
        "life is long enough to judge memory at its steady state",
    )
    p.add_argument(
        "--full-at", type=float, default=0.45, help="when the disk fills, a fraction (0.45)"
    )
    p.add_argument("--settle", type=float, default=30.0, help="s after a restart not 'steady'")
    p.add_argument(
        "--aged",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="start the CSMS from a state at its bounds (default: on)",
    )
    p.add_argument("--frame-log-mb", type=int, default=16, help="the CSMS's frame log (16)")
    p.add_argument(
        "--warmup", type=float, default=90.0, help="s into a life before memory is judged (90)"
    )
    p.add_argument("--disk-mb", type=int, default=1024, help="size of the tmpfs data dir")
    p.add_argument("--keep", type=Path, help="copy the data dir and logs here at the end")
    p.add_argument("--client", choices=("fleet", "probes"), help=argparse.SUPPRESS)
    p.add_argument("--client-url", help=argparse.SUPPRESS)
    p.add_argument("--stop-file", help=argparse.SUPPRESS)
    p.add_argument("--answered-file", help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the soak, or a child when --client is given."""
    return run_side(build_parser().parse_args(argv), client_main, main_async)


if __name__ == "__main__":
    sys.exit(main())
