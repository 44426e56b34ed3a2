"""The station registry: add, remove, set a password, accept or reject a pending station.

As from the console's registry screen: a password is hashed off the event loop and shown
once, in the answer; accepting a connected station asks it to boot again; rejecting one
disconnects it.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from ..csms.builders.contract import CommandUnavailable
from ..csms.passwords import PasswordError, check_password, generate_password, hash_password
from ..csms.registry import RegistryError, Standing, StationRegistry
from .body import json_object, only, optional_text, text
from .errors import ApiError, json_response
from .source import SOURCE
from .views import registered_view

routes = web.RouteTableDef()


def _registry(request: web.Request) -> StationRegistry:
    registry = request.app[SOURCE].registry
    if registry is None:
        raise ApiError(503, "this run has no station registry")
    return registry


def _known(registry: StationRegistry, station_id: str) -> None:
    if registry.get(station_id) is None:
        raise ApiError(404, f"{station_id} is not registered")


async def _hashed(password: str | None) -> tuple[str, str]:
    """A password (generated when None) and its hash, made off the loop: it is slow on
    purpose. 422 for a password OCPP does not allow."""
    try:
        secret = generate_password() if password is None else check_password(password)
    except PasswordError as exc:
        raise ApiError(422, str(exc), field="password") from None
    return secret, await asyncio.to_thread(hash_password, secret)


@routes.get("/api/registry")
async def list_registry(request: web.Request) -> web.Response:
    """Every registered or pending station, sorted by id."""
    return json_response({"stations": [registered_view(e) for e in _registry(request).entries()]})


@routes.post("/api/registry")
async def add_station(request: web.Request) -> web.Response:
    """Register a station (`{"id": …, "password": …}`; a password is made when none is
    given): 201 with the password in clear, this once; 409 when already registered."""
    registry = _registry(request)
    body = await json_object(request)
    only(body, {"id", "password"})
    station_id = text(body, "id")
    known = registry.get(station_id)
    if known is not None and known.standing is not Standing.PENDING:
        raise ApiError(409, f"{station_id} is already registered")
    secret, hashed = await _hashed(optional_text(body, "password"))
    try:
        entry, _ = registry.add(station_id, password_hash=hashed)
    except RegistryError as exc:
        raise ApiError(422, str(exc), field="id") from None
    return json_response({"station": registered_view(entry), "password": secret}, status=201)


@routes.delete("/api/registry/{station}")
async def remove_station(request: web.Request) -> web.Response:
    """Forget a station: it is unknown again."""
    registry = _registry(request)
    station_id = request.match_info["station"]
    _known(registry, station_id)
    registry.remove(station_id)
    return web.Response(status=204)


@routes.put("/api/registry/{station}/password")
async def set_password(request: web.Request) -> web.Response:
    """A new password for a registered station (made when none is given), returned in clear
    this once. The station is not told: it must be given the password another way."""
    registry = _registry(request)
    station_id = request.match_info["station"]
    _known(registry, station_id)
    body = await json_object(request, empty_ok=True)
    only(body, {"password"})
    secret, hashed = await _hashed(optional_text(body, "password"))
    entry = registry.set_password_hash(station_id, hashed)
    return json_response({"station": registered_view(entry), "password": secret})


@routes.post("/api/registry/{station}/accept")
async def accept_station(request: web.Request) -> web.Response:
    """Let a pending (or rejected) station in; a connected one is asked to boot again now."""
    registry = _registry(request)
    station_id = request.match_info["station"]
    _known(registry, station_id)
    entry = registry.accept(station_id)
    commands = request.app[SOURCE].commands
    asked = False
    if commands.is_connected(station_id):
        try:
            commands.boot_again(station_id)
            asked = True
        except CommandUnavailable:
            pass  # its version has no such trigger: it boots again at its next retry
    return json_response({"station": registered_view(entry), "bootRequested": asked})


@routes.post("/api/registry/{station}/reject")
async def reject_station(request: web.Request) -> web.Response:
    """Refuse a station: disconnected now, refused at its next handshake."""
    registry = _registry(request)
    station_id = request.match_info["station"]
    _known(registry, station_id)
    entry = registry.reject(station_id)
    await request.app[SOURCE].commands.disconnect(station_id, "rejected by the operator")
    return json_response({"station": registered_view(entry)})
