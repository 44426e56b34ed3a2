"""Read-only routes: the headless answers, stations, transactions, a snapshot to fold from."""

from __future__ import annotations

from aiohttp import web

from ..disk import snapshot
from ..model.answers import answers
from .errors import ApiError, json_response
from .source import SOURCE
from .views import station_view, transaction_view

routes = web.RouteTableDef()
TRANSACTION_STATES = ("all", "open", "closed")


@routes.get("/api/state")
async def get_state(request: web.Request) -> web.Response:
    """The headless answers (as `ocppdeck project --json` prints them)."""
    return json_response(answers(request.app[SOURCE].state))


@routes.get("/api/stations")
async def list_stations(request: web.Request) -> web.Response:
    """Every station, sorted by id, with its EVSEs and connectors."""
    state = request.app[SOURCE].state
    stations = [station_view(state.stations[sid], state) for sid in sorted(state.stations)]
    return json_response({"stations": stations})


@routes.get("/api/stations/{station}")
async def get_station(request: web.Request) -> web.Response:
    """One station; 404 when the CSMS has never heard of it."""
    state = request.app[SOURCE].state
    station_id = request.match_info["station"]
    station = state.stations.get(station_id)
    if station is None:
        raise ApiError(404, f"unknown station {station_id}")
    return json_response(station_view(station, state))


@routes.get("/api/transactions")
async def list_transactions(request: web.Request) -> web.Response:
    """Transactions by start time; `?state=open|closed|all` (default all), `?station=ID`."""
    wanted = request.query.get("state", "all")
    if wanted not in TRANSACTION_STATES:
        raise ApiError(400, f"state is one of {', '.join(TRANSACTION_STATES)}", field="state")
    station = request.query.get("station")
    state = request.app[SOURCE].state
    found = [
        tx
        for tx in state.transactions.values()
        if (station is None or tx.station == station)
        and (wanted == "all" or tx.is_open == (wanted == "open"))
    ]
    found.sort(key=lambda tx: (tx.started_at or 0.0, tx.station, tx.transaction_id))
    return json_response({"transactions": [transaction_view(tx, state) for tx in found]})


@routes.get("/api/snapshot")
async def get_snapshot(request: web.Request) -> web.Response:
    """The whole projection as `core/disk/snapshot.py` saves it, with `seq`, the last frame
    folded into it: restore it, then fold the frame stream from `?after=seq`."""
    source = request.app[SOURCE]
    data = snapshot.dump(source.projection, source.bus.next_seq - 1)
    return web.Response(body=data, content_type="application/json")
