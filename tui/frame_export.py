"""Exporting the frame log from the console: ask for a file, write it in a worker thread.

The frames are read on the UI thread (a frame window is not safe across
threads: reading it fills its cache, and a live run appends to it), a
thousand at a time through `call_from_thread`, and written by the core's
export in the worker thread, so a long export never freezes the screen. How
far it has got is in `note`, which the frame log shows under its rows.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from rich.text import Text
from textual.app import App
from textual.notifications import SeverityLevel
from textual.widget import Widget
from textual.worker import get_current_worker

from ..core.disk.export import ExportError, ExportRow, export_format, export_frames
from .screens.prompt import PromptScreen
from .station_text import shown

FETCH = 1_000  # frames read on the UI thread per call: each call holds the screen that long
WAIT = 0.1  # seconds between looks at a filter still scanning the log
TITLE = "Export frames"

# The positions shown before an end (None while the filter has not got that far).
Selection = Callable[[int], Sequence[int] | None]
# The rows of the frames at these positions still in the window.
Rows = Callable[[Sequence[int]], list[ExportRow]]


class ExportCancelled(Exception):
    """The console closed while an export ran."""


class FrameExport:
    """One export at a time of the frames a frame-log pane shows, whole, under its filter."""

    def __init__(self, owner: Widget, selection: Selection, rows: Rows) -> None:
        self.owner = owner
        self.selection = selection
        self.rows = rows
        self.note = ""  # what the running export has done, for the pane's subtitle
        self.running = False

    def ask(self, end: int, shown_count: int, described: str) -> None:
        """Ask for a file to write the frames shown to: those before `end` (the window's end
        now), `shown_count` of them so far; `described` is the filter, if any."""
        app = self.owner.app
        if self.running:
            app.notify(f"An export is running: {self.note}.", title=TITLE, markup=False)
            return
        if shown_count == 0:
            app.notify("The frame log shows no frames.", title=TITLE, markup=False)
            return
        what = f"{shown_count:,} frames" + (f" (filter: {described})" if described else "")
        label = Text(f"{what} to .jsonl (a recording: it replays) or .csv (a spreadsheet):")
        default = str(_free_name(Path.cwd() / "frames.jsonl"))
        app.push_screen(
            PromptScreen(TITLE, label, default, enter="export"),
            lambda text: self._chosen(text, end, None),
        )

    def _chosen(self, text: str | None, end: int, confirmed: Path | None) -> None:
        if text is None or self.running:
            return
        app = self.owner.app
        if not text.strip():
            app.notify("No file given.", title=TITLE, severity="error", markup=False)
            return
        path = Path(text.strip()).expanduser().absolute()
        try:
            export_format(path)
        except ExportError as exc:
            app.notify(str(exc), title=TITLE, severity="error", markup=False)
            return
        if path.exists() and not path.is_dir() and path != confirmed:
            # Asked again, on the same name: replacing a file is never a slip of one key.
            label = Text(f"{shown(str(path))} exists. Enter again to replace it, or name another:")
            app.push_screen(
                PromptScreen(TITLE, label, str(path), enter="replace it"),
                lambda again: self._chosen(again, end, path),
            )
            return
        self.running = True
        self.note = "export waits for the filter"
        self.owner.run_worker(
            lambda: self._work(app, path, end, overwrite=path == confirmed),
            name="export frames",
            group="export",
            thread=True,
            exit_on_error=False,
        )

    def _work(self, app: App[object], path: Path, end: int, overwrite: bool) -> None:
        """In the worker thread: wait for the filter, write the file, say how it went."""
        message = ""
        severity: SeverityLevel = "information"
        try:
            positions = self._selected(app, end)
            written = export_frames(
                path,
                self._fetched(app, positions),
                len(positions),
                overwrite=overwrite,
                progress=self._progress,
            )
            message = f"{written:,} frames written to {path}."
            if written < len(positions):
                left = len(positions) - written
                message += f" {left:,} had left the frame log before they were read."
                severity = "warning"
        except ExportCancelled:
            message = ""  # the console is closing: nothing to say
        except ExportError as exc:
            message, severity = f"Not exported: {exc}", "error"
        except Exception as exc:  # whatever it is, a one-line notice: never a traceback on screen
            message, severity = f"Not exported: {type(exc).__name__}: {exc}", "error"
        finally:
            with contextlib.suppress(RuntimeError):  # the console has closed
                app.call_from_thread(self._finish, app, message, severity)

    def _selected(self, app: App[object], end: int) -> Sequence[int]:
        while True:
            _check_cancelled()
            positions = app.call_from_thread(self.selection, end)
            if positions is not None:
                return positions
            time.sleep(WAIT)  # the pane's redraw filters the log a chunk at a time

    def _fetched(self, app: App[object], positions: Sequence[int]) -> Iterator[ExportRow]:
        for start in range(0, len(positions), FETCH):
            _check_cancelled()
            yield from app.call_from_thread(self.rows, positions[start : start + FETCH])

    def _progress(self, done: int, total: int) -> None:
        self.note = f"exported {done:,} of {total:,} frames"  # shown at the next redraw

    def _finish(self, app: App[object], message: str, severity: SeverityLevel) -> None:
        self.running = False
        self.note = ""
        if message:
            app.notify(message, title=TITLE, severity=severity, markup=False)


def _check_cancelled() -> None:
    if get_current_worker().is_cancelled:
        raise ExportCancelled


def _free_name(path: Path) -> Path:
    """`path`, or the first of `stem-2.ext`, `stem-3.ext`… that does not exist yet."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return candidate
