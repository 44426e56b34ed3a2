"""Firmware files for stations: served from `--files-dir` through URLs that expire.

`GET /files/{expires}/{mac}/{name}` needs no bearer token: the URL is its own proof
(core/files/signing.py). A URL not ours, expired, or naming anything but a plain file
directly in the files dir is refused (403) the same way, so a guess learns nothing;
there is no listing. The operator asks for a URL with the token: `GET /api/files`
lists what may be sent, `POST /api/files/{name}/url` gives one.
"""

from __future__ import annotations

from aiohttp import web

from ..files.desk import FileDesk, FilesUnavailable
from .errors import ApiError, json_response

routes = web.RouteTableDef()
DESK = web.AppKey("desk", FileDesk)
PUBLIC = "/files/"  # paths that carry their own proof instead of the bearer token


@routes.get(PUBLIC + "{expires}/{mac}/{name}")
async def serve_file(request: web.Request) -> web.StreamResponse:
    """The file a signed URL names, streamed from disk (ranges too, for a resumed download)."""
    info = request.match_info
    path = request.app[DESK].file_path(info["name"], info["expires"], info["mac"])
    if path is None:
        raise ApiError(403, "this file URL is not valid or has expired")
    return web.FileResponse(path, headers={"Content-Type": "application/octet-stream"})


@routes.get("/api/files")
async def list_files(request: web.Request) -> web.Response:
    """The files of the files dir a station may be sent ([] without one)."""
    return json_response({"files": request.app[DESK].offered()})


@routes.post("/api/files/{name}/url")
async def file_url(request: web.Request) -> web.Response:
    """A fresh URL for a file of the files dir (404: no such file, 409: no files dir)."""
    desk = request.app[DESK]
    name = request.match_info["name"]
    if desk.settings.files_dir is None:
        raise ApiError(409, "no files dir: start with --files-dir DIR")
    try:
        return json_response({"url": desk.file_url(name)})
    except FilesUnavailable as exc:
        raise ApiError(404, str(exc)) from None
