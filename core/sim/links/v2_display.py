"""A simulated 2.x station's display messages (block O): it keeps what the CSMS sets
(core/sim/display.py) and reports it in NotifyDisplayMessages parts. Mixed into the 2.x
`V2Answers`; the fields used are the same in 2.0.1 and 2.1."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ocpp.routing import after, on

from ..host import StationHost

PART_SIZE = 4  # messages per NotifyDisplayMessages


async def report_messages(
    station: StationHost, calls: ModuleType, request_id: int, messages: list[dict[str, Any]]
) -> None:
    """The messages asked for, PART_SIZE to a NotifyDisplayMessages, tbc on all but the last."""
    parts = [messages[i : i + PART_SIZE] for i in range(0, len(messages), PART_SIZE)]
    for seq, part in enumerate(parts):
        await station.send(
            calls.NotifyDisplayMessages(
                request_id=request_id, message_info=part, tbc=seq < len(parts) - 1
            )
        )


class V2Display:
    """The `@on` / `@after` handlers of display messages."""

    _station: StationHost
    calls: ModuleType
    results: ModuleType

    @on("SetDisplayMessage")
    def on_set_display_message(self, message: dict[str, Any], **_: Any) -> Any:
        open_transactions = {str(t) for t in self._station.transactions.values()}
        status = self._station.display.set(message, open_transactions)
        return self.results.SetDisplayMessage(status=status)

    @on("GetDisplayMessages")
    def on_get_display_messages(
        self,
        id: list[int] | None = None,
        priority: str | None = None,
        state: str | None = None,
        **_: Any,
    ) -> Any:
        found = self._station.display.matching(id, priority, state)
        return self.results.GetDisplayMessages(status="Accepted" if found else "Unknown")

    @after("GetDisplayMessages")
    def after_get_display_messages(
        self,
        request_id: int,
        id: list[int] | None = None,
        priority: str | None = None,
        state: str | None = None,
        **_: Any,
    ) -> None:
        found = self._station.display.matching(id, priority, state)
        if found:
            self._station.spawn(
                report_messages(self._station, self.calls, request_id, found), "display report"
            )

    @on("ClearDisplayMessage")
    def on_clear_display_message(self, id: int, **_: Any) -> Any:
        return self.results.ClearDisplayMessage(status=self._station.display.clear(id))
