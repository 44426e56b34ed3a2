"""Replay timeline: where we are in the recording, with its errors marked."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ...core.console import Transport
from ...core.replay.marks import Mark
from ...core.replay.player import Progress
from ..formatting import clock_time


class Timeline(Widget):
    """One line: start time, a bar (played ━, to come ─, errors ✕, here ●), end time; while
    the recording is indexed, how far that has come."""

    def __init__(self, transport: Transport, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.transport = transport
        self._errors: tuple[int, frozenset[int]] | None = None  # (width, error cells)

    def _error_cells(self, width: int, total: int) -> frozenset[int]:
        if self._errors is None or self._errors[0] != width:
            cells = frozenset(
                min(width - 1, position * width // total)
                for position, mark in self.transport.marks
                if mark is Mark.ERROR
            )
            self._errors = (width, cells)
        return self._errors[1]

    def _indexing(self, progress: Progress) -> Text:
        """While indexing: how far, and a bar when the share is known."""
        words = Text(progress.describe(), style="dim")
        if progress.share is None:
            return words
        width = max(10, self.content_size.width - len(words) - 1)
        done = int(min(1.0, progress.share) * width)
        return Text.assemble(("━" * done, "cyan"), ("─" * (width - done), "dim"), " ", words)

    def render(self) -> Text:
        transport = self.transport
        progress = transport.progress
        if progress is not None:
            return self._indexing(progress)
        total, span = transport.length, transport.span
        if transport.loading or span is None:
            return Text("loading…" if transport.loading else "empty recording", style="dim")
        start, end = clock_time(span[0]), clock_time(span[1])
        width = max(10, self.content_size.width - len(start) - len(end) - 2)
        position = transport.position
        here = min(width - 1, position * width // total) if position else -1
        errors = self._error_cells(width, total)
        bar = Text(f"{start} ")
        for cell in range(width):
            if cell == here:
                bar.append("●", style="bold yellow")
            elif cell in errors:
                bar.append("✕", style="bold red")
            elif cell < here:
                bar.append("━", style="cyan")
            else:
                bar.append("─", style="dim")
        bar.append(f" {end}")
        return bar
