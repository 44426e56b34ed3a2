"""What a simulated 2.x station shows on its display (block O): the messages the CSMS set,
by id, at most MAX_MESSAGES; a same id replaces its message. Kept across connections."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_MESSAGES = 16


@dataclass(slots=True)
class DisplayBoard:
    """The station's display messages, each as the CSMS sent its MessageInfo (snake_case
    keys, as the `ocpp` library hands them over)."""

    messages: dict[int, dict[str, Any]] = field(default_factory=dict)

    def set(self, info: dict[str, Any], open_transactions: set[str]) -> str:
        """Take a SetDisplayMessage: its DisplayMessageStatus."""
        transaction = info.get("transaction_id")
        if transaction is not None and transaction not in open_transactions:
            return "UnknownTransaction"
        if info["id"] not in self.messages and len(self.messages) >= MAX_MESSAGES:
            return "Rejected"
        self.messages[info["id"]] = info
        return "Accepted"

    def matching(
        self, ids: list[int] | None, priority: str | None, state: str | None
    ) -> list[dict[str, Any]]:
        """The messages a GetDisplayMessages asks for (every criterion given must match)."""
        return [
            info
            for message_id, info in sorted(self.messages.items())
            if (not ids or message_id in ids)
            and (priority is None or info.get("priority") == priority)
            and (state is None or info.get("state") == state)
        ]

    def clear(self, message_id: int) -> str:
        """ClearMessageStatus: Accepted, or Unknown for an id it does not hold."""
        return "Accepted" if self.messages.pop(message_id, None) is not None else "Unknown"
