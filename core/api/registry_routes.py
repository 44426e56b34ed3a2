"""The station registry: add, remove, set or push a password, accept or reject a pending
station.

The routes are the registry desk (core/csms/registry_desk.py) over HTTP, as the
console's registry screen uses it: a password is hashed off the event loop and shown
once, in the answer; accepting a connected station asks it to boot again; rejecting one
disconnects it; a pushed password is kept once the station took it.
"""

from __future__ import annotations

from aiohttp import web

from ..csms.builders.contract import CommandUnavailable
from ..csms.passwords import PasswordError
from ..csms.registry import RegistryError, Standing
from ..csms.registry_desk import RegistryDesk
from .body import json_object, only, optional_text, text
from .errors import ApiError, json_response
from .source import SOURCE
from .views import outcome_view, registered_view

routes = web.RouteTableDef()


def _desk(request: web.Request) -> RegistryDesk:
    desk = request.app[SOURCE].registry
    if desk is None:
        raise ApiError(503, "this run has no station registry")
    return desk


def _known(request: web.Request) -> tuple[RegistryDesk, str]:
    """The desk and the station of the path; 404 when it is not registered."""
    desk = _desk(request)
    station_id = request.match_info["station"]
    if desk.get(station_id) is None:
        raise ApiError(404, f"{station_id} is not registered")
    return desk, station_id


@routes.get("/api/registry")
async def list_registry(request: web.Request) -> web.Response:
    """Every registered or pending station, sorted by id."""
    return json_response({"stations": [registered_view(e) for e in _desk(request).entries()]})


@routes.post("/api/registry")
async def add_station(request: web.Request) -> web.Response:
    """Register a station (`{"id": …, "password": …}`; a password is made when none is
    given): 201 with the password in clear, this once; 409 when already registered."""
    desk = _desk(request)
    body = await json_object(request)
    only(body, {"id", "password"})
    station_id = text(body, "id")
    known = desk.get(station_id)
    if known is not None and known.standing is not Standing.PENDING:
        raise ApiError(409, f"{station_id} is already registered")
    try:
        entry, secret = await desk.add(station_id, optional_text(body, "password"))
    except PasswordError as exc:
        raise ApiError(422, str(exc), field="password") from None
    except RegistryError as exc:
        raise ApiError(422, str(exc), field="id") from None
    return json_response({"station": registered_view(entry), "password": secret}, status=201)


@routes.delete("/api/registry/{station}")
async def remove_station(request: web.Request) -> web.Response:
    """Forget a station: it is unknown again."""
    desk, station_id = _known(request)
    await desk.remove(station_id)
    return web.Response(status=204)


@routes.put("/api/registry/{station}/password")
async def set_password(request: web.Request) -> web.Response:
    """A new password for a registered station (made when none is given), returned in clear
    this once. The station is not told: it must be given the password another way."""
    desk, station_id = _known(request)
    body = await json_object(request, empty_ok=True)
    only(body, {"password"})
    try:
        entry, secret = await desk.set_password(station_id, optional_text(body, "password"))
    except PasswordError as exc:
        raise ApiError(422, str(exc), field="password") from None
    return json_response({"station": registered_view(entry), "password": secret})


@routes.post("/api/registry/{station}/push-password")
async def push_password(request: web.Request) -> web.Response:
    """Send the connected station a new password and keep it once the station took it: the
    password in clear this once, or null with the station's answer when it kept its own.
    409 when the station is offline."""
    desk, station_id = _known(request)
    if not request.app[SOURCE].commands.is_connected(station_id):
        raise ApiError(409, f"{station_id} is offline: a password is pushed to a connected one")
    try:
        change = await desk.push_password(station_id)
    except CommandUnavailable as exc:
        raise ApiError(409, str(exc)) from None
    entry = desk.get(station_id)
    return json_response(
        {
            "station": registered_view(entry) if entry is not None else None,
            "password": change.password,
            "outcome": outcome_view(change.outcome),
        }
    )


@routes.post("/api/registry/{station}/accept")
async def accept_station(request: web.Request) -> web.Response:
    """Let a pending (or rejected) station in; a connected one is asked to boot again now."""
    desk, station_id = _known(request)
    entry, asked = await desk.accept(station_id)
    return json_response({"station": registered_view(entry), "bootRequested": asked})


@routes.post("/api/registry/{station}/reject")
async def reject_station(request: web.Request) -> web.Response:
    """Refuse a station: disconnected now, refused at its next handshake."""
    desk, station_id = _known(request)
    entry = await desk.reject(station_id)
    return json_response({"station": registered_view(entry)})
