"""OCPP 2.0.1 and 2.1 display-message calls (block O): the fields used are the same in both."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .display import NewDisplayMessage


class V2Display:
    """Builds the 2.x display-message operator calls from the version's `call` module."""

    calls: ModuleType

    def set_display_message(self, message: NewDisplayMessage) -> Any:
        """SetDisplayMessage of one message."""
        return self.calls.SetDisplayMessage(message=message.info())

    def display_messages(self, request_id: int) -> Any:
        """GetDisplayMessages of every message (its NotifyDisplayMessages parts follow)."""
        return self.calls.GetDisplayMessages(request_id=request_id)

    def clear_display_message(self, message_id: int) -> Any:
        """ClearDisplayMessage of one message."""
        return self.calls.ClearDisplayMessage(id=message_id)
