"""Projection scale: how fast, and in how much memory, a large file folds into state.

Headless, no CSMS and no TUI: `core.disk.formats.read_frames` + `Projection.apply`,
as `ocppdeck project` does. Inputs are generated into a temporary folder
(bench/generate.py; --recording / --eventlog use existing files instead) and
removed at the end.

Every measurement runs in a fresh child process (this file with a hidden
`--child` flag) that imports only the core, so its peak RSS belongs to that
measurement alone. Each child samples its own VmRSS from /proc/self/status
every --sample-s seconds in a thread (no tracemalloc, which would slow the
fold and count only Python allocations), and also reports the kernel's own
peak, VmHWM, and ru_maxrss. On Linux ru_maxrss survives fork+exec, so a
child's ru_maxrss is never below this parent's RSS when it was started (about
40 MB here); VmHWM starts afresh at exec and is the figure to trust. A child
whose RSS passes --max-rss-mb stops at once and says so.

(a) recording: frames/s and peak memory for files of a quarter, half and all
    of --frames (prefixes of one generated recording), to show whether memory
    stays flat as the file grows; then, on the whole file, the cost split:
    read_frames into a list of --chunk frames (reading + decoding), then apply
    over the list (folding), chunk after chunk; and `frame.decode` alone over
    raw lines already in memory (the codec without the file and generators).
    The split runs with the garbage collector off (--split-gc keeps it on): a
    streamed fold frees each frame at once and hardly collects, but 100,000
    live frames in a list make each gen-2 collection walk them all, which
    would charge seconds of GC to whichever stage ran.
(b) event log: read_frames(..., "eventlog") + apply over --events events
    (one event a line; --array also times the JSON-array form).
(c) `ocppdeck project FILE --json > /dev/null` on the whole recording: wall
    time and the command's peak RSS (from wait4).

--profile FILE adds a cProfile run of the largest recording and of the event
log (separate from the timed runs) and prints the top functions by own time.

(d) the physical limit: a bare orjson loop over the same file's lines (in a fresh
    process), and the ratio of each fold's time to it.

Every figure is divided by the frames or events the child counted, never by the
number asked for. Targets (issue 13): recordings ≥ 400,000 frames/s read and
folded, event logs ≥ 300,000 events/s, each within 3x the bare orjson loop; peak RSS
flat and < 200 MB whatever the size. They are stated for 1,000,000 frames and
1,000,000 events: a smaller run prints "not measured at target size". Everything
here runs on one core (one process); the figures are the single-core ones.
"""

from __future__ import annotations

import _thread
import argparse
import cProfile
import gc
import json
import os
import pstats
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from _figures import figure, verdict

TARGET_FPS = 400_000.0  # recording frames read and folded per second
TARGET_EPS = 300_000.0  # event-log events read and folded per second
TARGET_BARE = 3.0  # each fold within this many times a bare orjson loop over the file
TARGET_RSS_MB = 200.0  # peak resident memory, whatever the file size
TARGET_SIZE = 1_000_000  # frames (and events) the targets are stated for


# --- child: one measurement in a fresh process ------------------------------------
def status_kb(field: str = "VmRSS", pid: int | str = "self") -> int:
    """A memory field (VmRSS, VmHWM) of /proc/<pid>/status in kB; 0 when unreadable."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kb() -> int:
    """This process's VmRSS in kB."""
    return status_kb("VmRSS")


class RssSampler:
    """Samples VmRSS every `interval` s in a daemon thread, keeping the peak.

    Past `limit_kb` it stops the process at once (`interrupt=False`, for a child
    with nothing to clean up) or raises KeyboardInterrupt in the main thread
    (`interrupt=True`, so `finally` blocks remove temporary files); `tripped`
    then says why.
    """

    def __init__(self, interval: float, limit_kb: int, interrupt: bool = False) -> None:
        self.interval = interval
        self.limit_kb = limit_kb
        self.interrupt = interrupt
        self.peak_kb = 0
        self.samples = 0
        self.tripped = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            now = rss_kb()
            self.peak_kb = max(self.peak_kb, now)
            self.samples += 1
            if now > self.limit_kb:
                self.tripped = f"RSS {now / 1024:,.0f} MB passed the limit, stopped"
                if self.interrupt:
                    _thread.interrupt_main()
                    return
                sys.stdout.write(json.dumps({"error": self.tripped}) + "\n")
                sys.stdout.flush()
                os._exit(3)
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kb = max(self.peak_kb, rss_kb())


