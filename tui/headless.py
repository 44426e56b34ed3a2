"""`ocppdeck project FILE`: fold a recording or a log and print the answers, no TUI.

The answers go to stdout (a table, or JSON with `--json`); the import summary
and the progress bar go to stderr, so `--json` output can be piped as is.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.cluster.subjects import bus_url_of
from ..core.disk.formats import ImportReport, SourceError
from ..core.disk.split_fold import fold_source
from ..core.model.answers import answers
from ..core.model.projection import Projection, fold

if TYPE_CHECKING:
    from rich.table import Table

PROGRESS_FROM_BYTES = 2 * 1024 * 1024  # smaller sources are read before a bar would show
LISTED_SKIPS = 20


def run_project(path: Path, fmt: str | None, as_json: bool, jobs: int = 1) -> int:
    """Print the answers of a source; 0 on success (skipped lines included), 2 if unreadable.

    A large recording is folded by up to `jobs` processes (core/disk/split_fold.py)."""
    report = ImportReport()
    bus = bus_url_of(path)  # nats://…: the cluster's stream, from its start
    try:
        if bus:
            # nats, and the aiohttp it loads, only for a bus: a fifth of a second of start-up.
            from ..core.cluster.stream_frames import stream_frames

            projection = Projection()
            with _progress(report) as tick:
                fold(stream_frames(bus, report), projection)
                tick()
            state = projection.state
        else:
            state = fold_source(path, fmt, report, jobs, lambda: _progress(report))
    except SourceError as exc:
        print(f"ocppdeck: {exc}", file=sys.stderr)
        return 2
    result = answers(state)
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
    else:
        from rich.console import Console  # only for tables: `--json` starts without rich

        # Piped output has no terminal width; 80 columns would cut the times short.
        console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 120)
        for table in answer_tables(result):
            console.print(table)
    _print_report(bus or path, report)
    return 0


@contextmanager
def _progress(report: ImportReport) -> Iterator[Callable[[], None]]:
    """A transient bar of bytes read, on stderr, only for a large source on a terminal."""
    if not sys.stderr.isatty() or report.source_bytes < PROGRESS_FROM_BYTES:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("reading"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(file=sys.stderr),
        transient=True,
    )
    task = bar.add_task("read", total=report.source_bytes)
    with bar:
        yield lambda: bar.update(task, completed=report.bytes_read)


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def _time(iso: str | None) -> str:
    """`2023-01-01T10:00:00.000Z` shown as `2023-01-01 10:00:00`: seconds read better."""
    return "—" if iso is None else iso[:19].replace("T", " ")


def _verdict(correct: bool | None) -> str:
    return {True: "yes", False: "NO", None: "?"}[correct]


def answer_tables(result: dict[str, Any]) -> list[Table | str]:
    """Stations, connectors and open transactions as rich tables (a line when none is open)."""
    from rich.table import Table

    stations = Table(title=f"Charging stations: {result['stationCount']}", title_justify="left")
    for header in ("station", "declared", "seen", "count correct", "reason"):
        stations.add_column(header)
    connectors = Table(title="Meter readings", title_justify="left")
    for header in ("station", "connector", "reading (Wh)", "at (UTC)"):
        connectors.add_column(header, justify="right" if header == "reading (Wh)" else "left")
    for sid, station in result["stations"].items():
        declared = station["declaredConnectors"]
        stations.add_row(
            sid,
            "—" if declared is None else str(declared),
            str(station["seenConnectors"]),
            _verdict(station["connectorCountCorrect"]),
            station["reason"] or "",
        )
        for cid, conn in station["connectors"].items():
            connectors.add_row(sid, cid, _number(conn["reading"]), _time(conn["at"]))
    tables: list[Table | str] = [stations, connectors]
    if not result["openTransactions"]:
        tables.append("No open transactions.")
        return tables
    open_tx = Table(title="Open transactions", title_justify="left")
    for header in ("station", "transaction", "connector", "id tag", "started (UTC)", "Wh so far"):
        open_tx.add_column(header, justify="right" if header == "Wh so far" else "left")
    for tx in result["openTransactions"]:
        cid = tx["connectorId"]
        open_tx.add_row(
            tx["station"],
            tx["transactionId"],
            "—" if cid is None else str(cid),
            tx["idTag"],
            _time(tx["startedAt"]),
            _number(tx["energyWh"]),
        )
    tables.append(open_tx)
    return tables


def _print_report(path: Path | str, report: ImportReport) -> None:
    """The import summary and the first skipped lines, on stderr."""
    err = sys.stderr
    print(f"{path} ({report.format}): {report.summary()}", file=err)
    for file, line, reason in report.skipped[:LISTED_SKIPS]:
        print(f"  {file}:{line}: {reason}", file=err)
    more = report.skipped_count - min(len(report.skipped), LISTED_SKIPS)
    if more > 0:
        print(f"  … and {more:,} more", file=err)
