"""The console's one-line header: its parts, each ranked, fitted to the terminal's width.

On a narrow terminal the least needed parts leave first (the name of the program
before the clock), so what an operator watches (who is online, open transactions,
the time, a failing disk) stays. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

SEPARATOR = " · "


@dataclass(frozen=True, slots=True)
class Part:
    """One part of the header; `rank` is the order parts leave a narrow header, the
    highest first (0 leaves last)."""

    text: Text
    rank: int


def fit_header(parts: Sequence[Part], width: int) -> Text:
    """The parts that fit in `width` cells, in their order, joined by " · ": taken from
    the lowest rank up, each that still fits; the first is cut if even it is too long."""
    chosen: set[int] = set()
    used = 0
    for index in sorted(range(len(parts)), key=lambda i: parts[i].rank):
        cost = parts[index].text.cell_len + (len(SEPARATOR) if chosen else 0)
        if not chosen or used + cost <= width:
            chosen.add(index)
            used += cost
    line = Text(SEPARATOR).join(p.text for i, p in enumerate(parts) if i in chosen)
    line.truncate(max(width, 0), overflow="ellipsis")
    return line


class HeaderBar(Widget):
    """The header line: given its parts, it fits them to its width whenever it draws."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._parts: tuple[Part, ...] = ()

    def show(self, parts: Sequence[Part]) -> None:
        """Draw these parts (again, only when they changed)."""
        if tuple(parts) != self._parts:
            self._parts = tuple(parts)
            self.refresh()

    def render(self) -> Text:
        return fit_header(self._parts, self.content_size.width)
