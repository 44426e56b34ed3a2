"""TUI load: the console's event-loop lag while ~1,000 OCPP frames/s flow through it.

`OcppDeckApp` runs headless (`App.run_test`, 160x48) on a live Engine in this
process, so the CSMS, the projection, the recording and the Textual redraws
share one event loop, as they do in `ocppdeck`. A child process (this file with
`--client`) drives OCPP 1.6 stations that each open a transaction and then send
MeterValues (and a StatusNotification every tenth call), paced so that --fps
frames/s reach the engine (a call and its result are two frames).

Inside the app's loop a ticker schedules `loop.call_later(0.01, ...)` back to
back and records how late each callback runs. Printed: lag p50/p99/max, frames
received/s, and whether the frame-log pane kept up with the engine's frame log.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import random
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from _benchlib import (
    TICK_S,
    Child,
    GcWatch,
    LagProbe,
    Link,
    boot_payload,
    close_all,
    cpu_seconds,
    emit,
    fmt,
    meter_values_payload,
    now_iso,
    open_many,
    raise_nofile,
    run_side,
    summarize_ms,
    table,
)
from ocpp.v16 import call, call_result
from ocpp.v16.enums import ChargePointErrorCode, ChargePointStatus

if TYPE_CHECKING:  # the --client process never imports ocppdeck
    from ocppdeck.tui.widgets.frame_log_view import FrameLogView

TARGET_P99_MS = 100.0  # event-loop lag p99 at ~1,000 frames/s


# --- the driver (child process) ----------------------------------------------
async def _drive(link: Link, index: int, args: argparse.Namespace, t_end: float) -> dict:
    """One station: an open transaction, then paced MeterValues / StatusNotification."""
    loop = asyncio.get_running_loop()
    cp = link.cp
    rng = random.Random(args.seed + index)
    interval = args.stations / (args.fps / 2)
    next_at = loop.time() + rng.random() * interval
    counts = {"ok": 0, "failed": 0, "late": 0}
    latencies: list[float] = []
    wh = 0
    tx_id: int | None = None
    statuses = (ChargePointStatus.charging, ChargePointStatus.suspended_ev)
    n = 0
    while True:
        delay = next_at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if loop.time() >= t_end:
            break
        if n % 10 == 9:
            payload = call.StatusNotification(
                connector_id=1,
                error_code=ChargePointErrorCode.no_error,
                status=statuses[(n // 10) % 2],
                timestamp=now_iso(),
            )
        else:
            wh += 7
            payload = meter_values_payload(tx_id, wh)
        n += 1
        started = loop.time()
        try:
            await cp.call(payload, suppress=False, skip_schema_validation=True)
        except Exception:
            counts["failed"] += 1
        else:
            counts["ok"] += 1
            latencies.append(loop.time() - started)
        next_at += interval
        now = loop.time()
        if next_at < now:
            counts["late"] += 1
            next_at = now
    return {**counts, "latencies": latencies}


async def client_main(args: argparse.Namespace) -> None:
    """Connect and boot, open one transaction each, then drive for --seconds."""
    raise_nofile()
    loop = asyncio.get_running_loop()
    ids = [f"TUI{i:04d}" for i in range(args.stations)]

    async def prepare(link: Link) -> None:
        cp = link.cp
        await cp.call(boot_payload(), suppress=False, skip_schema_validation=True)
        await cp.call(
            call.StatusNotification(
                connector_id=1,
                error_code=ChargePointErrorCode.no_error,
                status=ChargePointStatus.preparing,
            ),
            suppress=False,
            skip_schema_validation=True,
        )
        await cp.call(call.Authorize(id_tag="TUI-TAG"), suppress=False)
        result = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag="TUI-TAG", meter_start=0, timestamp=now_iso()
            ),
            suppress=False,
        )
        assert isinstance(result, call_result.StartTransaction)

    links, errors = await open_many(args.client, ids, batch=50, timeout=30.0, after_open=prepare)
    try:
        emit("connected", ok=len(links), failed=len(errors), errors=errors[:5])
        await asyncio.sleep(1.0)  # GetConfiguration round trips
        t0 = loop.time()
        cpu0 = cpu_seconds()
        emit("window", seconds=args.seconds)
        results = await asyncio.wait_for(
            asyncio.gather(
                *(_drive(link, i, args, t0 + args.seconds) for i, link in enumerate(links))
            ),
            args.seconds + 60,
        )
        wall = loop.time() - t0
        latencies = [x for r in results for x in r["latencies"]]
        emit(
            "done",
            ok=sum(r["ok"] for r in results),
            failed=sum(r["failed"] for r in results),
            late=sum(r["late"] for r in results),
            wall=wall,
            client_cpu=(cpu_seconds() - cpu0) / wall,
            latency_ms=summarize_ms(latencies),
        )
    finally:
        await asyncio.wait_for(close_all(links), 30)


# --- the console (this process) ----------------------------------------------
def pane_position(view: FrameLogView) -> int:
    """One past the newest engine frame position the frame-log pane has taken in."""
    return view.positions[-1] + 1 if view.positions else 0


async def main_async(args: argparse.Namespace) -> None:
    """Run the console headless on a live engine, drive it, measure the loop."""
    from ocppdeck.core.config import Settings
    from ocppdeck.core.engine import Engine
    from ocppdeck.core.logs import configure_logging
    from ocppdeck.tui.app import OcppDeckApp
    from ocppdeck.tui.widgets.frame_log_view import FrameLogView

    raise_nofile()
    tmp = tempfile.TemporaryDirectory(prefix="ocppdeck-tui-")
    data_dir = Path(tmp.name)
    configure_logging(path=data_dir / "ocppdeck.log", level=logging.INFO)
    engine = Engine(
        Settings(
            host="127.0.0.1",
            port=0,
            data_dir=data_dir,
            accept_unknown_tags=True,
            heartbeat_interval=300,
        )
    )
    app = OcppDeckApp(engine)
    loop = asyncio.get_running_loop()
    probe = LagProbe(loop)
    child: Child | None = None
    behind: list[int] = []
    closed = False
    print(
        f"tui_load: {args.stations} stations, target {args.fps:g} frames/s "
        f"({args.fps / 2:g} calls/s + results), {args.seconds:g} s, headless 160x48; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            if app.startup_error:
                raise RuntimeError(app.startup_error)
            view = app.query_one(FrameLogView)
            probe.start()
            child = Child(
                [
                    str(Path(__file__).resolve()),
                    "--client",
                    engine.csms.url,
                    "--stations",
                    str(args.stations),
                    "--fps",
                    str(args.fps),
                    "--seconds",
                    str(args.seconds),
                    "--seed",
                    str(args.seed),
                ]
            )
            await child.start()
            connected = await child.expect("connected", 60 + args.stations * 0.5)
            await child.expect("window", 30)
            frames0, cpu0, t0 = len(engine.frames), cpu_seconds(), loop.time()
            probe.recording = True
            with GcWatch() as gcw:
                done_task = asyncio.create_task(child.expect("done", args.seconds + 90))
                while not done_task.done():
                    await asyncio.wait({done_task}, timeout=0.5)
                    behind.append(len(engine.frames) - pane_position(view))
            done = done_task.result()
            probe.recording = False
            frames1, cpu1, t1 = len(engine.frames), cpu_seconds(), loop.time()
            end_engine, end_pane = len(engine.frames), pane_position(view)
            await asyncio.sleep(engine.settings.redraw_interval * 2 + 0.1)
            settled_engine, settled_pane = len(engine.frames), pane_position(view)
            tracked = len(gc.get_objects())
            stations_seen = len(engine.state.stations)
            open_tx = len(engine.state.open)
            await child.stop(grace=30)
            child = None
            closed = True
            await app.source.close()
            await pilot.pause()
    finally:
        probe.stop()
        try:
            if child is not None:
                await child.stop(grace=5)
        finally:
            if not closed:
                await asyncio.wait_for(engine.close(), 30)
            logging.shutdown()
            tmp.cleanup()

    wall = t1 - t0
    lag = summarize_ms(probe.lags)
    fps = (frames1 - frames0) / wall
    client_lat = done["latency_ms"]
    mean_behind = sum(behind) / len(behind) if behind else 0
    rows = [
        ["stations connected / failed", f"{connected['ok']} / {connected['failed']}"],
        ["frames received by the engine", f"{fps:,.0f}/s (target {args.fps:g}/s)"],
        ["calls answered / failed / late", f"{done['ok']:,} / {done['failed']} / {done['late']}"],
        ["loop lag p50", f"{fmt(lag['p50'], 2)} ms"],
        ["loop lag p99", f"{fmt(lag['p99'], 2)} ms"],
        ["loop lag max", f"{fmt(lag['max'], 1)} ms"],
        ["gen-2 GC in the window", gcw.describe(2)],
        ["GC-tracked objects at end", f"{tracked:,}"],
        ["loop lag samples", f"{len(probe.lags):,} (one per {TICK_S * 1000:g} ms tick)"],
        ["station call p50 / p99", f"{fmt(client_lat['p50'], 2)} / {fmt(client_lat['p99'], 2)} ms"],
        ["console process CPU", f"{(cpu1 - cpu0) / wall * 100:.0f}%"],
        ["driver process CPU", f"{done['client_cpu'] * 100:.0f}%"],
        ["pane behind engine (mean / max)", f"{mean_behind:,.0f} / {max(behind, default=0):,}"],
        ["at end: engine frames / pane", f"{end_engine:,} / {end_pane:,}"],
        [
            "after one redraw: engine / pane",
            f"{settled_engine:,} / {settled_pane:,}"
            + (" (caught up)" if settled_pane == settled_engine else " (BEHIND)"),
        ],
        ["stations / open tx in state", f"{stations_seen} / {open_tx}"],
    ]
    print(table(["measure", "value"], rows))
    for err in connected["errors"]:
        print(f"  error: {err}")
    verdict = "meets" if lag["p99"] < TARGET_P99_MS else "MISSES"
    print(
        f"target: loop lag p99 < {TARGET_P99_MS:g} ms at ~1,000 frames/s -> "
        f"{fmt(lag['p99'], 2)} ms at {fps:,.0f} frames/s: {verdict}",
        flush=True,
    )


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--fps", type=float, default=1000.0, help="frames/s to the engine (calls + results)"
    )
    p.add_argument("--stations", "-n", type=int, default=50, help="stations sharing the load")
    p.add_argument("--seconds", type=float, default=20.0, help="measured window")
    p.add_argument("--seed", type=int, default=7, help="pacing phase seed")
    p.add_argument("--client", metavar="URL", help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: the console by default, the station driver with --client."""
    return run_side(build_parser().parse_args(argv), client_main, main_async)


if __name__ == "__main__":
    sys.exit(main())
