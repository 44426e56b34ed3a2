"""A small form for a command's arguments: text fields and choices, errors under each field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, OptionList
from textual.widgets.option_list import Option

from ..widgets.choice_list import ChoiceList


def _text(value: str) -> str:
    return value.strip()


@dataclass(frozen=True, slots=True)
class Field:
    """One argument: a text box, or a list of choices when `choices` is given.

    `parse` turns the text into the command's value and raises ValueError with
    the message shown under the field.
    """

    name: str
    label: str
    value: str = ""
    choices: tuple[str, ...] = ()
    parse: Callable[[str], Any] = _text


def whole_number(low: int = 0) -> Callable[[str], int]:
    """A parser of whole numbers from `low` up (every one a call's schema requires)."""

    def parse(text: str) -> int:
        if not text.strip():
            raise ValueError("required")
        try:
            number = int(text.strip())
        except ValueError:
            raise ValueError("a whole number") from None
        if number < low:
            raise ValueError(f"{low} or more")
        return number

    return parse


def positive_number(text: str) -> float:
    """A parser of numbers of 0 or more (a limit)."""
    if not text.strip():
        raise ValueError("required")
    try:
        number = float(text.strip())
    except ValueError:
        raise ValueError("a number") from None
    if number < 0:
        raise ValueError("0 or more")
    return number


def required(text: str) -> str:
    """A parser of non-empty text."""
    if not text.strip():
        raise ValueError("required")
    return text.strip()


# Checks the parsed values together: the errors by field name (none: the values go).
Check = Callable[[dict[str, Any]], dict[str, str]]


class CommandForm(ModalScreen[dict[str, Any] | None]):
    """Returns each field's parsed value by name, or None when cancelled.

    `check` judges fields that depend on each other (e.g. one required by another's choice).

    Enter in any field sends (a choice field's highlighted option is its value);
    Tab moves between fields; Esc cancels.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str | Text, fields: list[Field], check: Check | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(id="command-form") as box:
            box.border_title = self.title_text
            for field in self.fields:
                yield Label(field.label)
                if field.choices:
                    choices = ChoiceList(
                        *(Option(c, id=c) for c in field.choices), id=f"field-{field.name}"
                    )
                    if field.value in field.choices:
                        choices.highlighted = field.choices.index(field.value)
                    yield choices
                else:
                    yield Input(value=field.value, id=f"field-{field.name}")
                yield Label("", id=f"error-{field.name}", classes="error")
            yield Label("Enter to send · Tab next field · Esc to cancel", classes="hint")
        yield Footer()

    def _text_of(self, field: Field) -> str:
        widget = self.query_one(f"#field-{field.name}")
        if isinstance(widget, OptionList):
            index = widget.highlighted
            return field.choices[index] if index is not None else ""
        assert isinstance(widget, Input)
        return widget.value

    def send(self) -> None:
        """Parse every field; show the errors against their fields, or return the values."""
        values: dict[str, Any] = {}
        first_bad: Field | None = None
        for field in self.fields:
            error = self.query_one(f"#error-{field.name}", Label)
            try:
                values[field.name] = field.parse(self._text_of(field))
            except ValueError as exc:
                error.update(f"{field.label.rstrip(':')}: {exc}")
                first_bad = first_bad or field
            else:
                error.update("")
        if first_bad is None and self.check is not None:
            for field in self.fields:
                problem = self.check(values).get(field.name)
                if problem is not None:
                    error = self.query_one(f"#error-{field.name}", Label)
                    error.update(f"{field.label.rstrip(':')}: {problem}")
                    first_bad = first_bad or field
        if first_bad is not None:
            self.query_one(f"#field-{first_bad.name}").focus()
            return
        self.dismiss(values)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.send()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.send()

    def action_cancel(self) -> None:
        """Close without sending."""
        self.dismiss(None)
