"""What an operator asks a station to show (2.x block O, display messages): checked here in
operator terms (`problem` says what is wrong, for `Commands` to refuse); v2_display.py turns
it into SetDisplayMessage. 1.6 has none (v16_absent.py)."""

from __future__ import annotations

from dataclasses import dataclass

PRIORITIES = ("NormalCycle", "InFront", "AlwaysFront")  # MessagePriorityEnumType
# MessageStateEnumType of 2.0.1 ("" : shown in every state); 2.1 adds Suspended, Discharging.
STATES = ("", "Charging", "Faulted", "Idle", "Unavailable")
FORMATS = ("UTF8", "ASCII", "URI", "HTML")  # MessageFormatEnumType; shown as text either way
MAX_CONTENT = 512  # characters: 2.0.1's bound (2.1 allows 1024; one bound for both is simpler)


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

    def problem(self) -> str:
        """What is wrong with it, for the operator ("": nothing)."""
        if self.message_id < 0:
            return "a message id is 0 or more"
        if self.priority not in PRIORITIES:
            return f"a priority is one of {', '.join(PRIORITIES)}"
        if self.state not in STATES:
            return f"a state is one of {', '.join(s for s in STATES if s)}"
        if self.text_format not in FORMATS:
            return f"a format is one of {', '.join(FORMATS)}"
        if not self.content or len(self.content) > MAX_CONTENT:
            return f"a message is 1 to {MAX_CONTENT} characters"
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
