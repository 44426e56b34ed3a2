"""Where the soak's memory growth comes from: the CSMS under the soak's fleet, traced.

The CSMS (core/engine.Engine, as `ocppdeck serve` runs it: the tuned collector, an
aged data dir from bench/_aged.py, `--frame-log-mb`) runs in this process with
tracemalloc on; the soak's faulty fleet (bench/soak.py's fleet child: garbage,
duplicates, drops, reorderers, the flooder, the slow reader) loads it from a child
process on 127.0.0.1. No kill, no full disk: one life, so a trend is a trend.

Every `--every` s after `--warmup` it prints, against warm-up: VmRSS beside the
memory tracemalloc traces (and what tracemalloc itself costs), the allocation sites
that grew most (by the innermost ocppdeck frame, with the traceback of the biggest,
and summed by package), container objects by type that grew most (gc), per-connection
objects alive against live sessions, what holds objects of the `--holders-of` types,
and the size of the CSMS's bounded structures (frame log, joiners, pending samples,
live sessions, tasks). At the end: RSS per minute and its slope after warm-up, when
the frame log first filled, and what one full collection of everything (frozen
objects included) frees. RSS that grows while traced memory is flat is the
allocator's (fragmentation, freed memory not given back); traced memory that grows
names its site; what the last full collection frees was garbage in cycles that the
tuned collector's frozen generation kept. `--every 0` takes no look in between (each
walks and refreezes the heap), leaving the collector undisturbed.

tracemalloc slows every allocation severalfold: use a few hundred stations.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import linecache
import logging
import os
import re
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import CellType

import soak
from _aged import write_aged_data_dir
from _benchlib import Child, fmt, proc_status_kb, raise_nofile, run_timed, table

from ocppdeck import core
from ocppdeck.core.collector import tuned
from ocppdeck.core.config import load_settings
from ocppdeck.core.dialects import V16, V201
from ocppdeck.core.engine import Engine
from ocppdeck.core.memory_trim import release_free_memory, share_arenas
from ocppdeck.core.model.state import StationState
from ocppdeck.core.sim.fleet import fleet_specs

FRAMES = 12  # traceback depth kept per allocation
TOP = 12  # sites shown per snapshot
ROOT = str(Path(core.__file__).resolve().parent.parent) + os.sep  # ocppdeck's own files
OURS = {"core", "tui"}
SITE = f"site-packages{os.sep}"
HOLDER_SAMPLE = 25
PER_CONNECTION = re.compile(r"ChargePoint|Connection$|Session$|WireTap|StreamReader|Transport$")
RSS_EVERY_S = 5.0
STOP_GRACE_S = 120.0  # past --seconds: the fleet's close, the engine's close


def _mb(n: float) -> str:
    return fmt(n / 1e6, 2)


def _rss_mb() -> float:
    return proc_status_kb()["VmRSS"] / 1024


def _snapshot() -> tracemalloc.Snapshot:
    return tracemalloc.take_snapshot().filter_traces(
        (
            tracemalloc.Filter(False, tracemalloc.__file__),
            tracemalloc.Filter(False, linecache.__file__),
            tracemalloc.Filter(False, "<frozen importlib._bootstrap*>"),
        )
    )


def _site(tb: tracemalloc.Traceback) -> str:
    """Where an allocation belongs: the innermost frame in ocppdeck (the code that holds
    it), else the innermost frame (a library's own)."""
    ours = next((fr for fr in reversed(tb) if _ours(fr.filename)), None)  # innermost
    fr = ours or tb[-1]
    name = fr.filename.removeprefix(ROOT) if ours else _library(fr.filename)
    return f"{name}:{fr.lineno}"


def _ours(filename: str) -> bool:
    return filename.startswith(ROOT) and SITE not in filename


def _library(filename: str) -> str:
    """A library file as package/module (site-packages), or python/module (the stdlib)."""
    if SITE in filename:
        return filename.split(SITE, 1)[1]
    return f"python/{os.path.basename(filename)}"


def _group(site: str) -> str:
    """A site's package: ocppdeck's (core/csms, tui, ...), a library, or python."""
    parts = site.split(os.sep)
    return os.sep.join(parts[:2]) if parts[0] in OURS and len(parts) > 2 else parts[0]


def _by_site(snap: tracemalloc.Snapshot) -> tuple[Counter[str], Counter[str], dict]:
    size: Counter[str] = Counter()
    count: Counter[str] = Counter()
    biggest: dict[str, tuple[int, tracemalloc.Traceback]] = {}
    for stat in snap.statistics("traceback"):
        key = _site(stat.traceback)
        size[key] += stat.size
        count[key] += stat.count
        if stat.size > biggest.get(key, (0, None))[0]:
            biggest[key] = (stat.size, stat.traceback)
    return size, count, biggest


def _gc_types() -> Counter[str]:
    """Container objects by type name, frozen ones included (the serve collector freezes
    survivors: they are unfrozen for the count and frozen again, as its next full
    collection would)."""
    with _unfrozen():
        return Counter(type(o).__qualname__ for o in gc.get_objects())


@contextlib.contextmanager
def _unfrozen() -> Iterator[None]:
    """Frozen objects back in the generations for a look, then frozen again; not when
    none were frozen (a sweep is pending: freezing now would cancel it)."""
    frozen = gc.get_freeze_count() > 0
    gc.unfreeze()
    try:
        yield
    finally:
        if frozen:
            gc.freeze()


def _holders(type_name: str, sample: int = HOLDER_SAMPLE) -> Counter[str]:
    """What holds objects of a type, two referrer hops up ("dict <- WireTap"), over a
    sample of them (the newest: gc lists the young generations first). Slow: each
    referrer search walks the heap; frozen objects are unfrozen for it."""
    with _unfrozen():
        found = [o for o in gc.get_objects() if type(o).__qualname__ == type_name][:sample]
        holders: Counter[str] = Counter()
        skip = {id(found)}
        for obj in found:
            refs = [r for r in gc.get_referrers(obj) if id(r) not in skip]
            skip.add(id(refs))
            for ref in refs[:3]:
                name = type(ref).__qualname__
                if isinstance(ref, dict | list | tuple | set | deque | CellType):
                    ups = [u for u in gc.get_referrers(ref) if id(u) not in skip and u is not refs]
                    name += " <- " + ",".join(sorted({type(u).__qualname__ for u in ups[:3]}))
                holders[name] += 1
        return holders


def _structures(engine: Engine) -> dict[str, int]:
    """The sizes of what the CSMS bounds, read from its parts (bench-only: private fields)."""
    proj, frames, csms = engine.projection, engine.frames, engine.csms
    calls, answers = proj._joins.halves()
    return {
        "frame log bytes": frames.bytes,
        "frame log frames": len(frames._lines),
        "frame log joins (halves)": len(frames._joins),
        "frame log cache bytes": frames.cache_bytes,
        "projection joins: calls": len(calls),
        "projection joins: answers": len(answers),
        "projection joins: station index": len(proj._joins.station_index()),
        "projection pending samples": len(proj._samples.items()),
        "metrics pending calls": len(engine.metrics._calls),
        "live sessions": len(csms._live),
        "asyncio tasks": len(asyncio.all_tasks()),
        "stations in state": len(proj.state.stations),
        "transactions in state": len(proj.state.transactions),
        **_per_station(proj.state.stations.values()),
    }


def _per_station(stations: Iterable[StationState]) -> dict[str, int]:
    """What the stations' bounded records hold, summed over the fleet."""
    sums: Counter[str] = Counter()
    for st in stations:
        sums["  unstarted transactions"] += len(st.unstarted)
        sums["  variables"] += len(st.variables)
        sums["  reports"] += len(st.reports)
        sums["  notices"] += sum(len(kept) for kept in st.notices.values())
        sums["  steps"] += sum(len(kept) for kept in st.steps.values())
        sums["  charging events"] += len(st.charging)
        sums["  evses"] += len(st.evses)
        sums["  meter samples"] += sum(len(e.history) for e in st.evses.values())
    return dict(sums)


class Tracer:
    """The warm-up baseline and what each later snapshot adds to it."""

    def __init__(self, engine: Engine, began: float, trace: bool, holders_of: list[str]) -> None:
        self.engine, self.began, self.trace = engine, began, trace
        self.holders_of = holders_of
        self.pauses: list[float] = []  # s the loop stood still for each snapshot
        self.base_sites: tuple[Counter[str], Counter[str]] = (Counter(), Counter())
        self.base_types: Counter[str] = Counter()
        self.base_structures: dict[str, int] = {}
        self.rows: list[tuple[str, ...]] = []

    def _line(self, label: str) -> tuple[str, ...]:
        traced, _ = tracemalloc.get_traced_memory()
        row = (
            label,
            fmt(time.monotonic() - self.began, 0),
            fmt(_rss_mb(), 1),
            _mb(traced),
            _mb(tracemalloc.get_tracemalloc_memory()),
            fmt(os.getloadavg()[0], 1),
            f"{gc.get_freeze_count():,}",
        )
        self.rows.append(row)
        return row

    def baseline(self) -> None:
        """The warm-up snapshot: everything later is compared with it."""
        row = self._line("warm-up")  # measured first: the snapshot's own memory is not in it
        taken = time.monotonic()
        self.base_types = _gc_types()
        if self.trace:
            self.base_sites = _by_site(_snapshot())[:2]  # the snapshot itself is let go
        self.pauses.append(time.monotonic() - taken)
        self.base_structures = _structures(self.engine)
        print(
            f"\n[{row[1]} s] baseline: RSS {row[2]} MB, traced {row[3]} MB, frozen objects "
            f"{row[6]}",
            flush=True,
        )
        self._print_structures()

    def _print_structures(self) -> None:
        now = _structures(self.engine)
        rows = [
            (name, f"{self.base_structures[name]:,}", f"{value:,}") for name, value in now.items()
        ]
        print(table(("structure", "at warm-up", "now"), rows), flush=True)

    def compare(self) -> None:
        """What grew since warm-up: traced sites, gc types, the CSMS's structures."""
        row = self._line("snapshot")
        taken = time.monotonic()
        types = _gc_types()  # before the snapshot: its Tracebacks are container objects
        base_rss, base_traced = float(self.rows[0][2]), float(self.rows[0][3])
        print(
            f"\n[{row[1]} s] RSS {row[2]} MB ({float(row[2]) - base_rss:+.1f} since warm-up), "
            f"traced {row[3]} MB ({float(row[3]) - base_traced:+.2f}), tracemalloc's own "
            f"{row[4]} MB, load {row[5]}, frozen objects {row[6]}",
            flush=True,
        )
        if self.trace:
            self._print_sites()
        self.pauses.append(time.monotonic() - taken)
        grown = sorted(
            types.keys() | self.base_types.keys(), key=lambda k: self.base_types[k] - types[k]
        )
        rows = [(t, f"{types[t] - self.base_types[t]:+,}", f"{types[t]:,}") for t in grown[:TOP]]
        print(table(("gc-tracked type", "grown", "now"), rows))
        per_link = sorted(t for t in types if PER_CONNECTION.search(t))
        print(
            "per-connection objects alive (live sessions: "
            f"{len(self.engine.csms._live)}): "
            + ", ".join(f"{t} {self.base_types[t]:,} -> {types[t]:,}" for t in per_link)
        )
        for name in self.holders_of:
            held = ", ".join(f"{k} x{n}" for k, n in _holders(name).most_common(6))
            print(f"{name} held by (a sample of {HOLDER_SAMPLE}): {held}")
        self._print_structures()
        sys.stdout.flush()

    def _print_sites(self) -> None:
        now_size, now_count, biggest = _by_site(_snapshot())
        old_size, old_count = self.base_sites
        sites = sorted(now_size.keys() | old_size.keys(), key=lambda k: old_size[k] - now_size[k])
        rows = [
            (
                site,
                f"{(now_size[site] - old_size[site]) / 1e3:+,.0f}",
                f"{now_count[site] - old_count[site]:+,}",
                f"{now_size[site] / 1e3:,.0f}",
            )
            for site in sites[:TOP]
        ]
        print(table(("allocation site (innermost ocppdeck frame)", "kB", "blocks", "kB now"), rows))
        groups: Counter[str] = Counter()
        for site in sites:
            groups[_group(site)] += now_size[site] - old_size[site]
        rows = [(g, f"{kb / 1e3:+,.0f}") for g, kb in groups.most_common()[:TOP]]
        print(table(("grown, by who holds it", "kB"), rows))
        for site in sites[:3]:
            if site in biggest and now_size[site] > old_size[site]:
                print(f"  biggest traceback of {site} (innermost first; ocppdeck frames):")
                frames = list(reversed(biggest[site][1]))
                shown = frames[:2] + [fr for fr in frames[2:] if _ours(fr.filename)]
                for fr in shown:
                    print(f"    {fr.filename.rsplit(os.sep, 2)[-1]}:{fr.lineno}")


async def run(args: argparse.Namespace) -> None:
    """Aged data dir, traced CSMS, soak fleet, snapshots; then stop everything."""
    soft, hard = raise_nofile()
    print(
        f"memory growth: {args.stations} stations for {args.seconds:g} s, warm-up "
        f"{args.warmup:g} s, snapshot every {args.every:g} s, frame log {args.frame_log_mb} MB; "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} "
        f"CPUs; open files {soft}/{hard}",
        flush=True,
    )
    work = Path(tempfile.mkdtemp(prefix="ocppdeck-memgrowth-"))
    data = work / "data"
    data.mkdir()
    logging.basicConfig(filename=work / "serve.log", level=logging.INFO, force=True)
    if args.trace:
        tracemalloc.start(FRAMES)
    fleet: Child | None = None
    try:
        specs = fleet_specs(args.stations, args.seed, protocols=(V16.name, V201.name))
        size = write_aged_data_dir(data / "snapshot.json", specs, time.time())
        print(f"  aged start: a {size / 1e6:.0f} MB snapshot", flush=True)
        settings = load_settings(
            {
                "data_dir": data,
                "host": "127.0.0.1",
                "port": 0,
                "accept_unknown_tags": True,
                "frame_log_mb": args.frame_log_mb,
            },
            env={},
        )
        share_arenas()  # as `ocppdeck serve` does
        engine = Engine(settings)
        with tuned() if args.collector == "serve" else contextlib.nullcontext() as collector:
            await engine.start()
            if collector is not None:
                collector.settle()
            try:
                fleet = await _load(args, engine, work)
                await _observe(args, engine)
                _collect_everything()
            finally:
                (work / "stop").touch()
                if fleet is not None:
                    await asyncio.wait_for(fleet.stop(grace=60), STOP_GRACE_S)
                await engine.close()
        if collector is not None:
            print(f"collector sweeps (everything unfrozen once): {collector.sweeps}")
        lines = (work / "serve.log").read_text(encoding="utf-8", errors="replace").splitlines()
        print(f"CSMS log: {len(lines)} lines; the last ones:", *lines[-5:], sep="\n  ")
    finally:
        tracemalloc.stop()
        shutil.rmtree(work, ignore_errors=True)


