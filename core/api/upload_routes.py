"""Diagnostics and logs from stations: an upload endpoint on the API port.

`PUT` or `POST /uploads/{station}/{expires}/{nonce}/{mac}[/{name}]` needs no bearer
token: the URL is its own proof, good for one upload (core/files/desk.py). A PUT's
body is the file; a POST is either a multipart form (its first file part is kept,
under the part's file name) or the file itself. The file is written as it arrives
(core/files/uploads.py): past `upload_max_mb`, or past what the station's folder may
still hold, the answer is 413 and nothing is kept. A bad or expired URL is 403, a used
one 403 too. With the token, `GET /api/uploads` lists what is kept and
`POST /api/stations/{id}/upload-url` gives a station's upload URL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import BodyPartReader, web

from ..clock import to_iso
from ..files.desk import FilesUnavailable
from ..files.names import station_of
from ..files.uploads import UploadRefused, listing, receive
from .errors import ApiError, json_response
from .files_routes import DESK
from .source import SOURCE

routes = web.RouteTableDef()
PUBLIC = "/uploads/"  # paths that carry their own proof instead of the bearer token
CHUNK = 64 * 1024
_TOKEN = "{station}/{expires}/{nonce}/{mac}"


async def _file_part(request: web.Request) -> BodyPartReader:
    """The first part of a multipart form that is a file (400 when there is none)."""
    reader = await request.multipart()
    async for part in reader:
        if isinstance(part, BodyPartReader) and part.filename is not None:
            return part
    raise ApiError(400, "the form holds no file")


async def _part_chunks(part: BodyPartReader) -> AsyncIterator[bytes]:
    while chunk := await part.read_chunk(CHUNK):
        yield chunk


@routes.put(PUBLIC + _TOKEN)
@routes.put(PUBLIC + _TOKEN + "/{name}")
@routes.post(PUBLIC + _TOKEN)
@routes.post(PUBLIC + _TOKEN + "/{name}")
async def take_upload(request: web.Request) -> web.Response:
    """Keep one file for the station the URL names; 201 with what was kept."""
    info = request.match_info
    station_id, expires, nonce = station_of(info["station"]), info["expires"], info["nonce"]
    desk = request.app[DESK]
    refused = desk.begin_upload(station_id, expires, nonce, info["mac"])
    if refused is not None:
        raise ApiError(403, refused)
    kept = False
    try:
        name = info.get("name", "")
        declared = request.content_length
        if request.method == "POST" and request.content_type.startswith("multipart/"):
            part = await _file_part(request)
            name, declared = part.filename or name, None
            chunks = _part_chunks(part)
        else:
            chunks = request.content.iter_chunked(CHUNK)
        settings = desk.settings
        stored = await receive(
            settings.data_dir,
            station_id,
            name,
            chunks,
            settings.upload_max_mb * 1024 * 1024,
            settings.upload_station_mb * 1024 * 1024,
            declared,
        )
        kept = True
    except UploadRefused as exc:
        raise ApiError(exc.status, str(exc)) from None
    finally:
        desk.end_upload(nonce, expires, kept)
    body = {"station": stored.station_id, "name": stored.name, "size": stored.size}
    return json_response(body, status=201)


@routes.get("/api/uploads")
async def list_uploads(request: web.Request) -> web.Response:
    """What stations uploaded, newest first; `?station=ID` for one station's."""
    station = request.query.get("station")
    desk = request.app[DESK]
    shown = [
        {"station": u.station_id, "name": u.name, "size": u.size, "at": to_iso(u.at)}
        for u in listing(desk.settings.data_dir)
        if station is None or u.station_id == station
    ]
    return json_response({"uploads": shown})


@routes.post("/api/stations/{station}/upload-url")
async def upload_url(request: web.Request) -> web.Response:
    """A one-time upload URL for a station: give it as GetLog's or GetDiagnostics' location."""
    station_id = request.match_info["station"]
    if station_id not in request.app[SOURCE].state.stations:
        raise ApiError(404, f"unknown station {station_id}")
    try:
        return json_response({"url": request.app[DESK].upload_url(station_id)})
    except FilesUnavailable as exc:
        raise ApiError(409, str(exc)) from None
