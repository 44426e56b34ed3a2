"""The operator's display-message commands (2.x block O), mixed into `Commands`, with the
messages the state says a station holds, for the console's display-messages screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..clock import Clock, to_iso
from ..dialects import Dialect
from ..model.readers.cleared import CLEARED
from ..model.state import Notice, State, Topic
from .builders.contract import Builder, CommandUnavailable
from .builders.display import DisplayChoices, NewDisplayMessage
from .outbound_queue import QueuedCall
from .schema_choices import display_choices


class DisplayCommands:
    """Display messages: set, list, clear; `Commands` gives the means."""

    _state: State
    _clock: Clock
    _send: Callable[[str, Callable[[Builder], Any]], QueuedCall]
    new_id: Callable[[], int]
    dialect_of: Callable[[str], Dialect]

    def display_choices(self, station_id: str) -> DisplayChoices:
        """The states, formats and text length the station's version allows a message."""
        return display_choices(self.dialect_of(station_id))

    def set_display_message(
        self,
        station_id: str,
        message_id: int,
        priority: str,
        content: str,
        state: str = "",
        text_format: str = "UTF8",
        minutes: float = 0.0,
    ) -> QueuedCall:
        """Put a message on a station's display from now, for `minutes` (0: until cleared),
        shown in `state` ("": every state) (SetDisplayMessage)."""
        if minutes < 0:
            raise CommandUnavailable("a message is valid for 0 (until cleared) minutes or more")
        now = self._clock.now()
        until = to_iso(now + minutes * 60) if minutes else ""
        message = NewDisplayMessage(
            message_id, priority, content, state, text_format, to_iso(now), until
        )
        allowed = self.display_choices(station_id)

        def build(builder: Builder) -> Any:
            call = builder.set_display_message(message)  # 1.6 has none: it says so first
            problem = message.problem(allowed)
            if problem:
                raise CommandUnavailable(problem)
            return call

        return self._send(station_id, build)

    def get_display_messages(self, station_id: str) -> QueuedCall:
        """Ask for every message a station holds; NotifyDisplayMessages parts follow."""
        request_id = self.new_id()
        return self._send(station_id, lambda b: b.display_messages(request_id))

    def clear_display_message(self, station_id: str, message_id: int) -> QueuedCall:
        """Remove a message from a station's display (ClearDisplayMessage)."""
        return self._send(station_id, lambda b: b.clear_display_message(message_id))

    def display_messages(self, station_id: str) -> list[Notice]:
        """The messages a station reported and has not cleared, by id."""
        station = self._state.stations.get(station_id)
        found = [] if station is None else station.noticed(Topic.DISPLAY)
        live = [n for n in found if n.status != CLEARED]
        return sorted(live, key=lambda n: (len(n.subject), n.subject))