def _collect_everything() -> None:
    """Under load still: what one full collection of everything, frozen objects included,
    frees. What it frees was garbage in cycles that the frozen generation kept."""
    traced, rss, frozen = tracemalloc.get_traced_memory()[0], _rss_mb(), gc.get_freeze_count()
    gc.unfreeze()
    found = gc.collect()
    gc.freeze()
    after_traced, after_rss = tracemalloc.get_traced_memory()[0], _rss_mb()
    release_free_memory()
    print(
        f"\nat the end, one full collection of everything ({frozen:,} objects were frozen): "
        f"{found:,} unreachable objects freed; traced {_mb(traced)} -> {_mb(after_traced)} MB, "
        f"RSS {rss:.1f} -> {after_rss:.1f} MB, after malloc_trim(0) {_rss_mb():.1f} MB",
        flush=True,
    )


async def _load(args: argparse.Namespace, engine: Engine, work: Path) -> Child:
    url = engine.csms.url
    soak_args = soak.build_parser().parse_args(
        ["--stations", str(args.stations), "--seed", str(args.seed)]
    )
    fleet = Child(soak._child_argv(soak_args, "fleet", url, work / "stop", work))
    await fleet.start()
    await fleet.expect("started", 180)
    print(f"  fleet started on {url}", flush=True)
    return fleet


