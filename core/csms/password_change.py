"""A new password for a station, in one step: sent to it, then kept once it took it.

The station is told first (1.6 ChangeConfiguration AuthorizationKey, 2.x
SetVariables SecurityCtrlr.BasicAuthPassword); only when it accepts does the
registry keep the new password's hash, so a station that refuses is never
locked out. This is how a station moves from profile 0 to 1 without a visit.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from .commands import Commands
from .outbound_queue import Outcome
from .passwords import check_password, generate_password, hash_password
from .registry import StationRegistry


@dataclass(frozen=True, slots=True)
class PasswordChange:
    """How a push went: the station's outcome, and the password when it took it."""

    outcome: Outcome
    password: str | None  # in clear, to hand over once; None when the station refused

    @property
    def done(self) -> bool:
        """Whether the station and the registry now share the new password."""
        return self.password is not None


async def push_password(
    commands: Commands, registry: StationRegistry, station_id: str, password: str | None = None
) -> PasswordChange:
    """Send a new password (generated when None) and keep it if the station accepts."""
    secret = check_password(password) if password is not None else generate_password()
    # Hashed before it is sent: a station that took it logs in again at once.
    hashed = await asyncio.to_thread(hash_password, secret)
    queued = commands.set_password(station_id, secret)
    outcome = await queued.future
    statuses = commands.set_statuses(station_id, outcome.response)
    if not outcome.accepted or any(status != "Accepted" for status in statuses):
        return PasswordChange(outcome, None)
    registry.set_password_hash(station_id, hashed)
    return PasswordChange(outcome, secret)
