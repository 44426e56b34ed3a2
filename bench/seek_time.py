"""Seek time: indexing a large recording with `Player`, then moving around it.

A recording of --frames frames is generated into a temporary folder by a
child process (bench/generate.py, so this process's peak memory is the
player's alone), or --recording is used. This process then:

1. indexes it: `Player.index(read_frames(path, fmt, report))`, timing each
   stage the player reports (indexing: spooling and folding in one pass; for
   a source out of time order, then ordering and folding), the checkpoint
   saves the folding thread pays (timed by wrapping the instance's method),
   how often progress was reported, peak RSS sampled from /proc/self/status
   every --sample-s s in a thread, VmHWM and ru_maxrss, and the disk the
   spool and checkpoints take;
2. times --seeks `player.seek(p)` to seeded random positions (both directions),
   a few worst cases (the frame just before a checkpoint, reached from far
   away: one checkpoint load and CHECKPOINT_EVERY - 1 folds), then --steps
   `step(-1)` and `step(+1)` in a row from a random position;
3. checks state: folds the file straight from its start (read_frames + fold,
   as `ocppdeck project` does) and, at the frames on either side of the
   first and last checkpoints, the end and --checks random positions,
   compares the whole state (and what waits beside it) with what `seek` made
   there coming from the far end; the time of that fold alone is the floor
   the indexing is compared with;
4. with --replay, `ReplaySource` end to end: `start()` (indexing off the event
   loop), then playing flat out for --play-seconds.

All of it runs with the garbage collector tuned as `ocppdeck replay` runs it
(core/collector.py).

Every temporary file (the generated recording, the player's spool and
checkpoints) lives in one temporary folder removed at the end, also on
Ctrl-C, on --timeout and when RSS passes --max-rss-mb.

Targets, at 1,000,000 frames: indexed in < 5 s, checkpoints < 200 MB on disk,
any seek < 1 s; and a seek's state equals the straight fold's, at any size.
Prints a FIGURE line for each (bench/_figures.py).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from _figures import figure, verdict
from projection_scale import GcTimer, RssSampler, rss_kb, status_kb

TARGET_SEEK_S = 1.0
TARGET_INDEX_S = 5.0
TARGET_CHECKPOINT_MB = 200.0
TARGET_FRAMES = 1_000_000  # the size the targets are stated for


def du_bytes(folder: Path) -> tuple[int, int, int]:
    """(bytes of all files, bytes of checkpoint files, number of checkpoints) under a folder."""
    total = checkpoints = count = 0
    for path in folder.rglob("*"):
        if path.is_file():
            size = path.stat().st_size
            total += size
            if path.name.startswith("checkpoint-"):
                checkpoints += size
                count += 1
    return total, checkpoints, count


def timed(calls: list[float], fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn`, recording how long each call took into `calls`."""

    def wrapper(*a: Any, **kw: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*a, **kw)
        finally:
            calls.append(time.perf_counter() - t0)

    return wrapper


class Timeout(Exception):
    """--timeout passed."""


def _alarm(_signum: int, _frame: object) -> None:
    raise Timeout


def _terminated(_signum: int, _frame: object) -> None:
    raise SystemExit(143)


