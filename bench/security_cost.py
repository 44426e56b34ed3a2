"""What security costs: profile 2 against profile 0, and a reconnect storm under profile 1.

Two parts, both against ocppdeck's full `Engine` in this process, with the
load generator in a child process (this file with `--client`):

* profiles: the same N OCPP 1.6 stations connect (timed one by one: TCP, TLS and
  the HTTP upgrade with its password check), boot once, then flood the
  Authorize -> StartTransaction -> 3x MeterValues -> StopTransaction cycle. Run
  at profile 0 (ws://, open) and profile 2 (wss:// TLS 1.2+ with a certificate
  made here by trustme, HTTP Basic with a scrypt-hashed password per station),
  alternating, in the same process: the ratio is the cost of security.
* storm: `--steady` stations connected under profile 1 send a Heartbeat every
  `--beat` seconds; after a quiet window, `--storm` more registered stations
  (another process) connect at once, each handshake a scrypt check (cold), leave,
  and all connect again (warm: the CSMS has checked their passwords before, as
  after a network blip). The steady stations' answer times before and during
  each wave show whether the storm stalls them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import ssl
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _benchlib import (
    PROTOCOL,
    Child,
    LagProbe,
    Link,
    boot_payload,
    close_all,
    cpu_seconds,
    emit,
    fmt,
    open_station,
    raise_nofile,
    run_side,
    summarize_ms,
    table,
)
from csms_throughput import Tally, _drive
from ocpp.v16 import call
from websockets.exceptions import InvalidStatus

PASSWORD = "bench-password-0123456789"
TARGET_STORM_SIZE = 1000
FAILED = -1.0  # a heartbeat that got no answer
STALL_S = 1.0  # a connected station's answer this late (or none) is a stall
ALONE = 10  # profiles: handshakes timed one at a time, before the batches


# --- the load generator (child process) --------------------------------------
def _client_tls(args: argparse.Namespace) -> ssl.SSLContext | None:
    if not args.ca:
        return None
    context = ssl.create_default_context(cafile=args.ca)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


async def _timed_open(
    url: str, ids: Sequence[str], args: argparse.Namespace, batch: int
) -> tuple[list[Link], list[float], list[str]]:
    """Open stations `batch` at a time, each handshake timed alone."""
    tls = _client_tls(args)
    loop = asyncio.get_running_loop()
    links: list[Link] = []
    took: list[float] = []
    errors: list[str] = []

    async def one(station_id: str) -> None:
        started = loop.time()
        try:
            link = await open_station(
                url, station_id, args.connect_timeout, 30.0, ssl=tls, password=args.password
            )
        except Exception as exc:
            errors.append(f"{station_id}: {type(exc).__name__}: {exc}")
            return
        took.append(loop.time() - started)
        links.append(link)

    for i in range(0, len(ids), batch):
        await asyncio.gather(*(one(s) for s in ids[i : i + batch]))
    return links, took, errors


async def _boot_all(links: Sequence[Link]) -> None:
    await asyncio.gather(*(link.cp.call(boot_payload(), suppress=False) for link in links))


async def client_profiles(args: argparse.Namespace) -> None:
    """Connect (the first few one at a time, then in batches; each timed), boot, flood one
    window; report as JSON lines."""
    loop = asyncio.get_running_loop()
    ids = [f"BENCH{i:05d}" for i in range(args.stations)]
    alone = ids[:ALONE]
    links, took_alone, errors = await _timed_open(args.client, alone, args, batch=1)
    more, took, more_errors = await _timed_open(args.client, ids[ALONE:], args, args.batch)
    links += more
    errors += more_errors
    try:
        await _boot_all(links)
        emit("connected", ok=len(links), failed=len(errors), errors=errors[:5])
        await asyncio.sleep(args.settle)
        emit("window")
        t0 = loop.time()
        tally = Tally()
        flood = argparse.Namespace(
            flood=True,
            rate=1.0,
            seed=1,
            client_validate=False,
            library_client=True,
            protocol=PROTOCOL,
        )
        await asyncio.gather(
            *(_drive(link, i, flood, t0, t0 + args.seconds, tally) for i, link in enumerate(links))
        )
        emit(
            "done",
            alone_ms=summarize_ms(took_alone),
            handshake_ms=summarize_ms(took),
            calls=tally.completed,
            errors=tally.errors,
            window=args.seconds,
            latency_ms=summarize_ms(tally.latencies),
            error_samples=tally.error_samples[:5],
        )
    finally:
        await asyncio.wait_for(close_all(links), 60)


async def _beat(
    link: Link, every: float, offset: float, until: asyncio.Event, out: list[tuple[float, float]]
) -> None:
    """Heartbeats (the first after `offset`, so stations do not beat in step) until `until`
    is set: (wall time sent, seconds to the answer) each."""
    loop = asyncio.get_running_loop()
    await asyncio.sleep(offset)
    while not until.is_set():
        started, sent = loop.time(), time.time()
        try:
            await link.cp.call(call.Heartbeat(), suppress=False)
            out.append((sent, loop.time() - started))
        except Exception:
            out.append((sent, FAILED))
        await asyncio.sleep(max(0.0, every - (loop.time() - started)))


async def client_steady(args: argparse.Namespace) -> None:
    """Steady stations beat until the parent's stop file appears; every beat is reported."""
    ids = [f"STEADY{i:04d}" for i in range(args.steady)]
    steady, _, errors = await _timed_open(args.client, ids, args, batch=50)
    try:
        await _boot_all(steady)
        emit("connected", ok=len(steady), failed=len(errors), errors=errors[:5])
        stop = asyncio.Event()
        beats: list[tuple[float, float]] = []
        beaters = [
            asyncio.create_task(_beat(link, args.beat, args.beat * i / len(steady), stop, beats))
            for i, link in enumerate(steady)
        ]
        while not Path(args.stop_file).exists():
            await asyncio.sleep(0.1)
        stop.set()
        await asyncio.gather(*beaters)
        emit("done", beats=beats)
    finally:
        await asyncio.wait_for(close_all(steady), 60)


