"""`ocppdeck`: the live console, `demo`, `serve` (headless CSMS), `simulate` and `project`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.cluster.subjects import is_bus_url
from ..core.collector import tuned
from ..core.config import Settings, SettingsError, load_settings
from ..core.dialects import DEMO_MIX, DIALECTS
from ..core.disk.formats import FORMATS, SourceError
from ..core.disk.lock import DataDirLock
from ..core.logs import configure_logging
from ..core.memory_trim import share_arenas
from . import api_cli, cluster_cli, redact_cli, report_cli, stations_cli, web_cli
from .refused_tag_hint import hint_on_refusal

if TYPE_CHECKING:
    from ..core.scenario.plan import Scenario

log = logging.getLogger("ocppdeck.cli")


def _common(parser: argparse.ArgumentParser, sub: bool = False) -> None:
    """Flags every run takes. On a subcommand they default to absent (SUPPRESS), so
    `ocppdeck --port 9100 serve` keeps the port given before the subcommand."""
    unset: Any = argparse.SUPPRESS if sub else None
    flag = parser.add_argument
    flag("--host", default=unset, help="address to listen on (default 127.0.0.1)")
    flag("--port", type=int, default=unset, help="CSMS port (default 9000)")
    flag("--data-dir", type=Path, default=unset, help="where recordings and the store live")
    flag(
        "--recording-keep-days",
        type=float,
        default=unset,
        help="remove recording segments older than this; 0: keep all (default)",
    )
    flag(
        "--recording-keep-mb",
        type=int,
        default=unset,
        help="remove the oldest recording segments past this total; 0: no limit (default)",
    )
    flag("--config", type=Path, default=unset, help="a TOML settings file")
    flag(
        "--heartbeat-interval",
        type=int,
        default=unset,
        help="seconds, sent in BootNotification",
    )
    flag(
        "--protocols",
        default=unset,
        help=f"subprotocols to serve, some of {','.join(DIALECTS)} (default: all)",
    )
    flag(
        "--accept-unknown-tags",
        action="store_true",
        default=unset,
        help="authorize id tags the store does not know",
    )
    flag(
        "--frame-log-mb",
        type=int,
        default=unset,
        help="memory the console's frame log may hold, in MB (default 128)",
    )
    api = parser.add_argument_group("control API (see README: Control API)")
    api.add_argument(
        "--api-port", type=int, default=unset, help="serve the HTTP API on this port (default off)"
    )
    api.add_argument("--api-host", default=unset, help="its address (default 127.0.0.1)")
    api.add_argument(
        "--api-token-file",
        type=Path,
        default=unset,
        help="its bearer token (default: api-token in the data dir, made on first use)",
    )
    files = parser.add_argument_group("firmware and logs, on the API port (README)")
    files.add_argument(
        "--files-dir", type=Path, default=unset, help="serve its files to stations (firmware)"
    )
    files.add_argument(
        "--files-url", default=unset, help="where stations reach the API port (default: it)"
    )
    files.add_argument(
        "--upload-max-mb", type=int, default=unset, help="the largest upload (default 64)"
    )
    limits = parser.add_argument_group("a station's connection")
    limits.add_argument(
        "--max-frame-bytes",
        type=int,
        default=unset,
        help="the largest message a station may send (default 1048576)",
    )
    limits.add_argument(
        "--station-rate-limit",
        type=float,
        default=unset,
        help="messages a second past which a station is read slower; 0: none (default 100)",
    )
    limits.add_argument(
        "--flood-patience",
        type=float,
        default=unset,
        help="seconds a station may stay past that rate before it is disconnected (default 10)",
    )
    limits.add_argument(
        "--unvalidated-stations",
        default=unset,
        metavar="IDS",
        help="stations (comma-separated) whose payloads are not checked against the schemas",
    )
    limits.add_argument(
        "--permessage-deflate",
        choices=("on", "off"),
        default=unset,
        help="compress messages with stations that offer it (default on)",
    )
    security = parser.add_argument_group("security (see README: Connecting real chargers)")
    security.add_argument(
        "--security-profile",
        type=int,
        choices=(0, 1, 2, 3),
        default=unset,
        help="0 none, 1 Basic auth, 2 TLS + Basic auth, 3 TLS client certificates",
    )
    security.add_argument(
        "--tls-cert", type=Path, default=unset, help="the CSMS's certificate chain (PEM)"
    )
    security.add_argument("--tls-key", type=Path, default=unset, help="its private key (PEM)")
    security.add_argument(
        "--tls-port",
        type=int,
        default=unset,
        help="also serve TLS on this port, beside a plain CSMS port: where stations "
        "upgraded to profile 2 or 3 connect (README: Station certificates)",
    )
    security.add_argument(
        "--tls-client-ca",
        type=Path,
        default=unset,
        help="the CA that signs station certificates (profile 3)",
    )
    security.add_argument(
        "--station-ca-cert",
        type=Path,
        default=unset,
        help="sign stations' CSRs with this CA certificate (PEM; README: Station certificates)",
    )
    security.add_argument(
        "--station-ca-key", type=Path, default=unset, help="the station CA's private key (PEM)"
    )
    security.add_argument(
        "--registration",
        choices=("open", "pending", "closed"),
        default=unset,
        help="unknown stations: let in, hold for an operator, or refuse (default open)",
    )
    security.add_argument(
        "--insecure",
        action="store_true",
        default=unset,
        help="allow security profile 0 on an address other than loopback",
    )
    contracts = parser.add_argument_group("Plug & Charge, 2.x (see README: Plug & Charge)")
    contracts.add_argument(
        "--contract-ca-cert",
        type=Path,
        default=unset,
        metavar="PEM",
        help="contract CA root(s) (PEM): check contract certificates by OCSP against them",
    )
    contracts.add_argument(
        "--ocsp-responder-hosts",
        default=unset,
        metavar="HOSTS",
        help="OCSP responder hosts (host or host:port, comma-separated) the CSMS may ask; "
        "default none",
    )
    contracts.add_argument(
        "--contract-cert-provider",
        default=unset,
        metavar="URL",
        help="forward Get15118EVCertificate's EXI request to this provider (default off)",
    )


def _console_flags(parser: argparse.ArgumentParser, sub: bool = False) -> None:
    unset: Any = argparse.SUPPRESS if sub else None
    parser.add_argument("--theme", default=unset, help="ocppdeck-dark or ocppdeck-light")
    parser.add_argument(
        "--id-tag", dest="default_id_tag", default=unset, help="default id tag for remote start"
    )


def _fleet_protocols(value: str) -> tuple[str, ...]:
    """`simulate --protocols`: versions from "ocpp1.6,ocpp2.0.1", each one the simulator speaks."""
    chosen = tuple(p.strip() for p in value.split(",") if p.strip())
    if not chosen or set(chosen) - set(DIALECTS):
        spoken = ", ".join(DIALECTS)
        raise argparse.ArgumentTypeError(f"expected a comma-separated subset of {spoken}")
    return chosen


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="ocppdeck",
        description="A terminal console for OCPP charging networks.",
    )
    _common(parser)
    _console_flags(parser)
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="the console on a simulated fleet (no charger needed)")
    _common(demo, sub=True)
    _console_flags(demo, sub=True)
    demo.add_argument("--stations", type=int, help="fleet size (default 5)")
    demo.add_argument("--seed", type=int, help="fleet seed (default 7)")
    demo.add_argument("--speed", type=float, help="simulated time per real second (default 1)")
    demo.add_argument(
        "--headless",
        type=float,
        metavar="SECONDS",
        help="run the demo without the console for SECONDS, leaving its recording",
    )
    demo.add_argument(
        "--scenario", type=Path, help="play this scenario file instead of the random fleet"
    )
    serve = sub.add_parser("serve", help="the CSMS without the console; JSON logs on stdout")
    _common(serve, sub=True)
    cluster = serve.add_argument_group("cluster (see README: Scaling out)")
    cluster.add_argument(
        "--bus", metavar="URL", help="publish every frame to NATS JetStream at nats://HOST:PORT"
    )
    cluster.add_argument("--node", help="this node's name on the bus (default: HOST-PORT)")
    simulate = sub.add_parser("simulate", help="a simulated fleet against any CSMS")
    simulate.add_argument("--url", required=True, help="CSMS URL without the station id")
    simulate.add_argument("--stations", type=int, default=5)
    simulate.add_argument("--seed", type=int, default=7)
    simulate.add_argument("--speed", type=float, default=1.0)
    simulate.add_argument(
        "--protocols",
        type=_fleet_protocols,
        default=",".join(DEMO_MIX),
        help=f"versions the stations take in turn, some of {','.join(DIALECTS)}",
    )
    simulate.add_argument("--password", help="every station's HTTP Basic password (profiles 1, 2)")
    simulate.add_argument("--ca", type=Path, help="the CA to trust for a wss:// CSMS")
    simulate.add_argument("--cert", type=Path, help="the stations' certificate (profile 3)")
    simulate.add_argument("--key", type=Path, help="its private key")
    simulate.add_argument(
        "--scenario", type=Path, nargs="+", help="run these scenario files (README: Scenarios)"
    )
    simulate.add_argument("--junit", type=Path, help="with --scenario: write JUnit XML here")
    simulate.add_argument(
        "--api-url", metavar="URL", help="with --scenario: the CSMS's control API (operator steps)"
    )
    simulate.add_argument(
        "--api-token-file", type=Path, default=argparse.SUPPRESS, help="its bearer token"
    )
    stations_cli.add_parser(sub)
    api_cli.add_parsers(sub)
    web_cli.add_parsers(sub)
    report_cli.add_parser(sub)
    project = sub.add_parser(
        "project", help="fold a recording or a log and print the answers, without the console"
    )
    project.add_argument(
        "file", type=Path, help="a file (plain or gzip), a data folder, or a cluster's nats://URL"
    )
    project.add_argument(
        "--format", choices=FORMATS, help="the file's format (default: told from its content)"
    )
    project.add_argument("--json", action="store_true", help="print JSON instead of tables")
    project.add_argument(
        "--jobs",
        type=_jobs,
        help="processes that fold a large recording, its stations split between them "
        "(default: one per core)",
    )
    replay = sub.add_parser(
        "replay", help="the console on a recording or a log: play, step, seek, jump to faults"
    )
    replay.add_argument("file", type=Path, help="a file (plain or gzip) or a data folder")
    replay.add_argument(
        "--format", choices=FORMATS, help="the file's format (default: told from its content)"
    )
    replay.add_argument(
        "--config", type=Path, default=argparse.SUPPRESS, help="a TOML settings file"
    )
    _console_flags(replay, sub=True)
    redact_cli.add_parser(sub)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from parsed flags, the environment and the TOML file."""
    cli: dict[str, Any] = {
        k: v
        for k, v in vars(args).items()
        if k not in {"command", "config", "url", "headless", "action", "station_id"}
    }
    if args.command != "demo":
        return load_settings(cli, config_file=args.config)
    base = load_settings(cli, config_file=args.config)
    if args.data_dir is None:
        # Never the live data dir, however it was set: a demo starts by clearing its own.
        cli["data_dir"] = base.data_dir / "demo"
    demo_defaults = {
        "accept_unknown_tags": True,
        "concurrent_tx": True,  # the demo's few drivers (core/demo_tags.py) charge in many places
        "port": 0,  # any free port: a demo must not clash with a live console
        "heartbeat_interval": 15,  # so the heartbeat column moves within a demo
        # The fleet takes the served versions in turn (--protocols picks the mix).
        "protocols": ",".join(DEMO_MIX),
    }
    return load_settings(cli, config_file=args.config, defaults=demo_defaults)


