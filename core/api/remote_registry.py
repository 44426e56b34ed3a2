"""The station registry of a running instance, worked through its API (a `RegistryDesk`).

An attached console's registry screen works through this as a console on the CSMS works
through the CSMS's own registry (core/csms/registry_desk.py). Every change is one request
to the API's registry routes, answered before the screen goes on; the password goes over
the API in clear and is hashed by the CSMS (put the API behind TLS when it is not on
this machine: the README says how). The list is a copy of the CSMS's, fetched again
while the screen reads it, and updated at once by each change's answer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import aiohttp

from ..clock import Clock, parse_iso
from ..csms.builders.contract import CommandUnavailable
from ..csms.outbound_queue import CallState, Outcome
from ..csms.password_change import PasswordChange
from ..csms.passwords import PasswordError
from ..csms.registry import Registered, RegistryError, Standing
from .client import quoted

FETCH_EVERY_S = 2.0  # the copy is fetched again at most this often, when the screen reads it
HIDDEN_HASH = "(kept by the CSMS)"  # a hash never leaves the CSMS: this says there is one


def registered_from(view: dict[str, Any]) -> Registered:
    """A registry entry as the API shows it (core/api/views.py: registered_view), read back."""
    return Registered(
        str(view["id"]),
        Standing(view["standing"]),
        HIDDEN_HASH if view.get("hasPassword") else None,
        parse_iso(view.get("addedAt") or "") or 0.0,
    )


class ApiRegistry:
    """The registry desk of a CSMS, through its API (see the module)."""

    def __init__(self, session: Callable[[], aiohttp.ClientSession | None], clock: Clock) -> None:
        self._session = session  # the attached source's, None before start and after close
        self._clock = clock
        self._entries: dict[str, Registered] = {}
        self._fetched_at = float("-inf")
        self._fetcher: asyncio.Task[None] | None = None

    def entries(self) -> list[Registered]:
        """The copy, sorted by id; asking starts the next fetch (see FETCH_EVERY_S)."""
        now = self._clock.now()
        if now - self._fetched_at >= FETCH_EVERY_S:
            self._fetched_at = now
            if self._fetcher is None or self._fetcher.done():
                self._fetcher = asyncio.get_running_loop().create_task(self.load())
        return [self._entries[sid] for sid in sorted(self._entries)]

    def get(self, station_id: str) -> Registered | None:
        """The station's entry in the copy."""
        return self._entries.get(station_id)

    async def add(self, station_id: str, password: str | None = None) -> tuple[Registered, str]:
        """Register a station at the CSMS; its password comes back in clear, once."""
        body = await self._ask(
            "POST", "/api/registry", _with_password({"id": station_id}, password)
        )
        return self._took(body), _secret(body)

    async def remove(self, station_id: str) -> None:
        """Forget the station at the CSMS."""
        await self._ask("DELETE", f"/api/registry/{quoted(station_id)}")
        self._entries.pop(station_id, None)

    async def set_password(
        self, station_id: str, password: str | None = None
    ) -> tuple[Registered, str]:
        """A new password at the CSMS, in clear, once."""
        path = f"/api/registry/{quoted(station_id)}/password"
        body = await self._ask("PUT", path, _with_password({}, password))
        return self._took(body), _secret(body)

    async def accept(self, station_id: str) -> tuple[Registered, bool]:
        """Accept the station at the CSMS (which asks a connected one to boot again)."""
        body = await self._ask("POST", f"/api/registry/{quoted(station_id)}/accept")
        return self._took(body), bool(body.get("bootRequested"))

    async def reject(self, station_id: str) -> Registered:
        """Reject the station at the CSMS (which puts it out)."""
        return self._took(await self._ask("POST", f"/api/registry/{quoted(station_id)}/reject"))

    async def push_password(self, station_id: str) -> PasswordChange:
        """Have the CSMS send the station a new password and keep it once it took it: one
        request, so the CSMS holds the new hash before the station can log in with it."""
        path = f"/api/registry/{quoted(station_id)}/push-password"
        try:
            body = await self._ask("POST", path)
        except RegistryError as exc:  # offline, or its version cannot be told one
            raise CommandUnavailable(str(exc)) from None
        if isinstance(body.get("station"), dict):
            self._took(body)
        view = body.get("outcome") or {}
        outcome = Outcome(
            CallState(view.get("state") or CallState.FAILED.value),
            str(view.get("status") or ""),
            str(view.get("detail") or ""),
        )
        password = body.get("password")
        return PasswordChange(outcome, password if isinstance(password, str) else None)

    async def load(self) -> None:
        """Fetch the CSMS's registry (the copy stays as it was when that fails)."""
        with contextlib.suppress(RegistryError, KeyError, TypeError, ValueError):
            body = await self._ask("GET", "/api/registry")
            self._entries = {e.station_id: e for e in map(registered_from, body["stations"])}

    async def close(self) -> None:
        """Stop a fetch under way."""
        if self._fetcher is not None:
            self._fetcher.cancel()
            await asyncio.gather(self._fetcher, return_exceptions=True)

    def _took(self, body: dict[str, Any]) -> Registered:
        """The entry an answer carries, kept in the copy."""
        try:
            entry = registered_from(body["station"])
        except (KeyError, TypeError, ValueError) as exc:
            raise RegistryError(f"the API's answer has no station entry: {exc}") from None
        self._entries[entry.station_id] = entry
        return entry

    async def _ask(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        """One request; its JSON answer. RegistryError (PasswordError for a password the
        CSMS refused) with the API's own words when it refuses, or when it does not answer."""
        session = self._session()
        if session is None:
            raise RegistryError("not attached to the API")
        try:
            async with session.request(method, path, json=body) as response:
                answer = await response.json(content_type=None) if response.status != 204 else {}
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise RegistryError(f"the API did not answer: {exc or type(exc).__name__}") from None
        if response.status >= 400:
            said = answer.get("error") if isinstance(answer, dict) else None
            message = str(said or f"HTTP {response.status}")
            if isinstance(answer, dict) and answer.get("field") == "password":
                raise PasswordError(message)
            raise RegistryError(message)
        if not isinstance(answer, dict):
            raise RegistryError(f"{path}: the API's answer is not a JSON object")
        return answer


def _secret(body: dict[str, Any]) -> str:
    """The password an answer shows once."""
    secret = body.get("password")
    if not isinstance(secret, str):
        raise RegistryError("the API's answer has no password")
    return secret


def _with_password(body: dict[str, Any], password: str | None) -> dict[str, Any]:
    return body if password is None else {**body, "password": password}