class GcTimer:
    """Total time and count of garbage collections by generation, via gc.callbacks."""

    def __init__(self) -> None:
        self.seconds = [0.0, 0.0, 0.0]
        self.counts = [0, 0, 0]
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            generation = info["generation"]
            self.seconds[generation] += time.perf_counter() - self._started
            self.counts[generation] += 1

    def __enter__(self) -> GcTimer:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self._callback)


def _projection_sizes(projection: Any) -> dict[str, int]:
    state = projection.state
    return {
        "stations": len(state.stations),
        "evses": sum(len(s.evses) for s in state.stations.values()),
        "transactions": len(state.transactions),
        "open": len(state.open),
        "unjoined": len(projection._joins),
    }


def child_stream(args: argparse.Namespace) -> dict[str, Any]:
    """read_frames + Projection.apply over the whole file, sampling RSS."""
    from ocppdeck.core.disk.formats import ImportReport, read_frames
    from ocppdeck.core.model.projection import Projection

    gc.collect()
    baseline = rss_kb()
    report = ImportReport()
    projection = Projection()
    apply = projection.apply
    marks: list[tuple[int, int]] = []
    every = max(1, args.expect // 10)
    profiler = cProfile.Profile() if args.profile else None
    with RssSampler(args.sample_s, args.max_rss_mb * 1024) as sampler, GcTimer() as gct:
        started = time.perf_counter()
        cpu0 = time.process_time()
        count = 0
        if profiler is not None:
            profiler.enable()
        for count, frame in enumerate(read_frames(Path(args.file), args.format, report), 1):
            apply(frame)
            if not count % every:
                marks.append((count, rss_kb()))
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu0
    return {
        "frames": count,
        "seconds": seconds,
        "cpu": cpu,
        "skipped": report.skipped_count,
        "baseline_kb": baseline,
        "peak_kb": sampler.peak_kb,
        "samples": sampler.samples,
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "hwm_kb": status_kb("VmHWM"),
        "end_kb": rss_kb(),
        "marks": marks,
        "gc_s": gct.seconds,
        "gc_n": gct.counts,
        **_projection_sizes(projection),
    }


def child_cores(args: argparse.Namespace) -> dict[str, Any]:
    """fold_source over the whole file, its stations split between --jobs processes, as
    `ocppdeck project` folds a large recording: wall time, and CPU of all processes."""
    from ocppdeck.core.disk.formats import ImportReport
    from ocppdeck.core.disk.split_fold import fold_source

    gc.collect()
    report = ImportReport()
    started = time.perf_counter()
    cpu0 = time.process_time()
    state = fold_source(Path(args.file), args.format, report, args.jobs)
    seconds = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "frames": report.frames,
        "seconds": seconds,
        "cpu": time.process_time() - cpu0 + children.ru_utime + children.ru_stime,
        "hwm_kb": status_kb("VmHWM"),
        "children_maxrss_kb": children.ru_maxrss,
        "stations": len(state.stations),
    }


def _raw_lines(path: Path) -> Iterator[bytes]:
    import gzip

    with open(path, "rb") as raw:
        stream: Any = gzip.GzipFile(fileobj=raw) if raw.peek(2)[:2] == b"\x1f\x8b" else raw
        yield from (line for line in stream if line.strip())


