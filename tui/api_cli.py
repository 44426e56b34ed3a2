"""`ocppdeck send`, `ocppdeck state` and `ocppdeck tail`: a running instance, through its API.

Each finds the API by `--api-url URL` (else the api_host and api_port settings) and its token
by `--api-token-file` (else the data dir's). Exit codes: 0 done; 1 the API refused or the
station did not accept; 2 nothing answers there, or no token.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.parse
from pathlib import Path
from typing import Any

from ..core.api.bearer import TokenError, read_token, token_path
from ..core.api.client import (
    Answer,
    ApiClient,
    ApiRefused,
    ApiUnreachable,
    default_url,
    quoted,
)
from ..core.config import SettingsError, load_settings
from ..core.wire.codec import FrameError, decode
from ..core.wire.frame import Direction, Frame
from .formatting import precise_time

COMMANDS = ("send", "state", "tail")


def _connection_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--api-url", metavar="URL", help="the API (default: from the settings)")
    parser.add_argument(
        "--api-token-file", type=Path, help="the token (default: api-token in the data dir)"
    )
    parser.add_argument("--data-dir", type=Path, help="the running instance's data dir")
    parser.add_argument("--config", type=Path, help="a TOML settings file")


def add_parsers(sub: Any) -> None:
    """The three subcommands."""
    send = sub.add_parser("send", help="send a station any call of its version, via the API")
    send.add_argument("station", help="the station's id")
    send.add_argument("action", help="e.g. Reset, TriggerMessage, GetVariables")
    send.add_argument("payload", nargs="?", default="{}", help="the payload as JSON (default {})")
    _connection_flags(send)
    state = sub.add_parser("state", help="the running instance's answers, via the API")
    state.add_argument("--json", action="store_true", help="print JSON instead of tables")
    _connection_flags(state)
    tail = sub.add_parser("tail", help="follow the frames of a running instance, via the API")
    tail.add_argument("filter", nargs="*", help="the frame log's / filter, e.g. station:CP-1")
    tail.add_argument("--json", action="store_true", help="print recording lines (JSONL)")
    _connection_flags(tail)


def _client(args: argparse.Namespace) -> ApiClient:
    settings = load_settings(
        {"data_dir": args.data_dir, "api_token_file": args.api_token_file},
        config_file=args.config,
    )
    return ApiClient(args.api_url or default_url(settings), read_token(token_path(settings)))


def run(args: argparse.Namespace) -> int:
    """Run one of COMMANDS; its exit code."""
    try:
        client = _client(args)
        if args.command == "send":
            return _send(client, args.station, args.action, args.payload)
        if args.command == "state":
            return _state(client, args.json)
        return _tail(client, " ".join(args.filter), args.json)
    except (ApiUnreachable, TokenError, SettingsError) as exc:
        print(f"ocppdeck: {exc}", file=sys.stderr)
        return 2
    except ApiRefused as exc:
        return _refused(exc.answer)
    except KeyboardInterrupt:
        return 0


def _refused(answer: Answer) -> int:
    print(f"ocppdeck: {answer.error}", file=sys.stderr)
    body = answer.body if isinstance(answer.body, dict) else {}
    for field in body.get("fields") or []:
        print(f"  {field.get('path') or 'payload'}: {field.get('message')}", file=sys.stderr)
    command = body.get("command")
    if isinstance(command, dict):
        print(f"  queued as command {command.get('id')}", file=sys.stderr)
    return 1


def _send(client: ApiClient, station: str, action: str, payload: str) -> int:
    path = f"/api/stations/{quoted(station)}/commands/{quoted(action)}"
    answer = client.call("POST", path, payload.encode())
    body = answer.body if isinstance(answer.body, dict) else {}
    outcome = body.get("outcome") or {}
    if answer.status == 200:  # the station answered: its answer on stdout, for a pipe
        print(json.dumps(outcome.get("answer"), indent=2))
        if outcome.get("accepted"):
            return 0
        print(f"ocppdeck: {action}: {outcome.get('status')}", file=sys.stderr)
        return 1
    if answer.status in (502, 504):  # a CallError, a lost connection, or silence
        detail = f" ({outcome['detail']})" if outcome.get("detail") else ""
        print(f"ocppdeck: {action}: {outcome.get('status')}{detail}", file=sys.stderr)
        return 1
    if answer.status == 202:
        command = body.get("command") or {}
        print(f"ocppdeck: {action} still waits in the queue (command {command.get('id')})")
        return 1
    return _refused(answer)


def _state(client: ApiClient, as_json: bool) -> int:
    answer = client.call("GET", "/api/state")
    if not answer.ok:
        return _refused(answer)
    if as_json:
        sys.stdout.write(json.dumps(answer.body, indent=2) + "\n")
        return 0
    from rich.console import Console

    from .headless import answer_tables

    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 120)
    for table in answer_tables(answer.body):
        console.print(table)
    return 0


def _printable(text: str) -> str:
    """A station's text with every control character escaped: never a terminal sequence."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def frame_line(frame: Frame) -> str:
    """One frame as `tail` prints it: time, station, direction, kind, action, payload."""
    arrow = "→" if frame.direction is Direction.OUT else "←"
    what = frame.action or frame.unique_id
    body = frame.text if not frame.is_ocpp else json.dumps(frame.payload, separators=(",", ":"))
    line = f"{frame.station} {arrow} {frame.kind.value} {what} {body}"
    return f"{precise_time(frame.ts)} {_printable(line)}"


def _tail(client: ApiClient, query: str, as_json: bool) -> int:
    path = "/api/frames?" + urllib.parse.urlencode({"filter": query})
    for name, data in client.events(path):
        if name == "dropped":
            print(f"ocppdeck: {json.loads(data).get('error')}", file=sys.stderr)
            return 1
        if name != "frame":
            continue
        if as_json:
            print(data, flush=True)
            continue
        try:
            print(frame_line(decode(data)), flush=True)
        except FrameError:
            continue  # not a frame this version can read: skipped, as a recording's would be
    return 0
