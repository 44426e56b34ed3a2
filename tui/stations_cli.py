"""`ocppdeck stations`: the station registry from the command line, on a data dir.

Passwords are printed once, when made; only their hashes are kept. The data
dir's lock keeps this from changing a store a running console holds.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from ..core.clock import SystemClock, to_iso
from ..core.config import Settings
from ..core.csms.registry import RegistryError, StationRegistry
from ..core.csms.store import Store
from ..core.disk.files import private_dir
from ..core.disk.lock import DataDirLock


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `stations` subcommand and its own subcommands."""
    # --data-dir and --config where a user types them: before or after the action.
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--data-dir", default=argparse.SUPPRESS, help="where the store lives")
    where.add_argument("--config", default=argparse.SUPPRESS, help="a TOML settings file")
    stations = sub.add_parser(
        "stations", help="the station registry: add, list, remove, set passwords", parents=[where]
    )
    which = stations.add_subparsers(dest="action", required=True)
    add = which.add_parser(
        "add", help="register a station; prints its new password once", parents=[where]
    )
    add.add_argument("station_id")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    which.add_parser("list", help="every registered, pending and rejected station", parents=[where])
    remove = which.add_parser("remove", help="forget a station", parents=[where])
    remove.add_argument("station_id")
    password = which.add_parser(
        "set-password", help="a new password; printed once", parents=[where]
    )
    password.add_argument("station_id")
    password.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )


def _password(args: argparse.Namespace, stdin: TextIO) -> str | None:
    """The password given on stdin (one line), or None to make one."""
    if not getattr(args, "password_stdin", False):
        return None
    return stdin.readline().rstrip("\r\n")


def run(args: argparse.Namespace, settings: Settings, out: TextIO | None = None) -> int:
    """Carry out one `stations` action; 0, or 2 with the reason on stderr."""
    out = out or sys.stdout
    private_dir(settings.data_dir)
    lock = DataDirLock(settings.data_dir)
    store = Store(settings.store_path)
    try:
        registry = StationRegistry(store, SystemClock())
        if args.action == "list":
            entries = registry.entries()
            for entry in entries:
                password = "password set" if entry.password_hash else "no password"
                added = to_iso(entry.added_at)
                print(f"{entry.station_id}\t{entry.standing.value}\t{password}\t{added}", file=out)
            if not entries:
                print("no stations registered", file=out)
            return 0
        given = _password(args, sys.stdin)
        if args.action == "add":
            _, secret = registry.add(args.station_id, given)
            shown = "" if given is not None else f"; its password (shown once): {secret}"
            print(f"{args.station_id} registered{shown}", file=out)
        elif args.action == "set-password":
            secret = registry.set_password(args.station_id, given)
            shown = "set" if given is not None else f"(shown once): {secret}"
            print(f"{args.station_id}: new password {shown}", file=out)
        elif args.action == "remove":
            registry.remove(args.station_id)
            print(f"{args.station_id} removed", file=out)
        store.flush()
        return 0
    except RegistryError as exc:
        print(f"ocppdeck stations: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
        lock.release()
