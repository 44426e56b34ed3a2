"""`ocppdeck attach URL` and `ocppdeck web`: the console on a running instance, in a
terminal or in a browser.

`attach` opens the console on a running instance through its control API (the token as
for `ocppdeck state`). `web` serves the console through textual-serve, one console
process per browser tab: live, each tab attaches to the running CSMS (it never starts a
second one); `--demo`, the server starts one demo run and every tab attaches to it;
`--replay FILE`, each tab replays the file.
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core.api.bearer import TokenError, read_token, token_path
from ..core.api.client import ApiClient, ApiUnreachable, default_url
from ..core.config import Settings, SettingsError, load_settings
from ..core.disk.formats import FORMATS
from ..core.logs import configure_logging

COMMANDS = ("attach", "web")
CHECK_TIMEOUT_S = 5.0  # how long `attach` and `web` wait for the API to answer at start
WEB_PORT = 8000
NOT_RUNNING = (
    "start one with its API first, e.g. `ocppdeck serve --api-port 9080` "
    "(or `ocppdeck web --demo` for a demo)"
)


def _console_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--theme", help="ocppdeck-dark or ocppdeck-light")
    parser.add_argument("--id-tag", dest="default_id_tag", help="default id tag for remote start")
    parser.add_argument("--config", type=Path, help="a TOML settings file")


def _token_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--api-token-file", type=Path, help="the API's token (default: api-token in the data dir)"
    )
    parser.add_argument("--data-dir", type=Path, help="the running instance's data dir")


def add_parsers(sub: Any) -> None:
    """The `attach` and `web` subcommands."""
    attach = sub.add_parser("attach", help="the console on a running instance, via its API")
    attach.add_argument("url", help="the API, e.g. http://127.0.0.1:9080")
    _token_flags(attach)
    _console_flags(attach)
    web = sub.add_parser("web", help="serve the console to browsers (textual-serve)")
    web.add_argument(
        "--port", dest="web_port", metavar="P", type=int, default=WEB_PORT, help="default 8000"
    )
    web.add_argument(
        "--host", dest="web_host", metavar="H", default="127.0.0.1", help="default 127.0.0.1"
    )
    web.add_argument(
        "--public-url",
        metavar="URL",
        help="the address browsers use, behind a reverse proxy (README: The console in a browser)",
    )
    what = web.add_mutually_exclusive_group()
    what.add_argument("--demo", action="store_true", help="one demo fleet, shared by every tab")
    what.add_argument("--replay", type=Path, metavar="FILE", help="each tab replays this file")
    web.add_argument("--format", choices=FORMATS, help="with --replay: the file's format")
    web.add_argument("--api-url", metavar="URL", help="live: the API (default: the settings')")
    web.add_argument(
        "--api-port", type=int, help="--demo: the demo's API port (default: any free one)"
    )
    web.add_argument("--stations", type=int, help="--demo: fleet size (default 5)")
    web.add_argument("--seed", type=int, help="--demo: fleet seed (default 7)")
    _token_flags(web)
    _console_flags(web)


def run(
    args: argparse.Namespace,
    demo_settings: Callable[[argparse.Namespace], Settings],
    check_theme: Callable[[str], None],
) -> int:
    """Run `attach` or `web`; its exit code (2: nothing to attach to, or bad settings)."""
    try:
        if args.command == "attach":
            return _attach(args, check_theme)
        if args.demo:
            settings = demo_settings(argparse.Namespace(**{**vars(args), "command": "demo"}))
            check_theme(settings.theme)
            return _web_demo(args, settings)
        settings = _settings(args)
        check_theme(settings.theme)
        if args.replay is not None:
            return _web_replay(args, settings)
        return _web_live(args, settings)
    except (SettingsError, TokenError, ApiUnreachable, OSError) as exc:
        print(f"ocppdeck: {exc}", file=sys.stderr)
        return 2


def _settings(args: argparse.Namespace) -> Settings:
    given = ("data_dir", "api_token_file", "theme", "default_id_tag")
    return load_settings({k: getattr(args, k) for k in given}, config_file=args.config)


def _token(settings: Settings) -> str:
    """The API's token; when the data dir holds none, no instance with an API has run on
    it, and the message says so."""
    try:
        return read_token(token_path(settings))
    except TokenError as exc:
        if settings.api_token_file is not None:
            raise
        raise TokenError(f"{exc}: no ocppdeck with an API has run there; {NOT_RUNNING}") from None


def _reachable(url: str, token: str) -> None:
    """ApiUnreachable unless the API at `url` answers and takes the token."""
    try:
        answer = ApiClient(url, token, CHECK_TIMEOUT_S).call("GET", "/api/state")
    except ApiUnreachable:
        raise ApiUnreachable(f"no running ocppdeck answers at {url}: {NOT_RUNNING}") from None
    if not answer.ok:
        raise ApiUnreachable(f"the API at {url} refused: {answer.error}")


def _attach(args: argparse.Namespace, check_theme: Callable[[str], None]) -> int:
    from ..core.api.attached import AttachedSource
    from .app import OcppDeckApp

    settings = _settings(args)
    check_theme(settings.theme)
    token = _token(settings)
    _reachable(args.url, token)
    configure_logging(path=settings.log_path)
    app = OcppDeckApp(AttachedSource(args.url, token, settings))
    app.run()
    if app.startup_error:
        print(app.startup_error, file=sys.stderr)
    return app.return_code or 0


def _ocppdeck(*args: str | Path | None) -> str:
    """A shell command that runs this ocppdeck with `args` (None ones left out)."""
    words = [sys.executable, "-m", "ocppdeck.tui.cli", *(str(a) for a in args if a is not None)]
    return shlex.join(words)


def _console_args(args: argparse.Namespace) -> list[str | Path | None]:
    found: list[str | Path | None] = []
    for flag, value in (
        ("--config", args.config),
        ("--theme", args.theme),
        ("--id-tag", args.default_id_tag),
    ):
        if value is not None:
            found += [flag, value]
    return found


def _attach_command(args: argparse.Namespace, settings: Settings, url: str) -> str:
    tab = ["attach", url, "--api-token-file", token_path(settings), "--data-dir"]
    return _ocppdeck(*tab, settings.data_dir, *_console_args(args))


def _serve(args: argparse.Namespace, settings: Settings, **server: Any) -> int:
    from .web_server import ConsoleServer

    configure_logging(path=settings.log_path)
    try:
        ConsoleServer(
            host=args.web_host, port=args.web_port, public_url=args.public_url, **server
        ).serve()
    except OSError as exc:  # the port in use; a demo that could not start
        print(f"ocppdeck: {exc}", file=sys.stderr)
        return 2
    return 0


def _web_live(args: argparse.Namespace, settings: Settings) -> int:
    url = args.api_url or default_url(settings)
    _reachable(url, _token(settings))
    return _serve(args, settings, command=_attach_command(args, settings, url))


def _web_demo(args: argparse.Namespace, settings: Settings) -> int:
    from ..core.demo import DemoRun
    from ..core.disk.lock import DataDirLock

    if settings.api_port is None:
        settings = dataclasses.replace(settings, api_port=0)  # any free port
    lock = DataDirLock(settings.data_dir)  # before anything is written there
    return _serve(
        args,
        settings,
        command=lambda url: _attach_command(args, settings, url),
        run=DemoRun(settings, lock=lock),
    )


def _web_replay(args: argparse.Namespace, settings: Settings) -> int:
    if not args.replay.exists():
        raise SettingsError(f"{args.replay}: no such file or folder")
    tab = ["replay", args.replay.resolve(), *(["--format", args.format] if args.format else [])]
    return _serve(args, settings, command=_ocppdeck(*tab, *_console_args(args)))