def measure(args: argparse.Namespace, recording: Path, tmp: Path) -> None:
    """Index, seek, step, check states (and replay); print the figures."""
    from _benchlib import fmt, summarize_ms, table

    from ocppdeck.core.disk.formats import ImportReport, read_frames
    from ocppdeck.core.replay.player import CHECKPOINT_EVERY, Player, Progress

    gc.collect()
    baseline = rss_kb()
    report = ImportReport()
    stages: dict[str, list[float]] = {}  # stage -> [first seen, last seen]
    reports = 0

    def progress(p: Progress) -> None:
        nonlocal reports
        reports += 1
        now = time.perf_counter()
        stages.setdefault(p.stage, [now, now])[1] = now

    player = Player(recording.name)
    checkpoint_s: list[float] = []
    checkpoints = player._checkpoints
    checkpoints.save = timed(checkpoint_s, checkpoints.save)  # type: ignore[method-assign]
    try:
        with (
            RssSampler(args.sample_s, args.max_rss_mb * 1024, interrupt=True) as sampler,
            GcTimer() as gct,
        ):
            started = time.perf_counter()
            try:
                player.index(read_frames(recording, args.format, report), progress)
            except KeyboardInterrupt:
                if sampler.tripped:
                    print(f"index: {sampler.tripped}")
                    return
                raise
            index_s = time.perf_counter() - started
        after_index = rss_kb()
        total = len(player)
        at_size = total >= TARGET_FRAMES
        disk, ckpt_bytes, ckpts = du_bytes(player._dir)
        print(
            f"\nindex: {total:,} frames in {index_s:.1f} s = {total / index_s:,.0f} frames/s; "
            f"{report.skipped_count:,} skipped; {len(player.marks):,} marks; progress "
            f"reported {reports:,} times while indexing"
        )
        # Each stage runs from its first progress report to the next stage's first.
        order = [s for s in ("indexing", "ordering", "folding") if s in stages]
        bounds = [stages[s][0] for s in order] + [started + index_s]
        parts = [f"{name} {bounds[i + 1] - bounds[i]:.1f} s" for i, name in enumerate(order)]
        saves = sum(checkpoint_s)
        mean_ms = 1000 * saves / max(1, len(checkpoint_s))
        print(
            f"  stages: {', '.join(parts)}; {len(checkpoint_s)} checkpoint saves took "
            f"{saves:.1f} s of the folding thread (mean {fmt(mean_ms)} ms, "
            f"max {fmt(1000 * max(checkpoint_s, default=0))} ms; compressing and writing "
            f"run beside it); GC {sum(gct.seconds):.1f} s ({gct.counts[2]} gen-2 collections)"
        )
        print(
            f"  memory: RSS before {baseline / 1024:.0f} MB, peak {sampler.peak_kb / 1024:.0f} MB "
            f"sampled every {args.sample_s:g} s, VmHWM {status_kb('VmHWM') / 1024:.0f} MB, "
            f"ru_maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
            f"after {after_index / 1024:.0f} MB"
        )
        print(
            f"  disk: {disk / 1e6:,.0f} MB in all: spool {player._spool.size / 1e6:,.0f} MB "
            f"(source {report.source_bytes / 1e6:,.0f} MB), {ckpts} checkpoints "
            f"{ckpt_bytes / 1e6:,.0f} MB ({ckpt_bytes / max(1, ckpts) / 1e6:,.2f} MB each, "
            f"one per {CHECKPOINT_EVERY:,} frames)",
            flush=True,
        )
        if total == 0:
            return

        rng = random.Random(args.seed)
        rows: list[list[str]] = []
        all_seeks: list[float] = []

        def row(label: str, seconds: list[float]) -> None:
            s = summarize_ms(seconds)
            worst = max(seconds, default=0.0)
            rows.append(
                [
                    label,
                    str(len(seconds)),
                    fmt(s["p50"]),
                    fmt(s["p99"]),
                    fmt(s["max"]),
                    "ok" if worst < TARGET_SEEK_S else "MISSED",
                ]
            )

        with RssSampler(args.sample_s, args.max_rss_mb * 1024, interrupt=True) as moving:
            forward: list[float] = []
            backward: list[float] = []
            for _ in range(args.seeks):
                target = rng.randint(0, total)
                ahead = target >= player.position
                t0 = time.perf_counter()
                player.seek(target)
                took = time.perf_counter() - t0
                (forward if ahead else backward).append(took)
            all_seeks = forward + backward
            row(f"seek(random), all ({len(forward)} fwd, {len(backward)} back)", all_seeks)
            row("  forward", forward)
            row("  backward", backward)

            worst: list[float] = []
            last_base = (total - 1) // CHECKPOINT_EVERY
            for _ in range(args.worst):
                k = rng.randint(0, last_base)
                target = min(total, k * CHECKPOINT_EVERY + CHECKPOINT_EVERY - 1)
                far = 0 if target > total // 2 else total  # come from the other end
                player.seek(far)
                t0 = time.perf_counter()
                player.seek(target)
                worst.append(time.perf_counter() - t0)
            row(f"seek(checkpoint + {CHECKPOINT_EVERY - 1:,}) from far", worst)

            player.seek(rng.randint(total // 2, total))
            back_steps: list[float] = []
            for _ in range(args.steps):
                t0 = time.perf_counter()
                player.step(-1)
                back_steps.append(time.perf_counter() - t0)
            row("step(-1) in a row", back_steps)
            fwd_steps: list[float] = []
            for _ in range(args.steps):
                t0 = time.perf_counter()
                player.step(1)
                fwd_steps.append(time.perf_counter() - t0)
            row("step(+1) in a row", fwd_steps)
            t0 = time.perf_counter()
            player.seek(total)
            end_s = time.perf_counter() - t0
            row("seek(end)", [end_s])
        print(
            f"\nmoving (ms; target: any seek < {TARGET_SEEK_S * 1000:.0f} ms); "
            f"RSS peak while moving {moving.peak_kb / 1024:.0f} MB"
        )
        print(table(["", "n", "p50", "p99", "max", "target"], rows))
        everything = all_seeks + worst + back_steps + fwd_steps + [end_s]
        slowest = max(everything)
        print(
            f"slowest of all {len(everything)} moves: {slowest * 1000:,.0f} ms "
            f"(target < {TARGET_SEEK_S * 1000:.0f}: "
            f"{'ok' if slowest < TARGET_SEEK_S else 'MISSED'})",
            flush=True,
        )
        if moving.tripped:
            print(moving.tripped)

        fold_s, differing, checked = straight_fold(args, recording, player, rng)
        print(
            f"\nstate check: at {len(checked)} positions ({', '.join(f'{p:,}' for p in checked)}) "
            f"the state a seek made (coming from the far end) against the state folded straight "
            f"from the file's start: {len(differing)} differ"
            + (f" (at {', '.join(f'{p:,}' for p in differing)})" if differing else "")
        )
        print(
            f"the same read and fold alone (read_frames + fold, no spool, marks or checkpoints): "
            f"{fold_s:.1f} s = {total / fold_s:,.0f} frames/s; indexing took "
            f"{index_s / fold_s:.2f}x that (the fold's own speed is the floor)",
            flush=True,
        )
        figure(
            "seek_time.index_s",
            index_s,
            "s",
            f"<{TARGET_INDEX_S:g}",
            verdict(index_s < TARGET_INDEX_S, at_size),
        )
        ckpt_mb = ckpt_bytes / 1e6
        figure(
            "seek_time.checkpoints_mb",
            ckpt_mb,
            "MB",
            f"<{TARGET_CHECKPOINT_MB:g}",
            verdict(ckpt_mb < TARGET_CHECKPOINT_MB, at_size),
        )
        figure(
            "seek_time.slowest_seek_s",
            slowest,
            "s",
            f"<{TARGET_SEEK_S:g}",
            verdict(slowest < TARGET_SEEK_S, at_size),
        )
        # Correctness, judged at any size.
        figure(
            "seek_time.states_differing", len(differing), "positions", "=0", verdict(not differing)
        )
    finally:
        player.close()

    if args.replay:
        replay(args, recording, tmp)


def straight_fold(
    args: argparse.Namespace, recording: Path, player: Any, rng: random.Random
) -> tuple[float, list[int], list[int]]:
    """Fold the recording straight from its start, stopping at some positions to compare the
    state (and what waits beside it) with what `player.seek` makes there, reached from the
    far end. Returns (seconds spent reading and folding, positions that differ, positions)."""
    from ocppdeck.core.disk.formats import ImportReport, read_frames
    from ocppdeck.core.model.projection import Projection, fold
    from ocppdeck.core.replay.player import CHECKPOINT_EVERY

    total = len(player)
    around = [CHECKPOINT_EVERY - 1, CHECKPOINT_EVERY, CHECKPOINT_EVERY + 1]
    last_base = (total // CHECKPOINT_EVERY) * CHECKPOINT_EVERY
    picks = {1, total, *around, *(last_base + d for d in (-1, 0, 1))}
    picks.update(rng.randint(0, total) for _ in range(args.checks))
    positions = sorted(p for p in picks if 0 < p <= total)
    straight = Projection()
    frames = read_frames(recording, args.format, ImportReport())
    done = 0
    fold_s = 0.0
    differing: list[int] = []
    for i, position in enumerate(positions):
        t0 = time.perf_counter()
        fold(islice(frames, position - done), straight)
        fold_s += time.perf_counter() - t0
        done = position
        player.seek(total if i % 2 else 0)  # come from either end
        player.seek(position)
        mine = player.projection
        if mine.state != straight.state or mine.waiting() != straight.waiting():
            differing.append(position)
    t0 = time.perf_counter()
    fold(frames, straight)  # the rest, so the time covers the whole file
    fold_s += time.perf_counter() - t0
    return fold_s, differing, positions


def replay(args: argparse.Namespace, recording: Path, tmp: Path) -> None:
    """ReplaySource end to end: start() (index off the loop), then play flat out."""
    from ocppdeck.core.config import Settings
    from ocppdeck.core.disk.formats import ImportReport, read_frames
    from ocppdeck.core.replay.source import FLAT_OUT_FRAMES, SPEEDS, TICK, ReplaySource

    async def run() -> None:
        source = ReplaySource(
            read_frames(recording, args.format, ImportReport()),
            Settings(data_dir=tmp),
            recording.name,
        )
        loop = asyncio.get_running_loop()
        lags: list[float] = []
        try:
            t0 = time.perf_counter()
            await source.start()
            start_s = time.perf_counter() - t0
            total = len(source.player)
            source.speed_index = SPEEDS.index(None)
            source.toggle()
            t0 = time.perf_counter()
            deadline = t0 + args.play_seconds
            while source.playing and time.perf_counter() < deadline:
                expected = loop.time() + 0.01
                await asyncio.sleep(0.01)
                lags.append(max(0.0, loop.time() - expected))
            played_s = time.perf_counter() - t0
            position = source.player.position
            lags.sort()
            p99 = lags[int(0.99 * (len(lags) - 1))] * 1000 if lags else 0.0
            print(
                f"\nReplaySource: start() (index {total:,} frames off the loop) "
                f"{start_s:.1f} s; played flat out for {played_s:.1f} s: {position:,} frames "
                f"= {position / played_s:,.0f} frames/s (ceiling {FLAT_OUT_FRAMES / TICK:,.0f}/s: "
                f"{FLAT_OUT_FRAMES:,} frames per {TICK:g} s tick); event-loop lag p99 "
                f"{p99:.0f} ms, max {max(lags, default=0) * 1000:.0f} ms",
                flush=True,
            )
        finally:
            await source.close()

    asyncio.run(run())


def main(argv: Sequence[str] | None = None) -> int:
    """Generate (or take) a recording, then measure."""
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--frames", type=int, default=1_000_000, help="frames to generate")
    p.add_argument("--stations", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--seeks", type=int, default=50, help="random seeks")
    p.add_argument("--worst", type=int, default=5, help="worst-case seeks")
    p.add_argument("--steps", type=int, default=50, help="step(-1) and step(+1) each")
    p.add_argument("--checks", type=int, default=6, help="random positions whose state is checked")
    p.add_argument("--recording", type=Path, help="use this file instead of generating one")
    p.add_argument("--format", default="recording", help="format of --recording")
    p.add_argument("--replay", action="store_true", help="also time ReplaySource end to end")
    p.add_argument("--play-seconds", type=float, default=5.0, help="flat-out play with --replay")
    p.add_argument("--sample-s", type=float, default=0.2, help="RSS sampling period")
    p.add_argument("--max-rss-mb", type=int, default=2048, help="stop past this RSS")
    p.add_argument("--timeout", type=int, default=900, help="seconds for the whole run")
    args = p.parse_args(argv)

    print(
        f"seek_time: {args.recording or f'{args.frames:,} generated frames'} "
        f"({args.stations} stations), {args.seeks} seeks, {args.steps} steps; "
        f"(pid {os.getpid()}); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    started = time.monotonic()
    signal.signal(signal.SIGALRM, _alarm)
    # Terminated (say by run_all.py's time limit): unwind, so temporary files go.
    signal.signal(signal.SIGTERM, _terminated)
    signal.alarm(args.timeout)
    try:
        with tempfile.TemporaryDirectory(prefix="ocppdeck-bench-seek-") as tmp_name:
            tmp = Path(tmp_name)
            # The player's spool and checkpoints (tempfile.mkdtemp) land in here too.
            tempfile.tempdir = tmp_name
            try:
                recording = args.recording
                if recording is None:
                    recording = tmp / "recording.jsonl"
                    generator = Path(__file__).resolve().parent / "generate.py"
                    argv_gen = [sys.executable, str(generator), "recording", str(recording)]
                    argv_gen += ["--frames", str(args.frames), "--stations", str(args.stations)]
                    argv_gen += ["--seed", str(args.seed)]
                    subprocess.run(argv_gen, check=True, timeout=args.timeout)
                from ocppdeck.core.collector import tuned

                with tuned():  # the collector as `ocppdeck replay` runs it
                    measure(args, recording, tmp)
            finally:
                tempfile.tempdir = None
    except Timeout:
        print(f"stopped: over --timeout {args.timeout} s")
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        signal.alarm(0)
    print(f"\nfinished in {time.monotonic() - started:.1f} s (temporary files removed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
