"""The station registry as an operator works it: one interface for the console's registry
screen and the control API's registry routes.

A CSMS's own registry keeps it here (`LocalRegistry`); a console attached through the API
keeps it by asking the API (core/api/remote_registry.py), so the screen is the same on
both and never hashes a password itself. A password is made (or checked) and hashed off
the event loop, and handed back in clear once; accepting a connected station asks it to
boot again; rejecting one disconnects it.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from .builders.contract import CommandUnavailable
from .commands import Commands
from .password_change import PasswordChange, push_password
from .passwords import check_password, generate_password, hash_password
from .registry import Registered, RegistryError, Standing, StationRegistry


class RegistryDesk(Protocol):
    """What an operator does with the station registry.

    RegistryError when a change cannot be made (an unknown or already registered station,
    a bad id), PasswordError for a password OCPP does not allow."""

    def entries(self) -> list[Registered]:
        """Every registered or pending station, sorted by id."""
        ...

    def get(self, station_id: str) -> Registered | None:
        """The station's entry, if registered (or pending)."""
        ...

    async def add(self, station_id: str, password: str | None = None) -> tuple[Registered, str]:
        """Register an accepted station with a password (made when None); the entry and
        the password in clear, to hand over once."""
        ...

    async def remove(self, station_id: str) -> None:
        """Forget a station: it is unknown again."""
        ...

    async def set_password(
        self, station_id: str, password: str | None = None
    ) -> tuple[Registered, str]:
        """A new password (made when None) for a registered station, in clear, once. The
        station is not told."""
        ...

    async def accept(self, station_id: str) -> tuple[Registered, bool]:
        """Let a pending (or rejected) station in; whether a connected one was asked to
        boot again now."""
        ...

    async def reject(self, station_id: str) -> Registered:
        """Refuse a station: disconnected now, refused at its next handshake."""
        ...

    async def push_password(self, station_id: str) -> PasswordChange:
        """Send a connected station a new password; kept once it took it
        (core/csms/password_change.py). CommandUnavailable when it cannot be sent."""
        ...


class LocalRegistry:
    """The registry of this process's CSMS (a `RegistryDesk`)."""

    def __init__(self, registry: StationRegistry, commands: Commands) -> None:
        self.registry = registry
        self.commands = commands

    def entries(self) -> list[Registered]:
        """Every entry, sorted by id."""
        return self.registry.entries()

    def get(self, station_id: str) -> Registered | None:
        """The station's entry, if any."""
        return self.registry.get(station_id)

    async def add(self, station_id: str, password: str | None = None) -> tuple[Registered, str]:
        """Register a station with a password made or checked here, hashed off the loop."""
        known = self.registry.get(station_id)
        if known is not None and known.standing is not Standing.PENDING:
            raise RegistryError(f"{station_id} is already registered")  # before a slow hash
        secret, hashed = await _hashed(password)
        entry, _ = self.registry.add(station_id, password_hash=hashed)
        return entry, secret

    async def remove(self, station_id: str) -> None:
        """Forget the station."""
        self.registry.remove(station_id)

    async def set_password(
        self, station_id: str, password: str | None = None
    ) -> tuple[Registered, str]:
        """A new password for a registered station, hashed off the loop."""
        self._known(station_id)
        secret, hashed = await _hashed(password)
        return self.registry.set_password_hash(station_id, hashed), secret

    async def accept(self, station_id: str) -> tuple[Registered, bool]:
        """Accept the station; a connected one is asked to boot again."""
        entry = self.registry.accept(station_id)
        if not self.commands.is_connected(station_id):
            return entry, False
        try:
            self.commands.boot_again(station_id)
        except CommandUnavailable:
            return entry, False  # its version has no such trigger: it boots at its next retry
        return entry, True

    async def reject(self, station_id: str) -> Registered:
        """Reject the station and put it out."""
        entry = self.registry.reject(station_id)
        await self.commands.disconnect(station_id, "rejected by the operator")
        return entry

    async def push_password(self, station_id: str) -> PasswordChange:
        """Send a new password; the registry keeps it once the station took it."""
        self._known(station_id)
        return await push_password(self.commands, self.registry, station_id)

    def _known(self, station_id: str) -> None:
        if self.registry.get(station_id) is None:
            raise RegistryError(f"{station_id} is not registered")


async def _hashed(password: str | None) -> tuple[str, str]:
    """A password (made when None, else checked) and its hash, made off the loop: scrypt is
    slow on purpose."""
    secret = generate_password() if password is None else check_password(password)
    return secret, await asyncio.to_thread(hash_password, secret)