def child_split(args: argparse.Namespace) -> dict[str, Any]:
    """Chunk by chunk: read_frames into a list, then apply over it; then decode alone."""
    from ocppdeck.core.disk.formats import ImportReport, read_frames
    from ocppdeck.core.model.projection import Projection
    from ocppdeck.core.wire.codec import decode

    path = Path(args.file)
    report = ImportReport()
    projection = Projection()
    apply = projection.apply
    read_s = apply_s = decode_s = 0.0
    frames = decoded = 0
    if not args.split_gc:
        # Streaming frees each frame at once, so the collector hardly runs there
        # (see the GC column above); a list of --chunk live frames would make every
        # gen-2 collection walk them all and charge that to whichever stage ran.
        gc.disable()
    # Reading alone as the fold reads, streamed: no list held, every frame dropped at once.
    started = time.perf_counter()
    streamed = sum(1 for _ in read_frames(path, args.format, ImportReport()))
    stream_read_s = time.perf_counter() - started
    with RssSampler(args.sample_s, args.max_rss_mb * 1024) as sampler, GcTimer() as gct:
        source = read_frames(path, args.format, report)
        while True:
            t0 = time.perf_counter()
            chunk = list(islice(source, args.chunk))
            t1 = time.perf_counter()
            for frame in chunk:
                apply(frame)
            t2 = time.perf_counter()
            read_s += t1 - t0
            apply_s += t2 - t1
            frames += len(chunk)
            if len(chunk) < args.chunk:
                break
        del chunk
        gc_read_apply = list(gct.seconds)
        # The codec reads recording lines only; an event log's "decode" is its importer.
        lines_source = _raw_lines(path) if args.format == "recording" else iter(())
        while True:
            lines = list(islice(lines_source, args.chunk))
            t0 = time.perf_counter()
            found = [decode(line) for line in lines]
            decode_s += time.perf_counter() - t0
            decoded += len(found)
            del found
            if len(lines) < args.chunk:
                break
    gc.enable()
    return {
        "frames": frames,
        "streamed": streamed,
        "stream_read_s": stream_read_s,
        "read_s": read_s,
        "apply_s": apply_s,
        "decoded": decoded,
        "decode_s": decode_s,
        "peak_kb": sampler.peak_kb,
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "hwm_kb": status_kb("VmHWM"),
        "gc_read_apply_s": sum(gc_read_apply),
        "gc_s": gct.seconds,
        "gc_n": gct.counts,
    }


def child_bare(args: argparse.Namespace) -> dict[str, Any]:
    """A bare orjson loop over the file's lines: the most any reader could do in Python."""
    import orjson

    loads = orjson.loads
    count = 0
    started = time.perf_counter()
    cpu0 = time.process_time()
    for line in _raw_lines(Path(args.file)):
        loads(line)
        count += 1
    return {
        "lines": count,
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu0,
    }


def child_main(args: argparse.Namespace) -> int:
    """Run one measurement and print its result as one JSON line."""
    run: Callable[[argparse.Namespace], dict[str, Any]] = {
        "stream": child_stream,
        "split": child_split,
        "bare": child_bare,
        "cores": child_cores,
    }[args.child]
    result = run(args)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


# --- parent: inputs, children, report ---------------------------------------------
def run_child(
    args: argparse.Namespace,
    mode: str,
    file: Path,
    fmt: str,
    expect: int,
    profile: Path | None = None,
) -> dict[str, Any]:
    """Run one measurement in a child process; its JSON result, or {"error": ...}."""
    argv = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        mode,
        "--file",
        str(file),
        "--format",
        fmt,
        "--expect",
        str(expect),
        "--chunk",
        str(args.chunk),
        "--sample-s",
        str(args.sample_s),
        "--max-rss-mb",
        str(args.max_rss_mb),
        "--jobs",
        str(args.jobs),
        *(["--split-gc"] if args.split_gc else []),
        *(["--profile", str(profile)] if profile is not None else []),
    ]
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=args.timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": f"over {args.timeout:g} s, stopped"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        return {"error": f"exit {done.returncode}: " + " | ".join(tail)}
    return json.loads(lines[-1])