def check_theme(theme: str) -> None:
    """SettingsError unless `theme` is one of ocppdeck's, naming them."""
    from ..themes import THEMES

    names = [t.name for t in THEMES]
    if theme not in names:
        raise SettingsError(f"theme: {theme!r} is not one of {', '.join(names)}")


def run_console(
    settings: Settings, demo: bool, lock: DataDirLock, scenario: Scenario | None = None
) -> int:
    """Open the TUI on a live engine or a demo run (of a scenario, if given), on a data
    dir already locked."""
    from ..core.demo import DemoRun
    from ..core.engine import Engine
    from ..core.scenario.demo_play import ScenarioDemo
    from .app import OcppDeckApp

    source = DemoRun(settings, lock=lock) if demo else Engine(settings, lock=lock)
    if scenario is not None:
        source = ScenarioDemo(settings, scenario, lock=lock)
    app = OcppDeckApp(source)
    app.run()
    if app.startup_error:
        print(app.startup_error, file=sys.stderr)
    return app.return_code or 0


def run_replay(args: argparse.Namespace) -> int:
    """Open the TUI on a recording, with the replay transport."""
    from ..core.disk.formats import ImportReport, read_frames
    from ..core.replay.source import ReplaySource
    from .app import OcppDeckApp

    settings = load_settings(
        {"theme": args.theme, "default_id_tag": args.default_id_tag}, config_file=args.config
    )
    check_theme(settings.theme)
    report = ImportReport()
    frames = read_frames(args.file, args.format, report)  # a source it cannot read fails here
    configure_logging(path=settings.log_path)
    app = OcppDeckApp(ReplaySource(frames, settings, args.file.name, report))
    # As for the live console: indexing a 1M-frame recording otherwise pays 39 full
    # collections (0.7 s) walking the state it builds, each a pause of the screen too.
    with tuned():
        app.run()
    if app.startup_error:
        print(app.startup_error, file=sys.stderr)
    return app.return_code or 0


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def _serve(settings: Settings) -> None:
    from ..core.engine import Engine

    share_arenas()  # before the engine starts its worker threads (core/memory_trim.py)
    engine = Engine(settings)
    with tuned() as collector:
        await engine.start()
        collector.settle()  # what start-up made stays out of every later collection
        if engine.start_note:
            print(f"ocppdeck: {engine.start_note}", file=sys.stderr, flush=True)
        try:
            await _until_signalled()
        finally:
            await engine.close()
            log.info("stopped")


