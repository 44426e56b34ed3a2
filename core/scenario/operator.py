"""The operator of the CSMS under test, as a scenario's `operator` steps reach it: a hook
that makes the CSMS send a station a command, accept a pending station, register one
with its password, or keep an id tag.

A CSMS offers such a hook or not; ocppdeck's is its control API (api_operator.py). A
scenario with an operator step is skipped, never passed, where there is no hook.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

NO_HOOK = "needs an operator hook: --api-url"


@dataclass(frozen=True, slots=True)
class OperatorReply:
    """What the hook said: whether the CSMS did as asked, and in a few words what it said."""

    done: bool
    text: str


class OperatorHook(Protocol):
    """What a scenario may ask of the CSMS's operator."""

    async def command(
        self, station_id: str, action: str, payload: Mapping[str, Any]
    ) -> OperatorReply:
        """Have the CSMS send `station_id` the call `action` with `payload`."""
        ...

    async def accept(self, station_id: str) -> OperatorReply:
        """Accept a station waiting for the operator (pending registration)."""
        ...

    async def register(self, station_id: str, password: str) -> OperatorReply:
        """Register a station with its HTTP Basic password (or set the password of one
        registered already)."""
        ...

    async def id_tag(self, fields: Mapping[str, Any]) -> OperatorReply:
        """Keep an id tag (`idTag`, and `status`, `parent`, `expiry`, `type`), replacing
        what was kept under that name."""
        ...

    async def close(self) -> None:
        """Let go of any connection the hook holds."""
        ...