async def _until_in(
    url: str, station_id: str, args: argparse.Namespace, deadline: float, out: dict[str, Any]
) -> Link | None:
    """Connect as a station would after an outage: again and again until in (a 503's
    Retry-After, else a jittered 1 to 5 s between tries), or until `deadline`."""
    loop = asyncio.get_running_loop()
    tls = _client_tls(args)
    rng = random.Random(station_id)
    while loop.time() < deadline:
        started = loop.time()
        try:
            link = await open_station(url, station_id, 10.0, 30.0, ssl=tls, password=args.password)
        except InvalidStatus as exc:
            out["refused"] += 1
            wait = exc.response.headers.get("Retry-After", "")
            pause = float(wait) if wait.isdigit() else rng.uniform(1, 5)
        except Exception as exc:
            out["failed"] += 1
            out["errors"] = [*out["errors"], f"{station_id}: {type(exc).__name__}: {exc}"][:3]
            pause = rng.uniform(1, 5)
        else:
            out["handshakes"].append(loop.time() - started)
            return link
        await asyncio.sleep(min(pause, max(0.0, deadline - loop.time())))
    return None


async def client_storm(args: argparse.Namespace) -> None:
    """The storm stations connect all at once and retry until in; then leave and all come
    back (the CSMS has now seen their passwords); each wave's window is reported."""
    loop = asyncio.get_running_loop()
    ids = [f"STORM{i:05d}" for i in range(args.storm)]
    waves = {}
    for wave in ("cold", "warm"):
        began, deadline = time.time(), loop.time() + args.storm_limit
        out: dict[str, Any] = {"refused": 0, "failed": 0, "errors": [], "handshakes": []}
        tries = [_until_in(args.client, sid, args, deadline, out) for sid in ids]
        links = [link for link in await asyncio.gather(*tries) if link is not None]
        waves[wave] = {
            "from": began,
            "to": time.time(),
            "ok": len(links),
            "refused": out["refused"],
            "failed": out["failed"],
            "errors": out["errors"],
            "handshake_ms": summarize_ms(out["handshakes"]),
        }
        await asyncio.wait_for(close_all(links), 120)
        await asyncio.sleep(args.quiet)
    emit("done", waves=waves)


async def client_main(args: argparse.Namespace) -> None:
    """The child's entry: one part, as the parent asked."""
    raise_nofile()
    parts = {"steady": client_steady, "storm": client_storm, "profiles": client_profiles}
    await parts[args.client_part](args)