def print_profile(path: Path, limit: int = 20) -> None:
    """The functions with the most own time in a cProfile dump."""
    print(
        f"cProfile (slows the fold; shares are what count), saved to {path}. It files every "
        "dataclass __init__ under one '<string>:2(__init__)' entry, so the cost of building "
        "Frames and facts is hidden here: `py-spy record -f raw` shows it."
    )
    stats = pstats.Stats(str(path), stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(limit)


def copy_prefix(source: Path, target: Path, lines: int) -> None:
    """The first `lines` lines of a plain text file, as a new file."""
    with open(source, "rb") as src, open(target, "wb") as out:
        out.writelines(islice(src, lines))


def mb(kb: float) -> float:
    """kB to MB."""
    return kb / 1024


def bare_ratio(
    args: argparse.Namespace, file: Path, fmt_name: str, fold: dict[str, Any]
) -> dict[str, Any] | None:
    """Time a bare orjson loop over `file` and print the fold's ratio to it (CPU seconds);
    the loop's figures."""
    b = run_child(args, "bare", file, fmt_name, 1)
    if "error" in b:
        print(f"bare orjson loop: {b['error']}")
        return None
    ratio = fold["cpu"] / b["cpu"]
    at_size = fold["frames"] >= TARGET_SIZE
    print(
        f"bare orjson loop over the same {b['lines']:,} lines: {b['cpu']:.2f} s CPU; "
        f"read + fold / bare = {ratio:.1f}x (target within {TARGET_BARE:g}x: "
        f"{verdict(ratio <= TARGET_BARE, at_size)})",
        flush=True,
    )
    figure(
        f"{fmt_name}_vs_bare_orjson",
        ratio,
        "x",
        f"<={TARGET_BARE:g}x",
        verdict(ratio <= TARGET_BARE, at_size),
    )
    return b


def split_fold_figures(
    args: argparse.Namespace, file: Path, one_core_fps: float, bare: dict[str, Any] | None
) -> None:
    """The largest recording folded by several processes, its stations split between them
    (core/disk/split_fold.py, as `ocppdeck project` does): frames/s by wall time."""
    c = run_child(args, "cores", file, "recording", 1)
    if "error" in c:
        print(f"split fold: {c['error']}")
        return
    fps = c["frames"] / c["seconds"]
    at_size = c["frames"] >= TARGET_SIZE
    print(
        f"\n(a) the same file read by {args.jobs} processes, each folding its share of the "
        f"stations: {c['frames']:,} frames in {c['seconds']:.2f} s = {fps:,.0f} frames/s "
        f"({fps / one_core_fps:.2f}x one core; CPU of all {c['cpu']:.2f} s; "
        f"peak RSS {mb(c['hwm_kb']):.0f} MB here, {mb(c['children_maxrss_kb']):.0f} MB "
        f"the largest other; target ≥ {TARGET_FPS:,.0f}: {verdict(fps >= TARGET_FPS, at_size)})",
        flush=True,
    )
    figure(
        "recording_fold_fps",
        round(fps),
        "frames/s",
        f">={TARGET_FPS:.0f}",
        verdict(fps >= TARGET_FPS, at_size),
    )
    if bare is not None:
        ratio = c["seconds"] / bare["seconds"]
        print(
            f"split read + fold / bare orjson loop, by wall time: {ratio:.1f}x "
            f"(target within {TARGET_BARE:g}x: {verdict(ratio <= TARGET_BARE, at_size)})",
            flush=True,
        )


def print_budget(
    what: str,
    unit: str,
    target: float,
    split: dict[str, Any],
    fold: dict[str, Any],
    cores: int,
) -> None:
    """What a throughput target leaves the fold of each frame on `cores` cores.

    Every core folding its own share with no loss at all, a target of `target` per
    second allows cores / target seconds of one core per frame: reading (the file
    into frames, which the design needs for every line) and folding share it.
    Reading is timed alone, streamed as the fold reads (`split`); the fold is what
    the one-core read + fold (`fold`) took beyond it.
    """
    read_us = 1e6 * split["stream_read_s"] / split["streamed"]
    fold_us = 1e6 * fold["seconds"] / fold["frames"] - read_us
    allowed_us = 1e6 * cores / target
    left_us = allowed_us - read_us
    need = f"{fold_us / left_us:.1f}x faster" if left_us > 0 else "less than nothing"
    where = f"{cores} cores, all of them folding with no loss" if cores > 1 else "one core"
    print(
        f"what {target:,.0f} {unit}/s leaves each {what} on {where}: "
        f"{allowed_us:.2f} µs of one core; reading it into a frame "
        f"alone (streamed) takes {read_us:.2f} µs, so the fold may take "
        f"{max(left_us, 0):.2f} µs and takes {fold_us:.2f} µs (it would have to be {need})",
        flush=True,
    )


def run_cli(args: argparse.Namespace, file: Path) -> dict[str, Any]:
    """`ocppdeck project FILE --json > /dev/null`: wall time, CPU and peak RSS of the command."""
    from _benchlib import run_measured

    exe = Path(sys.executable).parent / "ocppdeck"
    return run_measured([str(exe), "project", str(file), "--json"], args.timeout)


def main_parent(args: argparse.Namespace) -> int:
    """Generate inputs, run each measurement in a child, print the figures."""
    import generate  # bench/generate.py (bench/ is on sys.path when run as a script)
    from _benchlib import fmt, table

    full = args.frames
    sizes = sorted({max(1, full // 4), max(1, full // 2), full})
    print(
        f"projection_scale: recording of {full:,} frames ({args.stations} stations), "
        f"sizes {', '.join(f'{s:,}' for s in sizes)}; event log of {args.events:,} events; "
        f"chunk {args.chunk:,}; (pid {os.getpid()}); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ocppdeck-bench-proj-") as tmp_name:
        tmp = Path(tmp_name)
        if args.recording is not None:
            recording = args.recording
            print(f"recording: {recording} (given; sizes are its first lines)", flush=True)
        else:
            recording = tmp / f"recording-{full}.jsonl"
            done = generate.write_recording(recording, full, args.stations, args.seed)
            print(
                f"generated {done.records:,} frames, {done.bytes / 1e6:,.0f} MB, "
                f"{(done.last_ts - done.first_ts) / 3600:,.1f} h of traffic, "
                f"{done.transactions:,} transactions, in {done.seconds:.1f} s",
                flush=True,
            )
        files: dict[int, Path] = {}
        for size in sizes:
            if size == full or recording.suffix == ".gz":
                files[size] = recording
            else:
                files[size] = tmp / f"recording-{size}.jsonl"
                copy_prefix(recording, files[size], size)

        # (a) recording: the fold at three sizes
        print("\n(a) recording: read_frames + Projection.apply, one fresh process per size")
        rows: list[list[str]] = []
        results: dict[int, dict[str, Any]] = {}
        for size in sizes:
            r = run_child(args, "stream", files[size], "recording", size)
            results[size] = r
            if "error" in r:
                rows.append([f"{size:,}", r["error"], *["-"] * 8])
                continue
            fps = r["frames"] / r["seconds"]
            rows.append(
                [
                    f"{r['frames']:,}",
                    fmt(r["seconds"], 2),
                    fmt(fps, 0),
                    fmt(mb(r["baseline_kb"])),
                    fmt(mb(r["peak_kb"])),
                    fmt(mb(r["hwm_kb"])),
                    fmt(mb(r["maxrss_kb"])),
                    f"{r['transactions']:,}",
                    f"{r['unjoined']:,}",
                    f"{sum(r['gc_s']):.2f} ({r['gc_n'][2]} gen2)",
                ]
            )
        print(
            table(
                [
                    "frames",
                    "s",
                    "frames/s",
                    "RSS start MB",
                    "peak MB sampled",
                    "VmHWM MB",
                    "ru_maxrss MB",
                    "transactions",
                    "unjoined",
                    "GC s",
                ],
                rows,
            )
        )
        ok = [r for r in results.values() if "error" not in r]
        if ok:
            biggest = results[full] if "error" not in results[full] else ok[-1]
            trend = ", ".join(f"{n // 1000:,}k:{mb(kb):.0f}" for n, kb in biggest["marks"])
            print(f"RSS (MB) as the largest file folds, by frames read: {trend}")
            peaks = [mb(max(r["peak_kb"], r["hwm_kb"])) for r in ok]
            fps_full = biggest["frames"] / biggest["seconds"]
            growth = peaks[-1] - peaks[0]
            at_size = biggest["frames"] >= TARGET_SIZE
            flat = max(peaks) < TARGET_RSS_MB
            print(
                f"read + fold {fmt(fps_full, 0)} frames/s on one core at {biggest['frames']:,} "
                f"(target ≥ {TARGET_FPS:,.0f}: {verdict(fps_full >= TARGET_FPS, at_size)}); "
                f"peak RSS {peaks[0]:.0f} → {peaks[-1]:.0f} MB from smallest to largest "
                f"(+{growth:.0f} MB; target flat and < {TARGET_RSS_MB:.0f}: "
                f"{verdict(flat, at_size)})",
                flush=True,
            )
            figure(
                "recording_fold_fps_one_core",
                round(fps_full),
                "frames/s",
                f">={TARGET_FPS:.0f}",
                verdict(fps_full >= TARGET_FPS, at_size),
            )
            figure(
                "fold_peak_rss",
                round(max(peaks)),
                "MB",
                f"<{TARGET_RSS_MB:.0f}",
                verdict(flat, at_size),
            )
            bare = bare_ratio(args, files[sizes[-1]], "recording", biggest)
            split_fold_figures(args, files[sizes[-1]], fps_full, bare)

        if args.profile is not None:
            # A separate run: the profiler's overhead must not touch the figures above.
            profile_path = args.profile.with_suffix(".recording.prof")
            r = run_child(args, "stream", recording, "recording", full, profile_path)
            if "error" in r:
                print(f"profile: {r['error']}")
            else:
                print_profile(profile_path)

        # (a) the split
        print(
            f"\n(a) where the time goes, whole recording, chunks of {args.chunk:,} frames "
            f"held in a list, garbage collector {'on' if args.split_gc else 'off'}"
        )
        s = run_child(args, "split", recording, "recording", full)
        if "error" in s:
            print(f"split: {s['error']}")
        else:
            total = s["read_s"] + s["apply_s"]
            print(
                table(
                    ["stage", "frames", "s", "frames/s", "share of read+apply"],
                    [
                        [
                            "read_frames → list (file, gzip check, decode, generators)",
                            f"{s['frames']:,}",
                            fmt(s["read_s"], 2),
                            fmt(s["frames"] / s["read_s"], 0),
                            f"{100 * s['read_s'] / total:.0f}%",
                        ],
                        [
                            "Projection.apply over the list",
                            f"{s['frames']:,}",
                            fmt(s["apply_s"], 2),
                            fmt(s["frames"] / s["apply_s"], 0),
                            f"{100 * s['apply_s'] / total:.0f}%",
                        ],
                        [
                            "frame.decode alone (lines already in memory)",
                            f"{s['decoded']:,}",
                            fmt(s["decode_s"], 2),
                            fmt(s["decoded"] / s["decode_s"], 0),
                            "-",
                        ],
                    ],
                )
            )
            print(
                f"GC during read+apply {s['gc_read_apply_s']:.2f} s; peak RSS holding "
                f"{args.chunk:,} frames {mb(s['peak_kb']):.0f} MB sampled, "
                f"{mb(s['hwm_kb']):.0f} MB VmHWM",
                flush=True,
            )
            if ok:
                print_budget("frame", "frames", TARGET_FPS, s, biggest, os.cpu_count() or 1)

        # (b) event log
        forms = [("lines", False)] + ([("array", True)] if args.array else [])
        for form, as_array in forms:
            print(f"\n(b) event log ({form}): read_frames(..., 'eventlog') + Projection.apply")
            if args.eventlog is not None:
                log_path = args.eventlog
            else:
                log_path = tmp / f"eventlog-{args.events}.{'json' if as_array else 'jsonl'}"
                done = generate.write_eventlog(
                    log_path, args.events, args.stations, args.seed, as_array
                )
                print(
                    f"generated {done.records:,} events, {done.bytes / 1e6:,.0f} MB, "
                    f"in {done.seconds:.1f} s",
                    flush=True,
                )
            e = run_child(args, "stream", log_path, "eventlog", args.events)
            if "error" in e:
                print(f"eventlog: {e['error']}")
            else:
                eps = e["frames"] / e["seconds"]
                at_size = e["frames"] >= TARGET_SIZE
                print(
                    f"{e['frames']:,} events in {e['seconds']:.2f} s = {eps:,.0f} events/s "
                    f"on one core (target ≥ {TARGET_EPS:,.0f}: "
                    f"{verdict(eps >= TARGET_EPS, at_size)}); "
                    f"RSS start {mb(e['baseline_kb']):.0f} MB, peak {mb(e['peak_kb']):.0f} MB "
                    f"sampled / {mb(e['hwm_kb']):.0f} MB VmHWM / "
                    f"{mb(e['maxrss_kb']):.0f} MB ru_maxrss "
                    f"(target < {TARGET_RSS_MB:.0f}: "
                    f"{verdict(mb(e['peak_kb']) < TARGET_RSS_MB, at_size)}); "
                    f"{e['skipped']:,} skipped; {e['stations']} stations; "
                    f"unjoined calls and answers {e['unjoined']:,}; "
                    f"GC {sum(e['gc_s']):.2f} s",
                    flush=True,
                )
                trend = ", ".join(f"{n // 1000:,}k:{mb(kb):.0f}" for n, kb in e["marks"])
                print(f"RSS (MB) by events read: {trend}")
                figure(
                    f"eventlog_{form}_fold_eps",
                    round(eps),
                    "events/s",
                    f">={TARGET_EPS:.0f}",
                    verdict(eps >= TARGET_EPS, at_size),
                )
                if not as_array:  # the bare loop reads lines
                    bare_ratio(args, log_path, "eventlog", e)
                    s = run_child(args, "split", log_path, "eventlog", args.events)
                    if "error" in s:
                        print(f"split: {s['error']}")
                    else:
                        # One core: an answer names no station, so the stations of an
                        # event log cannot be shared out between processes.
                        print_budget("event", "events", TARGET_EPS, s, e, 1)
            if args.profile is not None:
                profile_path = args.profile.with_suffix(f".eventlog-{form}.prof")
                e = run_child(args, "stream", log_path, "eventlog", args.events, profile_path)
                if "error" in e:
                    print(f"profile: {e['error']}")
                else:
                    print_profile(profile_path)
            if args.eventlog is not None:
                break
            log_path.unlink(missing_ok=True)

        # (c) the command
        if not args.no_cli:
            print(f"\n(c) ocppdeck project {recording.name} --json > /dev/null")
            c = run_cli(args, recording)
            if "error" in c:
                print(f"cli: {c['error']}")
            else:
                counted = _counted_frames(c["stderr"])
                print(
                    f"exit {c['exit']}, wall {c['wall']:.2f} s = {counted / c['wall']:,.0f} "
                    f"frames/s for the {counted:,} frames it counted "
                    f"end to end (CPU {c['cpu']:.2f} s); peak RSS {mb(c['hwm_kb']):.0f} MB "
                    f"(VmHWM polled every 20 ms), ru_maxrss {mb(c['maxrss_kb']):.0f} MB; "
                    f"stderr: {c['stderr'][-300:]}",
                    flush=True,
                )
    print(f"\nfinished in {time.monotonic() - started:.1f} s (temporary files removed)")
    return 0


def _counted_frames(stderr: str) -> int:
    """The frames `ocppdeck project` says it read (its summary line on stderr)."""
    found = re.search(r"\): ([\d,]+) frames?;", stderr)
    return int(found.group(1).replace(",", "")) if found else 0


def _terminated(_signum: int, _frame: object) -> None:
    raise SystemExit(143)


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--frames", type=int, default=1_000_000, help="frames in the largest file")
    p.add_argument("--events", type=int, default=1_000_000, help="events in the event log")
    p.add_argument("--stations", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--chunk", type=int, default=100_000, help="frames per list in the split")
    p.add_argument("--array", action="store_true", help="also time the JSON-array event log")
    p.add_argument(
        "--split-gc",
        action="store_true",
        help="keep the garbage collector on in the split (off by default: see the docstring)",
    )
    p.add_argument("--no-cli", action="store_true", help="skip `ocppdeck project`")
    p.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="also run the largest recording and the event log under cProfile, "
        "saving FILE.recording.prof / FILE.eventlog-lines.prof and printing the top functions",
    )
    p.add_argument("--recording", type=Path, help="use this recording (plain JSONL) instead")
    p.add_argument("--eventlog", type=Path, help="use this event log instead")
    p.add_argument("--sample-s", type=float, default=0.2, help="RSS sampling period")
    p.add_argument("--max-rss-mb", type=int, default=2048, help="stop a child past this RSS")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per measurement")
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="processes for the split fold (default: one per core)",
    )
    p.add_argument("--child", choices=["stream", "split", "bare", "cores"], help=argparse.SUPPRESS)
    p.add_argument("--file", help=argparse.SUPPRESS)
    p.add_argument("--format", default="recording", help=argparse.SUPPRESS)
    p.add_argument("--expect", type=int, default=1, help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: the parent by default, one measurement with --child."""
    args = build_parser().parse_args(argv)
    if args.child:
        return child_main(args)
    args.jobs = args.jobs or len(os.sched_getaffinity(0))
    # Terminated (say by run_all.py's time limit): unwind, so the child is killed
    # and the temporary folder removed.
    signal.signal(signal.SIGTERM, _terminated)
    try:
        return main_parent(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
