"""The outbound queue: every station's queued, in-flight and recent commands."""

from __future__ import annotations

from aiohttp import web

from ..csms.builders.contract import CommandUnavailable
from ..csms.outbound_queue import QueuedCallRecord
from .errors import ApiError, json_response
from .source import SOURCE
from .views import record_view

routes = web.RouteTableDef()


@routes.get("/api/queue")
async def list_queue(request: web.Request) -> web.Response:
    """Every command, oldest first; `?station=ID` for one station's."""
    station = request.query.get("station")
    records = request.app[SOURCE].commands.queue_overview()
    shown = [record_view(r) for r in records if station is None or r.station == station]
    return json_response({"commands": shown})


def _record(records: list[QueuedCallRecord], command_id: int) -> QueuedCallRecord:
    found = next((r for r in records if r.id == command_id), None)
    if found is None:
        raise ApiError(404, f"no command {command_id}")
    return found


@routes.delete("/api/queue/{command:\\d{1,18}}")
async def cancel_command(request: web.Request) -> web.Response:
    """Withdraw a queued command; 409 when it is in flight or has ended."""
    commands = request.app[SOURCE].commands
    command_id = int(request.match_info["command"])
    _record(commands.queue_overview(), command_id)
    try:
        commands.cancel(command_id)
    except CommandUnavailable as exc:
        raise ApiError(409, str(exc)) from None
    return json_response(record_view(_record(commands.queue_overview(), command_id)))
