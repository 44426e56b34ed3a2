"""A one-field form: asks for a value, such as the id tag of a remote start."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label


class PromptScreen(ModalScreen[str | None]):
    """Returns the text entered, or None when cancelled; `enter` says what Enter does."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str | Text,
        label: str | Text,
        value: str = "",
        max_length: int = 0,
        enter: str = "send",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.label = label
        self.value = value
        self.max_length = max_length
        self.enter = enter

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt") as box:
            box.border_title = self.title_text
            yield Label(self.label)
            yield Input(value=self.value, max_length=self.max_length, id="prompt-input")
            yield Label(f"Enter to {self.enter} · Esc to cancel", classes="hint")
        yield Footer()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Close without a value."""
        self.dismiss(None)
