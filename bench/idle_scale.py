"""Idle scale: resident memory of the ocppdeck CSMS holding thousands of idle stations.

The engine (CSMS, projection, recording, store, metrics, frame log) runs in this
process; a child process (this file with `--client`) opens --stations OCPP 1.6
connections in batches. Each station sends BootNotification, answers the CSMS's
GetConfiguration and then sends Heartbeat every --interval seconds. With all of
them connected the fleet is held for --hold seconds while this process samples
its own VmRSS from /proc/self/status.

The CSMS runs as `ocppdeck serve` does: the collector tuned (core/collector.py,
`--collector python` for Python's own), permessage-deflate as the setting says
(`--permessage-deflate`; the stations offer it unless `--no-compression`). Both
processes raise their open-files limit to the hard limit and print it.

Printed: RSS before any station and with all connected, MB per station,
connections that failed, heartbeats answered and their latency beside the
longest full (gen-2) collection, where each heartbeat's time went (to the CSMS's
reader, inside the CSMS, back to the station: the fleet and the CSMS stamp the same
message ids with the same wall clock), and the figures against the targets.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from _benchlib import (
    Child,
    GcWatch,
    LagProbe,
    Link,
    boot_payload,
    close_all,
    cpu_seconds,
    emit,
    fmt,
    open_many,
    proc_status_kb,
    raise_nofile,
    run_side,
    summarize_ms,
    table,
)
from _figures import figure, verdict
from ocpp.v16 import call

from ocppdeck.core.wire.frame import Direction, Frame, Kind

if TYPE_CHECKING:
    from ocppdeck.core.collector import Collector

# Resident memory of the CSMS with 2,000 stations connected (issue 9), then with 10,000,
# and the heartbeat p99 with 10,000 (issue 13).
TARGET_MB_2K = 300.0
TARGET_MB_10K = 800.0
TARGET_P99_MS = 100.0


HEARTBEAT_ID = "hb-"  # the fleet's heartbeat message ids start so: the CSMS side finds them


# --- the fleet (child process) -----------------------------------------------
async def client_main(args: argparse.Namespace) -> None:
    """Connect the fleet, heartbeat while holding, report JSON events on stdout."""
    soft, _ = raise_nofile()
    loop = asyncio.get_running_loop()
    ids = [f"IDLE{i:05d}" for i in range(args.stations)]
    latencies: list[float] = []
    failures: list[str] = []
    beats = {"ok": 0, "failed": 0}
    stop = asyncio.Event()
    hold = {"began": float("inf")}

    # (message id, wall time sent, wall time answered) of the hold's heartbeats: the CSMS
    # stamps the same ids' frames with the same clock, so the parent splits each answer.
    timed: list[tuple[str, float, float]] = []

    async def heartbeats(link: Link, index: int) -> None:
        # Each station on its own clock: every `interval` from a random phase, whenever the
        # last answer came. Waiting an interval after each answer instead locks the fleet
        # into bursts: answers delayed together in the connect storm come together, and so
        # do the next heartbeats, every interval (a quarter of 10,000 stations in one second).
        rng = random.Random(args.seed + index)
        due = loop.time() + rng.random() * args.interval
        count = 0
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, due - loop.time()))
                return
            count += 1
            uid = f"{HEARTBEAT_ID}{index}-{count}"
            started, sent = loop.time(), time.time()
            try:
                await link.cp.call(
                    call.Heartbeat(), suppress=False, unique_id=uid, skip_schema_validation=True
                )
            except Exception as exc:
                beats["failed"] += 1
                if len(failures) < 5:
                    failures.append(f"{link.cp.id}: heartbeat {type(exc).__name__}: {exc}")
            else:
                beats["ok"] += 1
                if started >= hold["began"]:  # one sent in the connect storm is not the hold's
                    latencies.append(loop.time() - started)
                    timed.append((uid, sent, time.time()))
            while due <= loop.time():  # a slot missed while waiting for an answer is skipped
                due += args.interval

    tasks: list[asyncio.Task[None]] = []

    async def boot(link: Link) -> None:
        await link.cp.call(boot_payload(), suppress=False, skip_schema_validation=True)
        tasks.append(asyncio.create_task(heartbeats(link, len(tasks))))

    started = loop.time()
    links, errors = await open_many(
        args.client,
        ids,
        batch=args.batch,
        timeout=args.connect_timeout,
        after_open=boot,
        compression=not args.no_compression,
    )
    probe = LagProbe(loop)
    try:
        emit(
            "connected",
            ok=len(links) - sum(1 for e in errors if "after connect" in e),
            failed=len(errors),
            errors=errors[:5],
            seconds=loop.time() - started,
            nofile=soft,
        )
        # Heartbeats run through the settle, unmeasured: the CSMS's one-time work after
        # the storm (its collector freezing 10,000 connections' objects) is shown apart.
        await asyncio.sleep(args.settle)
        hold["began"] = loop.time()  # latency is reported for the hold only
        # The fleet stands for 10,000 chargers, each its own machine: its own collector
        # walking all of them would stop every station at once and be timed as the CSMS's
        # answer. So it collects nothing while holding (what the connect made is frozen,
        # the hold's garbage waits for its end); its loop lag is shown beside the answers.
        gc.collect()
        gc.freeze()
        gc.disable()
        probe.start()
        probe.recording = True
        with GcWatch() as gc_watch:
            emit("holding")
            cpu_at_hold = cpu_seconds()
            await asyncio.sleep(args.hold)
        dropped = sum(1 for link in links if link.ws.close_code is not None)
        Path(args.times).write_text(json.dumps(timed))
        emit(
            "done",
            dropped=dropped,
            beats_ok=beats["ok"],
            beats_failed=beats["failed"],
            latency_ms=summarize_ms(latencies),
            failures=failures,
            client_rss_kb=proc_status_kb()["VmRSS"],
            cpu_s=cpu_seconds() - cpu_at_hold,
            lag_ms=summarize_ms(probe.lags),
            gc2_ms=max(gc_watch.pauses[2], default=0.0) * 1000,
        )
    finally:
        gc.enable()
        probe.stop()
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)
        await asyncio.wait_for(close_all(links), 60)


# --- the CSMS (this process) -------------------------------------------------
class Stamps:
    """When the CSMS took in each fleet heartbeat and sent its answer (its frames' times):
    with the fleet's own send and answer times, where each heartbeat's time went."""

    def __init__(self) -> None:
        self.came: dict[str, float] = {}
        self.answered: dict[str, float] = {}

    def take(self, frame: Frame) -> None:
        """A bus subscriber: the times of the fleet's heartbeats and their answers."""
        if not frame.unique_id.startswith(HEARTBEAT_ID):
            return
        if frame.kind is Kind.CALL and frame.direction is Direction.IN:
            self.came[frame.unique_id] = frame.ts
        elif frame.kind is Kind.RESULT and frame.direction is Direction.OUT:
            self.answered[frame.unique_id] = frame.ts

    def legs(self, timed: Sequence[tuple[str, float, float]]) -> dict[str, dict[str, float]]:
        """Summaries of each leg of the heartbeats the fleet timed: to the CSMS's reader,
        in the CSMS (read to answer sent), and back to the station's answer."""
        legs: dict[str, list[float]] = {
            "fleet sent -> CSMS read": [],
            "CSMS read -> CSMS answered": [],
            "CSMS answered -> fleet read": [],
        }
        to, inside, back = legs.values()
        for uid, sent, read in timed:
            came, answered = self.came.get(uid), self.answered.get(uid)
            if came is not None and answered is not None:
                to.append(came - sent)
                inside.append(answered - came)
                back.append(read - answered)
        return {leg: summarize_ms(times) for leg, times in legs.items()}


def rss_mb() -> float:
    """This process's resident memory now, in MB (MiB)."""
    return proc_status_kb()["VmRSS"] / 1024


async def main_async(args: argparse.Namespace) -> None:
    """The CSMS side, with the collector tuned as `ocppdeck serve` tunes it (or not)."""
    from ocppdeck.core.collector import tuned  # not imported by the --client process
    from ocppdeck.core.memory_trim import share_arenas

    share_arenas()  # as `ocppdeck serve` does

    if args.collector == "python":
        await measure(args, None)
        return
    with tuned() as collector:
        await measure(args, collector)


async def measure(args: argparse.Namespace, collector: Collector | None) -> None:
    """Start the engine, measure, connect the fleet, hold, measure, stop."""
    from ocppdeck.core.config import Settings
    from ocppdeck.core.engine import Engine
    from ocppdeck.core.logs import configure_logging

    soft, hard = raise_nofile()
    tmp = tempfile.TemporaryDirectory(prefix="ocppdeck-idle-")
    data_dir = Path(tmp.name)
    configure_logging(path=data_dir / "ocppdeck.log", level=logging.INFO)
    engine = Engine(
        Settings(
            host="127.0.0.1",
            port=0,
            data_dir=data_dir,
            accept_unknown_tags=True,
            heartbeat_interval=300,
            permessage_deflate=args.permessage_deflate == "on",
        )
    )
    child: Child | None = None
    loop = asyncio.get_running_loop()
    probe = LagProbe(loop)
    print(
        f"idle_scale: {args.stations} stations, heartbeat every {args.interval:g} s, "
        f"settle {args.settle:g} s, hold {args.hold:g} s, batches of {args.batch}, "
        f"permessage-deflate: CSMS {args.permessage_deflate}, stations "
        f"{'do not offer it' if args.no_compression else 'offer it'}; "
        f"collector {args.collector}; "
        f"open-files limit {soft}/{hard} "
        f"(pid {os.getpid()}); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    stamps = Stamps()
    try:
        await engine.start()
        engine.bus.subscribe(stamps.take)
        if collector is not None:
            collector.settle()  # as `ocppdeck serve` does after start-up
        gc.collect()
        await asyncio.sleep(0.5)
        before = rss_mb()
        child = Child(
            [
                str(Path(__file__).resolve()),
                "--client",
                engine.csms.url,
                "--stations",
                str(args.stations),
                "--interval",
                str(args.interval),
                "--hold",
                str(args.hold),
                "--settle",
                str(args.settle),
                "--batch",
                str(args.batch),
                "--connect-timeout",
                str(args.connect_timeout),
                "--seed",
                str(args.seed),
                "--times",
                str(data_dir / "heartbeat-times.json"),
                *(["--no-compression"] if args.no_compression else []),
            ]
        )
        await child.start()
        t0 = loop.time()
        # Generous: on a shared 2-core machine 10,000 stations took over ten minutes to connect.
        connected = await child.expect("connected", args.connect_timeout * 2 + args.stations * 0.2)
        server_side = len(engine.csms.connected())
        print(
            f"connect phase: {connected['ok']} stations up, {connected['failed']} failed, "
            f"in {connected['seconds']:.1f} s ({server_side} sessions on the CSMS)",
            flush=True,
        )
        with GcWatch() as settling:
            await child.expect("holding", args.settle + 60)
        samples: list[float] = []
        cpu_at_hold = cpu_seconds()
        probe.start()
        probe.recording = True
        with GcWatch() as gcw:
            done_task = asyncio.create_task(child.expect("done", args.hold + 60))
            while not done_task.done():
                samples.append(rss_mb())
                await asyncio.wait({done_task}, timeout=1.0)
        probe.stop()
        cpu_held = cpu_seconds() - cpu_at_hold
        done = done_task.result()
        timed = json.loads((data_dir / "heartbeat-times.json").read_text())
        legs = stamps.legs(timed)
        per_second = Counter(int(sent) for _, sent, _ in timed)
        held = len(engine.csms.connected())
        frames = len(engine.frames)
        tracked = len(gc.get_objects())
        frozen = gc.get_freeze_count()
        sweeps = collector.sweeps if collector is not None else 0
        hwm = proc_status_kb()["VmHWM"] / 1024
        elapsed = loop.time() - t0
    finally:
        try:
            if child is not None:
                await child.stop(grace=60)
        finally:
            probe.stop()
            await asyncio.wait_for(engine.close(), 60)
            logging.shutdown()
            tmp.cleanup()

    with_all = samples[-1] if samples else rss_mb()
    peak = max(samples) if samples else with_all
    up = max(1, int(connected["ok"]))
    per_station = (with_all - before) / up
    lat = done["latency_ms"]
    fleet_lag = done["lag_ms"]
    loop_lag = summarize_ms(probe.lags)
    lag_text = (
        f"{fmt(loop_lag['p50'], 2)} / {fmt(loop_lag['p99'], 2)} / {fmt(loop_lag['max'], 1)} ms"
    )
    beat_text = f"{fmt(lat['p50'], 2)} / {fmt(lat['p99'], 2)} / {fmt(lat['max'], 1)} ms"
    gc_ms = max(gcw.pauses[2], default=0.0) * 1000
    rows = [
        ["RSS before any station", f"{fmt(before)} MB"],
        [f"RSS with {connected['ok']} connected (end of hold)", f"{fmt(with_all)} MB"],
        ["RSS peak while holding / VmHWM", f"{fmt(peak)} / {fmt(hwm)} MB"],
        ["MB per station", f"{per_station * 1024:.1f} kB ({per_station:.4f} MB)"],
        ["connections failed", f"{connected['failed']} of {args.stations}"],
        ["dropped while holding", str(done["dropped"])],
        ["sessions on the CSMS at end of hold", str(held)],
        ["heartbeats answered / failed", f"{done['beats_ok']} / {done['beats_failed']}"],
        [
            "heartbeats sent a second in the hold: mean / busiest",
            f"{len(timed) / max(1, len(per_second)):.0f} / {max(per_second.values(), default=0)}",
        ],
        ["heartbeat p50 / p99 / max while holding", beat_text],
        [
            "heartbeat p99 / longest gen-2 GC pause",
            f"{fmt(lat['p99'], 2)} / {gc_ms:.1f} ms",
        ],
        *[
            [
                f"  {leg} p50 / p99 / max",
                f"{fmt(t['p50'], 2)} / {fmt(t['p99'], 2)} / {fmt(t['max'], 1)} ms",
            ]
            for leg, t in legs.items()
        ],
        ["CSMS loop lag p50 / p99 / max while holding", lag_text],
        *[[f"CSMS gen-{g} GC while holding", gcw.describe(g)] for g in (0, 1, 2)],
        [f"CSMS gen-2 GC in the {args.settle:g} s settle before", settling.describe(2)],
        ["CSMS GC-tracked objects at end of hold", f"{tracked:,}"],
        ["of which frozen / sweeps of the frozen set", f"{frozen:,} / {sweeps}"],
        ["frames in the engine's frame log", f"{frames:,}"],
        ["client process RSS", f"{fmt(done['client_rss_kb'] / 1024)} MB"],
        [
            "fleet loop lag p50 / p99 / max; its longest gen-2 GC",
            f"{fmt(fleet_lag['p50'], 2)} / {fmt(fleet_lag['p99'], 2)} / "
            f"{fmt(fleet_lag['max'], 1)} ms; {done['gc2_ms']:.1f} ms",
        ],
        [
            f"CPU seconds in the {args.hold:g} s hold: CSMS / fleet",
            f"{cpu_held:.1f} / {done['cpu_s']:.1f} s",
        ],
        ["wall time (connect + hold)", f"{elapsed:.1f} s"],
    ]
    print(table(["measure", "value"], rows))
    for err in connected["errors"] + done["failures"]:
        print(f"  error: {err}")
    up_count = int(connected["ok"])
    # Judged only at the size a target names, every station connected.
    at_2k, at_10k = (args.stations == up_count == size for size in (2000, 10_000))
    for target, size, shown, meets, at_size in (
        (f"< {TARGET_MB_2K:g} MB", "2,000", f"{fmt(with_all)} MB", with_all < TARGET_MB_2K, at_2k),
        (
            f"< {TARGET_MB_10K:g} MB",
            "10,000",
            f"{fmt(with_all)} MB",
            with_all < TARGET_MB_10K,
            at_10k,
        ),
        (
            f"heartbeat p99 < {TARGET_P99_MS:g} ms",
            "10,000",
            f"{fmt(lat['p99'], 1)} ms (longest gen-2 GC pause {gc_ms:.1f} ms)",
            lat["p99"] < TARGET_P99_MS,
            at_10k,
        ),
    ):
        print(
            f"target: {target} with {size} stations -> {shown} with {up_count}: "
            f"{verdict(meets, at_size)}",
            flush=True,
        )
    judged_rss = verdict(with_all < TARGET_MB_10K, at_10k)
    figure("idle_rss_10k", with_all, "MB", f"<{TARGET_MB_10K:g}", judged_rss)
    judged_p99 = verdict(lat["p99"] < TARGET_P99_MS, at_10k)
    figure("idle_heartbeat_p99_10k", lat["p99"], "ms", f"<{TARGET_P99_MS:g}", judged_p99)


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--stations", "-n", type=int, default=2000, help="stations to connect")
    p.add_argument("--interval", type=float, default=10.0, help="seconds between heartbeats")
    p.add_argument("--hold", type=float, default=120.0, help="seconds to hold all connected")
    p.add_argument(
        "--settle",
        type=float,
        default=60.0,
        help="seconds between the connect storm and the hold (heartbeating, not measured)",
    )
    p.add_argument("--batch", type=int, default=100, help="connections opened at once")
    p.add_argument(
        "--connect-timeout", type=float, default=30.0, help="per-connection open timeout"
    )
    p.add_argument(
        "--no-compression",
        action="store_true",
        help="stations do not offer permessage-deflate (whose zlib state costs memory)",
    )
    p.add_argument(
        "--permessage-deflate",
        choices=("on", "off"),
        default="on",
        help="the CSMS's setting (stations that do not offer it are served plain either way)",
    )
    p.add_argument(
        "--collector",
        choices=("tuned", "python"),
        default="tuned",
        help="the collector as `ocppdeck serve` tunes it, or Python's own",
    )
    p.add_argument("--seed", type=int, default=7, help="heartbeat phase seed")
    p.add_argument("--client", metavar="URL", help=argparse.SUPPRESS)
    p.add_argument("--times", help=argparse.SUPPRESS)  # the fleet writes its heartbeats' times
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: the CSMS side by default, the fleet with --client."""
    return run_side(build_parser().parse_args(argv), client_main, main_async)


if __name__ == "__main__":
    sys.exit(main())
