"""A list of choices whose cursor stops at either end: ↓ on the last choice stays there
rather than wrapping round to the first (which reads as the opposite choice)."""

from __future__ import annotations

from textual.widgets import OptionList


class ChoiceList(OptionList):
    """An OptionList that does not wrap."""

    def _step(self, direction: int) -> None:
        if self.highlighted is None:
            self.highlighted = 0 if self.option_count else None
            return
        self.highlighted = max(0, min(self.option_count - 1, self.highlighted + direction))

    def action_cursor_up(self) -> None:
        """Up one choice; none past the first."""
        self._step(-1)

    def action_cursor_down(self) -> None:
        """Down one choice; none past the last."""
        self._step(1)
