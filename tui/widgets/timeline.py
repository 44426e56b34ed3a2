"""Replay timeline: where we are in the recording, with its errors marked."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ...core.replay.player import Mark
from ...core.replay.source import ReplaySource
from ..formatting import clock_time


class Timeline(Widget):
    """One line: start time, a bar (played ━, to come ─, errors ✕, here ●), end time."""

    DEFAULT_CSS = """
    Timeline {
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    """

    def __init__(self, replay: ReplaySource, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.replay = replay
        self._errors: tuple[int, frozenset[int]] | None = None  # (width, error cells)

    def _error_cells(self, width: int, total: int) -> frozenset[int]:
        if self._errors is None or self._errors[0] != width:
            cells = frozenset(
                min(width - 1, position * width // total)
                for position, mark in self.replay.player.marks
                if mark is Mark.ERROR
            )
            self._errors = (width, cells)
        return self._errors[1]

    def render(self) -> Text:
        player = self.replay.player
        total = len(player)
        if self.replay.loading is not None or total == 0:
            return Text("loading…" if self.replay.loading else "empty recording", style="dim")
        start, end = clock_time(player.start_time), clock_time(player.end_time)
        width = max(10, self.content_size.width - len(start) - len(end) - 2)
        here = min(width - 1, player.position * width // total) if player.position else -1
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