async def _demo_headless(settings: Settings, seconds: float, lock: DataDirLock) -> None:
    from ..core.demo import DemoRun

    run = DemoRun(settings, lock=lock)
    await run.start()
    if run.start_note:
        print(f"ocppdeck: {run.start_note}", file=sys.stderr, flush=True)
    try:
        await asyncio.wait_for(_until_signalled(), seconds)
    except TimeoutError:
        pass
    finally:
        await run.close()
    print(f"recorded {run.state.frames} frames to {settings.recording_path}")


def _read_source(args: argparse.Namespace) -> int:
    """`report`, `project` or `redact`: a file or a stream read to its end."""
    if args.command == "report":
        return report_cli.run(args)
    if args.command == "project":
        return _project(args)
    return redact_cli.run(args)


def _jobs(text: str) -> int:
    from ..core.disk.split_fold import MAX_JOBS

    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if not 1 <= jobs <= MAX_JOBS:
        raise argparse.ArgumentTypeError(f"expected a number of processes from 1 to {MAX_JOBS}")
    return jobs


def _project(args: argparse.Namespace) -> int:
    from ..core.disk.split_fold import cores
    from .headless import run_project

    return run_project(args.file, args.format, args.json, args.jobs or cores())


async def _simulate(args: argparse.Namespace) -> None:
    from ..core.csms.tls import client_context
    from ..core.sim.fleet import Fleet, fleet_specs
    from ..core.sim.spec import SimSettings

    specs = fleet_specs(args.stations, args.seed, args.protocols)
    secure = args.url.startswith("wss:")
    tls = client_context(args.ca, args.cert, args.key) if secure else None
    sim = SimSettings(speed=args.speed, password=args.password, tls=tls)
    fleet = Fleet(specs, args.url.rstrip("/"), sim)
    with hint_on_refusal(sim.id_tags, sys.stderr):
        await fleet.start()
        try:
            await _until_signalled()
        finally:
            await fleet.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `ocppdeck` command."""
    os.umask(0o077)  # what ocppdeck writes (recordings, the store, logs) is the user's alone
    args = build_parser().parse_args(argv)
    if args.command in api_cli.COMMANDS:
        return api_cli.run(args)
    if args.command == "attach" and is_bus_url(args.url):
        return cluster_cli.run_attach(args, check_theme)
    if args.command in web_cli.COMMANDS:
        return web_cli.run(args, settings_from, check_theme)
    if args.command in ("report", "project", "redact"):
        try:
            return _read_source(args)
        except KeyboardInterrupt:  # a long read stopped by the user: no traceback
            print("ocppdeck: interrupted", file=sys.stderr)
            return 130
    if args.command == "replay":
        try:
            return run_replay(args)
        except (SourceError, SettingsError) as exc:
            print(f"ocppdeck: {exc}", file=sys.stderr)
            return 2
    try:
        if args.command == "simulate" and args.scenario:
            from . import scenario_cli  # loads the simulator only when asked

            return scenario_cli.run(args)
        if args.command == "simulate":
            configure_logging(stream=sys.stdout)
            asyncio.run(_simulate(args))
            return 0
        settings = settings_from(args)
        if args.command == "stations":
            return stations_cli.run(args, settings)
        if args.command == "serve":
            configure_logging(stream=sys.stdout)
            asyncio.run(_serve(settings))
            return 0
        headless = args.headless if args.command == "demo" else None
        if headless is None:
            check_theme(settings.theme)
        scenario = None
        if args.command == "demo" and args.scenario is not None:
            from . import scenario_cli

            scenario = scenario_cli.load_or_refuse(args.scenario)
            if scenario is None:
                return 2
        # Before the log file: a run refused by another's lock has touched nothing.
        lock = DataDirLock(settings.data_dir)
        configure_logging(path=settings.log_path)
        share_arenas()  # as for `serve` (core/memory_trim.py)
        with tuned():  # as for `serve` (core/collector.py)
            if headless is not None and scenario is not None:
                return asyncio.run(scenario_cli.demo_headless(settings, scenario, headless, lock))
            if headless is not None:
                asyncio.run(_demo_headless(settings, headless, lock))
                return 0
            return run_console(settings, args.command == "demo", lock, scenario)
    except SettingsError as exc:
        print(f"ocppdeck: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"ocppdeck: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
