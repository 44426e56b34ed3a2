"""What the CSMS asks of a scenario station: every call it sent (an inbox that
`expect_command` steps claim from), and the answers a scenario scripted for them.

`scripted` mixes `ScriptedAnswers` before a link's answers: a call whose action has
a rule gets the rule's answer (or none at all); any other gets the simulated
station's own answer.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

MAX_KEPT = 1_000  # calls kept per station: a CSMS that floods cannot exhaust memory


@dataclass(slots=True)
class Command:
    """One call the CSMS sent: its action and payload (as on the wire, camelCase)."""

    action: str
    payload: Mapping[str, Any]
    claimed: bool = False


@dataclass(frozen=True, slots=True)
class AnswerRule:
    """How to answer an action from now on: this payload, or (ignore) nothing at all."""

    payload: Mapping[str, Any] = field(default_factory=dict)
    ignore: bool = False


class Inbox:
    """The calls the CSMS sent a station, oldest first."""

    def __init__(self) -> None:
        self._calls: deque[Command] = deque(maxlen=MAX_KEPT)
        self._arrived = asyncio.Event()

    def arrived(self, action: str, payload: Any) -> None:
        """Keep a call as it comes in."""
        self._calls.append(Command(action, payload if isinstance(payload, dict) else {}))
        self._arrived.set()

    def seen(self) -> list[str]:
        """The actions received so far, for a failure's message."""
        return [c.action for c in self._calls]

    def latest(self, actions: frozenset[str]) -> Command | None:
        """The newest call of one of `actions`, claimed or not."""
        return next((c for c in reversed(self._calls) if c.action in actions), None)

    async def claim(self, action: str, fields: Mapping[str, Any], within: float) -> Command | None:
        """The oldest unclaimed `action` whose payload holds `fields`, waiting up to
        `within` seconds for it; None when none came."""
        try:
            async with asyncio.timeout(within):
                while True:
                    for call in self._calls:
                        if not call.claimed and call.action == action and _holds(call, fields):
                            call.claimed = True
                            return call
                    self._arrived.clear()
                    await self._arrived.wait()
        except TimeoutError:
            return None


def _holds(call: Command, fields: Mapping[str, Any]) -> bool:
    return all(call.payload.get(key) == value for key, value in fields.items())


class ScriptedAnswers:
    """Answers the CSMS's calls as the scenario scripted, else as the link's answers do.

    Mixed into the library's ChargePoint (next in the MRO): `_station` is the
    scenario station, with its `inbox` and `rules`.
    """

    _station: Any

    async def _handle_call(self, msg: Any) -> None:
        station = self._station
        station.inbox.arrived(msg.action, msg.payload)
        rule: AnswerRule | None = station.rules.get(msg.action)
        if rule is None:
            await super()._handle_call(msg)  # type: ignore[misc]
        elif not rule.ignore:
            await self._send(msg.create_call_result(dict(rule.payload)).to_json())  # type: ignore[attr-defined]


@cache
def scripted(answers: type) -> type:
    """The link's `answers` with scripted answers in front (one class per link)."""
    return type(f"Scripted{answers.__name__}", (ScriptedAnswers, answers), {})
