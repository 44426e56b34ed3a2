"""A command to a station: any call of its version, through `Commands.craft` (the schema
check and the station's outbound queue, as the console's message crafter), answered with
the station's answer.

404: the CSMS has never heard of the station. 422: the payload breaks the action's schema
(`fields` says where) or the action is not one its version has. 409: the station is
offline; the command is queued (`command` is its queue entry) and goes when it connects.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from ..csms.builders.contract import CommandUnavailable
from ..csms.durable_queue import NotQueued
from ..csms.outbound_queue import CallState
from ..csms.schemas import CraftError, InvalidPayload
from .body import json_object
from .errors import ApiError, json_response
from .source import SOURCE
from .views import outcome_view, queued_view

routes = web.RouteTableDef()

ANSWER_GRACE_S = 5.0  # waited past the call timeout, for a command behind one in flight
# How a command that ended answers: the station's answer, its CallError, its silence.
_STATUS = {
    CallState.ANSWERED: 200,
    CallState.FAILED: 502,
    CallState.TIMED_OUT: 504,
    CallState.CANCELLED: 409,
}


@routes.post("/api/stations/{station}/commands/{action}")
async def send_command(request: web.Request) -> web.Response:
    """Queue the call with the body as its payload ({} when empty) and wait for the answer.

    200 with the answer; 502 for a CallError or a lost connection, 504 when the station
    stayed silent; 202 when the command still waits behind others (it stays queued).
    """
    source = request.app[SOURCE]
    commands = source.commands
    station_id, action = request.match_info["station"], request.match_info["action"]
    if station_id not in source.state.stations:
        raise ApiError(404, f"unknown station {station_id}")
    payload = await json_object(request, empty_ok=True)
    online = commands.is_connected(station_id)
    try:
        queued = commands.craft(station_id, action, payload)
    except InvalidPayload as exc:
        fields = [{"path": e.path, "message": e.message} for e in exc.errors]
        raise ApiError(422, f"{action}: {exc}", fields=fields) from None
    except CraftError as exc:
        raise ApiError(422, str(exc), field="action") from None
    except NotQueued as exc:
        raise ApiError(503, str(exc)) from None
    except CommandUnavailable as exc:  # a station whose version is not known (yet)
        raise ApiError(409, str(exc)) from None
    entry = queued_view(queued, source.clock.now())
    if not online:
        message = f"{station_id} is offline: {action} is queued and goes when it connects"
        raise ApiError(409, message, command=entry)
    wait = source.settings.call_timeout + ANSWER_GRACE_S
    try:
        outcome = await asyncio.wait_for(asyncio.shield(queued.future), wait)
    except TimeoutError:
        entry["state"] = queued.state.value
        return json_response({"command": entry, "outcome": None}, status=202)
    entry["state"] = outcome.state.value
    body = {"command": entry, "outcome": outcome_view(outcome)}
    return json_response(body, status=_STATUS.get(outcome.state, 200))
