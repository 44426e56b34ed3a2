"""`ocppdeck report [FILE|DIR]`: sessions, faults, compliance and connection health of a
recording, an event log, a plain OCPP-J log (plain or gzip), a folder of segments, or
(no FILE) the live data dir, as JSON, as one CSV file per table, or as one
self-contained HTML page.

The report goes to stdout or `--out`; the import summary goes to stderr, so the JSON (or
HTML) can be piped as is. A source that cannot be read is one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..core.cluster.subjects import bus_url_of
from ..core.config import SettingsError, load_settings
from ..core.disk.formats import FORMATS, ImportReport, SourceError, read_frames
from ..core.report.build import build_report
from ..core.report.html import render_html
from ..core.report.options import ReportOptions
from ..core.report.tables import COLUMNS, document, tables
from ..core.wire.frame import Frame

# A cell a spreadsheet would run as a formula; such text from a station is quoted.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `report` subcommand."""
    defaults = ReportOptions()
    report = sub.add_parser(
        "report", help="sessions, faults, compliance and connection health of a source"
    )
    report.add_argument(
        "file",
        type=Path,
        nargs="?",
        help="a file (plain or gzip), a folder, or a cluster's nats://URL; default: the data dir",
    )
    report.add_argument(
        "--format", choices=("json", "csv", "html"), default="json", help="(default json)"
    )
    report.add_argument(
        "--out",
        type=Path,
        help="json, html: a file (default stdout); csv: a folder, one file a table",
    )
    report.add_argument(
        "--input-format",
        choices=FORMATS,
        help="the source's format (default: told from its content)",
    )
    report.add_argument(
        "--data-dir", type=Path, default=argparse.SUPPRESS, help="the live data dir"
    )
    report.add_argument("--config", type=Path, default=None, help="a TOML settings file")
    judge = report.add_argument_group("thresholds")
    judge.add_argument(
        "--late", type=float, default=defaults.late_s, help="seconds after which an answer is late"
    )
    judge.add_argument(
        "--loop-connects",
        type=int,
        default=defaults.loop_connects,
        help="more connects than this within --loop-minutes are a reconnect loop",
    )
    judge.add_argument("--loop-minutes", type=float, default=defaults.loop_minutes)
    judge.add_argument(
        "--heartbeat-gap",
        type=float,
        default=defaults.heartbeat_gap_s,
        help="seconds a connected station may stay silent",
    )
    judge.add_argument(
        "--skew", type=float, default=defaults.skew_s, help="seconds of clock skew flagged"
    )


def run(args: argparse.Namespace) -> int:
    """Write the report; 0 on success (skipped lines included), 2 when the source cannot
    be read or the report cannot be written."""
    options = ReportOptions(
        late_s=args.late,
        loop_connects=args.loop_connects,
        loop_minutes=args.loop_minutes,
        heartbeat_gap_s=args.heartbeat_gap,
        skew_s=args.skew,
    )
    if args.format == "csv" and args.out is None:
        print(
            "ocppdeck: --format csv writes one file per table: give --out FOLDER", file=sys.stderr
        )
        return 2
    imported = ImportReport()
    try:
        bus = bus_url_of(args.file)  # nats://…: the cluster's stream, from its start
        path = bus or args.file or _data_dir(args)
        frames = (
            _bus_frames(bus, imported) if bus else read_frames(path, args.input_format, imported)
        )
        report = build_report(frames, options)
        source = _source(path, imported)
        if args.format == "csv":
            write_csv(tables(report), args.out)
        elif args.format == "html":
            _write(render_html(report, source), args.out)
        else:
            _write(
                json.dumps(document(report, source), indent=2, ensure_ascii=False) + "\n", args.out
            )
    except (SourceError, SettingsError) as exc:
        print(f"ocppdeck: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"ocppdeck: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"{path} ({imported.format}): {imported.summary()}", file=sys.stderr)
    if report.empty:
        print("empty report: no frames in this source", file=sys.stderr)
    for table, count in report.left_off.items():
        if count:
            print(f"{table}: {count:,} rows past the per-station bound left off", file=sys.stderr)
    return 0


def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def _data_dir(args: argparse.Namespace) -> Path:
    cli = {"data_dir": args.data_dir} if "data_dir" in args else {}
    return load_settings(cli, config_file=args.config).data_dir


def _source(path: Path | str, imported: ImportReport) -> dict[str, Any]:
    return {
        "path": str(path),
        "format": imported.format,
        "frames": imported.frames,
        "skipped": imported.skipped_count,
        "skippedReasons": dict(sorted(imported.reasons.items())),
        "notFrames": imported.not_frames,
    }


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(tables: dict[str, list[dict[str, Any]]], folder: Path) -> None:
    """One `<table>.csv` per table in `folder` (made if missing), header first."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            columns = COLUMNS[name]
            writer.writerow(columns)
            writer.writerows([_cell(row[c]) for c in columns] for row in rows)


def _bus_frames(bus: str, imported: ImportReport) -> Iterator[Frame]:
    # nats, and the aiohttp it loads, only for a bus: a fifth of a second of start-up.
    from ..core.cluster.stream_frames import stream_frames

    return stream_frames(bus, imported)