# --- the measured side ---------------------------------------------------------
@dataclass(slots=True)
class Pki:
    """A CA the stations trust and the CSMS's certificate from it (trustme)."""

    ca: Path
    cert: Path
    key: Path


def make_pki(folder: Path) -> Pki:
    """Certificates for 127.0.0.1, made here."""
    import trustme

    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    pki = Pki(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    ca.cert_pem.write_to_path(str(pki.ca))
    server.cert_chain_pems[0].write_to_path(str(pki.cert))
    server.private_key_pem.write_to_path(str(pki.key))
    return pki


async def engine_for(profile: int, data_dir: Path, pki: Pki, ids: Sequence[str]) -> Any:
    """A started Engine at `profile`; every id registered with PASSWORD, each hash made
    with its own salt (as `stations add` does), in threads: a minute for a thousand."""
    from ocppdeck.core.config import Settings  # not imported by the --client process
    from ocppdeck.core.csms.passwords import hash_password
    from ocppdeck.core.engine import Engine

    secured = profile > 0
    engine = Engine(
        Settings(
            host="127.0.0.1",
            port=0,
            data_dir=data_dir,
            accept_unknown_tags=True,
            heartbeat_interval=300,
            security_profile=profile,
            tls_cert=pki.cert if profile >= 2 else None,
            tls_key=pki.key if profile >= 2 else None,
            registration="closed" if secured else "open",
        )
    )
    if secured:
        with ThreadPoolExecutor(os.cpu_count() or 2) as pool:  # scrypt lets go of the GIL
            hashes = list(pool.map(hash_password, [PASSWORD] * len(ids)))
        for station_id, hashed in zip(ids, hashes, strict=True):
            engine.csms.registry.add(station_id, password_hash=hashed)
    await engine.start()
    return engine


def _child_argv(
    args: argparse.Namespace, url: str, part: str, pki: Pki, secured: bool
) -> list[str]:
    argv = [
        str(Path(__file__).resolve()),
        "--client",
        url,
        "--client-part",
        part,
        "--stations",
        str(args.stations),
        "--seconds",
        str(args.seconds),
        "--settle",
        str(args.settle),
        "--batch",
        str(args.batch),
        "--steady",
        str(args.steady),
        "--storm",
        str(args.storm),
        "--beat",
        str(args.beat),
        "--quiet",
        str(args.quiet),
        "--connect-timeout",
        str(args.connect_timeout),
        "--storm-limit",
        str(args.storm_limit),
    ]
    if secured:
        argv += ["--password", PASSWORD]
        if url.startswith("wss:"):
            argv += ["--ca", str(pki.ca)]
    return argv


async def run_profile(profile: int, args: argparse.Namespace, pki: Pki) -> dict[str, Any]:
    """One profiles run at `profile`: handshake and flood figures."""
    ids = [f"BENCH{i:05d}" for i in range(args.stations)]
    with tempfile.TemporaryDirectory(prefix="ocppdeck-sec-") as tmp:
        engine = await engine_for(profile, Path(tmp), pki, ids)
        child = Child(_child_argv(args, engine.csms.url, "profiles", pki, profile > 0))
        try:
            await child.start()
            connected = await child.expect("connected", 120 + args.stations * 0.5)
            await child.expect("window", args.settle + 60)
            cpu0 = cpu_seconds()
            done = await child.expect("done", args.seconds + 120)
            cpu = cpu_seconds() - cpu0
        finally:
            try:
                await child.stop(grace=60)
            finally:
                await asyncio.wait_for(engine.close(), 60)
    per_call = cpu / done["calls"] * 1e6 if done["calls"] else float("nan")
    return {
        "profile": profile,
        **connected,
        **done,
        "calls_per_s": done["calls"] / args.seconds,
        "cpu_us_per_call": per_call,
    }


async def run_storm(args: argparse.Namespace, pki: Pki) -> dict[str, Any]:
    """The storm part under profile 1: steady stations and the storm in two processes."""
    ids = [f"STEADY{i:04d}" for i in range(args.steady)]
    ids += [f"STORM{i:05d}" for i in range(args.storm)]
    loop = asyncio.get_running_loop()
    probe = LagProbe(loop)
    with tempfile.TemporaryDirectory(prefix="ocppdeck-storm-") as tmp:
        stop_file = Path(tmp) / "stop"
        engine = await engine_for(1, Path(tmp) / "data", pki, ids)
        steady = Child([*_child_argv(args, engine.csms.url, "steady", pki, True), "--stop-file",
                        str(stop_file)])  # fmt: skip
        storm = Child(_child_argv(args, engine.csms.url, "storm", pki, True))
        try:
            await steady.start()
            connected = await steady.expect("connected", 120 + args.steady * 0.5)
            await asyncio.sleep(args.quiet)
            probe.start()
            probe.recording = True
            await storm.start()
            stormed = await storm.expect("done", args.storm_limit * 2 + args.quiet * 2 + 240)
            probe.stop()
            stop_file.touch()
            beats = (await steady.expect("done", 60))["beats"]
        finally:
            probe.stop()
            stop_file.touch()
            try:
                await storm.stop(grace=120)
                await steady.stop(grace=60)
            finally:
                await asyncio.wait_for(engine.close(), 120)
    waves = stormed["waves"]
    first = waves["cold"]["from"]
    windows = {"before": [d for t, d in beats if t < first]}
    for wave, w in waves.items():
        windows[wave] = [d for t, d in beats if w["from"] <= t < w["to"]]
    return {
        **connected,
        "waves": waves,
        "beats_ms": {k: summarize_ms([d for d in v if d != FAILED]) for k, v in windows.items()},
        "stalls": {k: sum(d == FAILED or d >= STALL_S for d in v) for k, v in windows.items()},
        "loop_lag_ms": summarize_ms(probe.lags),
    }


def _ms(summary: dict[str, float]) -> str:
    return f"{fmt(summary['p50'], 1)} / {fmt(summary['p99'], 1)} / {fmt(summary['max'], 1)}"


def print_profiles(results: list[dict[str, Any]], stations: int) -> None:
    """A row per run, then the profile 2 / profile 0 ratios."""
    header = [
        "profile",
        "stations up",
        "handshake alone p50/max ms",
        "in batches p50/p99/max ms",
        "calls/s",
        "server µs/call",
        "p50/p99 ms",
        "err",
    ]
    rows = [
        [
            str(r["profile"]),
            f"{r['ok']}/{stations}",
            f"{fmt(r['alone_ms']['p50'], 1)} / {fmt(r['alone_ms']['max'], 1)}",
            _ms(r["handshake_ms"]),
            f"{r['calls_per_s']:.0f}",
            f"{r['cpu_us_per_call']:.0f}",
            f"{fmt(r['latency_ms']['p50'], 1)} / {fmt(r['latency_ms']['p99'], 1)}",
            str(r["errors"] + r["failed"]),
        ]
        for r in results
    ]
    print(table(header, rows))
    by = {p: [r for r in results if r["profile"] == p] for p in (0, 2)}
    if by[0] and by[2]:

        def mean(rs: list[dict[str, Any]], pick: Any) -> float:
            return sum(pick(r) for r in rs) / len(rs)

        calls = mean(by[2], lambda r: r["calls_per_s"]) / mean(by[0], lambda r: r["calls_per_s"])
        cpu = mean(by[2], lambda r: r["cpu_us_per_call"]) / mean(
            by[0], lambda r: r["cpu_us_per_call"]
        )
        shake0 = mean(by[0], lambda r: r["alone_ms"]["p50"])
        shake2 = mean(by[2], lambda r: r["alone_ms"]["p50"])
        print(
            f"profile 2 vs 0, same run, {stations} stations: calls/s x{calls:.3f}, "
            f"server CPU per call x{cpu:.2f}; a handshake alone {shake2:.1f} ms vs {shake0:.1f} ms",
            flush=True,
        )
    for r in results:
        for err in r["errors"] if isinstance(r["errors"], list) else []:
            print(f"  error: {err}")
        for err in r["error_samples"]:
            print(f"  error: {err}")


def print_storm(r: dict[str, Any], args: argparse.Namespace) -> None:
    """Steady stations' answer times before and during each wave of the storm."""
    cold, warm = r["waves"]["cold"], r["waves"]["warm"]
    beats = r["beats_ms"]
    rows = [
        ["steady stations up", f"{r['ok']}/{args.steady}"],
        ["their heartbeat p50/p99/max before the storm", f"{_ms(beats['before'])} ms"],
    ]
    for name, wave in (("cold", cold), ("warm", warm)):
        rows += [
            [f"  during the {name} wave", f"{_ms(beats[name])} ms"],
            [
                f"{name} wave: all {args.storm} in after",
                f"{wave['to'] - wave['from']:.1f} s ({wave['ok']} in)",
            ],
            [
                f"{name} wave: tries refused 503 / failed",
                f"{wave['refused']} / {wave['failed']}",
            ],
            [f"{name} wave: successful handshake p50/p99/max", f"{_ms(wave['handshake_ms'])} ms"],
        ]
    rows.append(["CSMS loop lag p50/p99/max (both waves)", f"{_ms(r['loop_lag_ms'])} ms"])
    print(table(["storm under profile 1", "value"], rows))
    for wave in (cold, warm):
        for err in wave["errors"]:
            print(f"  storm error: {err}")
    print(
        "cold: the CSMS has not seen these passwords (after its restart), each is a scrypt "
        "check; warm: the same stations again (after a network blip)",
        flush=True,
    )
    stalls = r["stalls"]["cold"] + r["stalls"]["warm"]
    worst = max(beats["cold"]["max"], beats["warm"]["max"])
    if args.storm != TARGET_STORM_SIZE:
        verdict = "not measured at target size"
    else:
        verdict = "meets" if stalls == 0 else "MISSES"
    print(
        f"target: a {TARGET_STORM_SIZE:,}-station storm stalls no connected station (no answer "
        f"missing or >= {STALL_S:g} s) -> {stalls} stalled, slowest {fmt(worst, 1)} ms, with "
        f"{args.storm:,}: {verdict}",
        flush=True,
    )


async def main_async(args: argparse.Namespace) -> None:
    """The chosen parts, in turn."""
    soft, hard = raise_nofile()
    print(
        f"security_cost: part {args.part}; open-files limit {soft}/{hard}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="ocppdeck-pki-") as folder:
        pki = make_pki(Path(folder))
        if args.part in ("profiles", "both"):
            results = []
            for _ in range(args.repeat):
                for profile in (0, 2):
                    started = time.monotonic()
                    results.append(await run_profile(profile, args, pki))
                    print(
                        f"  profile {profile} run: {time.monotonic() - started:.1f} s", flush=True
                    )
            print_profiles(results, args.stations)
        if args.part in ("storm", "both"):
            print_storm(await run_storm(args, pki), args)


def build_parser() -> argparse.ArgumentParser:
    """Flags of the measured side and (hidden) of the child."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--part", choices=("profiles", "storm", "both"), default="both")
    p.add_argument("--client-part", dest="client_part", help=argparse.SUPPRESS)
    p.add_argument("--stations", type=int, default=100, help="profiles: stations (100)")
    p.add_argument("--seconds", type=float, default=10.0, help="profiles: flood window (10)")
    p.add_argument("--repeat", type=int, default=2, help="profiles: runs of each profile (2)")
    p.add_argument("--batch", type=int, default=50, help="profiles: connects at once (50)")
    p.add_argument("--settle", type=float, default=1.0, help=argparse.SUPPRESS)
    p.add_argument("--steady", type=int, default=100, help="storm: stations connected (100)")
    p.add_argument("--storm", type=int, default=1000, help="storm: stations at once (1000)")
    p.add_argument("--beat", type=float, default=0.5, help="storm: heartbeat every s (0.5)")
    p.add_argument("--quiet", type=float, default=5.0, help="storm: window before it (5)")
    p.add_argument("--storm-limit", type=float, default=180.0, help="storm: give up after s")
    p.add_argument("--connect-timeout", type=float, default=120.0, help=argparse.SUPPRESS)
    p.add_argument("--client", help=argparse.SUPPRESS)
    p.add_argument("--password", help=argparse.SUPPRESS)
    p.add_argument("--ca", help=argparse.SUPPRESS)
    p.add_argument("--stop-file", help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the bench, or the child when --client is given."""
    return run_side(build_parser().parse_args(argv), client_main, main_async)


if __name__ == "__main__":
    sys.exit(main())
