"""What an operator asks a station to show (2.x block O, display messages): checked here in
operator terms (`problem` says what is wrong, for `Commands` to refuse); v2_display.py turns
it into SetDisplayMessage. 1.6 has none (v16_absent.py)."""

from __future__ import annotations

from dataclasses import dataclass

PRIORITIES = ("NormalCycle", "InFront", "AlwaysFront")  # MessagePriorityEnumType


@dataclass(frozen=True, slots=True)
class DisplayChoices:
    """What a station's version allows a message (core/csms/schema_choices.py): the states
    it may be limited to, its formats, and its longest text in characters."""

    states: tuple[str, ...]
    formats: tuple[str, ...]
    longest: int


@dataclass(frozen=True, slots=True)
class NewDisplayMessage:
    """A message for the station's display: its id (a same id replaces it), priority, the
    state it shows in, its text and format, and its validity (OCPP timestamps, "" open)."""

    message_id: int
    priority: str
    content: str
    state: str = ""
    text_format: str = "UTF8"
    start: str = ""
    end: str = ""

    def problem(self, allowed: DisplayChoices) -> str:
        """What is wrong with it, for the operator ("": nothing), in the station's version."""
        if self.message_id < 0:
            return "a message id is 0 or more"
        if self.priority not in PRIORITIES:
            return f"a priority is one of {', '.join(PRIORITIES)}"
        if self.state and self.state not in allowed.states:  # "": shown in every state
            return f"a state is one of {', '.join(allowed.states)}"
        if self.text_format not in allowed.formats:  # shown as text whatever the format
            return f"a format is one of {', '.join(allowed.formats)}"
        if not self.content or len(self.content) > allowed.longest:
            return f"a message is 1 to {allowed.longest} characters"
        return ""

    def info(self) -> dict[str, object]:
        """The MessageInfo of SetDisplayMessage (snake_case, as the library takes it)."""
        info: dict[str, object] = {
            "id": self.message_id,
            "priority": self.priority,
            "message": {"format": self.text_format, "content": self.content},
        }
        optional = {"state": self.state, "start_date_time": self.start, "end_date_time": self.end}
        return info | {key: value for key, value in optional.items() if value}