async def _rss_series(
    engine: Engine, began: float, out: list[tuple[float, int, float]], full: list[float]
) -> None:
    """RSS every few seconds; when the frame log first let a frame go (it was full)."""
    while True:
        now = time.monotonic() - began
        out.append((now, 1, _rss_mb()))
        if not full and engine.frames.base > 0:
            full.append(now)
        await asyncio.sleep(RSS_EVERY_S)


async def _observe(args: argparse.Namespace, engine: Engine) -> None:
    began = time.monotonic()
    tracer = Tracer(engine, began, args.trace, args.holders_of)
    rss: list[tuple[float, int, float]] = []
    full: list[float] = []
    sampler = asyncio.create_task(_rss_series(engine, began, rss, full))
    try:
        await _snapshots(args, tracer, began)
    finally:
        sampler.cancel()
        await asyncio.gather(sampler, return_exceptions=True)
    [(_, series, slope)] = soak.memory_slopes(rss, args.warmup)
    minutes = {int(t // 60): mb for t, mb in series}
    marks = ", ".join(f"{m + 1}: {fmt(mb, 0)}" for m, mb in sorted(minutes.items()))
    print(f"RSS (MB) at the end of each minute: {marks}")
    shown = "-" if slope is None else fmt(slope, 2)
    print(f"RSS slope after the {args.warmup:g} s warm-up: {shown} MB/min")
    when = f"{fmt(full[0], 0)} s" if full else "never"
    print(f"frame log ({args.frame_log_mb} MB) first full at: {when} (to {RSS_EVERY_S:g} s)")


async def _snapshots(args: argparse.Namespace, tracer: Tracer, began: float) -> None:
    if args.every <= 0:  # RSS only: nothing that walks or freezes the heap until the end
        await asyncio.sleep(args.seconds)
        return
    await asyncio.sleep(args.warmup)
    tracer.baseline()
    while time.monotonic() - began + args.every <= args.seconds + 1:
        await asyncio.sleep(args.every)
        tracer.compare()
    print("\nover the run (MB):")
    rows = [(*row, fmt(pause, 0)) for row, pause in zip(tracer.rows, tracer.pauses, strict=False)]
    print(
        table(
            ("when", "s", "RSS", "traced", "tracemalloc's own", "load", "frozen", "pause s"), rows
        )
    )


async def main_async(args: argparse.Namespace) -> None:
    """The whole run, bounded."""
    async with asyncio.timeout(args.seconds + 180 + STOP_GRACE_S):  # fleet boot, stop
        await run(args)


def build_parser() -> argparse.ArgumentParser:
    """Flags."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--stations", type=int, default=250, help="simulated stations (250)")
    p.add_argument("--seconds", type=float, default=780.0, help="length of the load (780)")
    p.add_argument("--warmup", type=float, default=180.0, help="s before the baseline (180)")
    p.add_argument(
        "--every",
        type=float,
        default=120.0,
        help="s between snapshots (120); 0: none, RSS only (the collector undisturbed)",
    )
    p.add_argument("--frame-log-mb", type=int, default=16, help="the CSMS's frame log (16)")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument(
        "--holders-of",
        action="append",
        default=[],
        metavar="TYPE",
        help="at each snapshot, what holds objects of this type (repeatable; slow)",
    )
    p.add_argument(
        "--collector",
        choices=("serve", "plain"),
        default="serve",
        help="serve: the collector `ocppdeck serve` tunes (freezes survivors); plain: Python's",
    )
    p.add_argument(
        "--trace",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="tracemalloc on (default); off: RSS, gc types and structures only, at full speed",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run it."""
    return run_timed(main_async, build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
