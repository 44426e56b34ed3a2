"""The API's HTTP server: aiohttp in the engine's event loop, on a port of its own.

Every request passes the guard: the bearer token first (401 without it), then any
failure becomes a JSON error with a status that fits (a body over the size limit 413,
an unknown path 404, anything unforeseen 500 with the details in the log only).
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from ..files.desk import FileDesk
from . import (
    command_routes,
    files_routes,
    frame_stream,
    id_tag_routes,
    queue_routes,
    registry_routes,
    state_routes,
    upload_routes,
)
from .bearer import authorized, load_or_create, token_path
from .errors import ApiError, json_response, problem
from .frame_stream import STREAMS, FrameStreams
from .openapi import document
from .source import SOURCE, ApiSource

log = logging.getLogger("ocppdeck.api")

MAX_BODY_BYTES = 256 * 1024  # the largest request body read (a command's payload)
SHUTDOWN_S = 2.0  # how long open requests may take to finish when the server stops
TOKEN = web.AppKey("token", str)
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="ocppdeck"'}
# Stations fetch firmware and upload logs through URLs that are their own proof (signed,
# expiring): no bearer token there.
SIGNED_PATHS = (files_routes.PUBLIC, upload_routes.PUBLIC)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The token on every request, and a JSON error for every failure."""
    signed = request.path.startswith(SIGNED_PATHS)
    if not signed and not authorized(request.headers.get("Authorization"), request.app[TOKEN]):
        return problem(401, "a bearer token is required (README: Control API)", CHALLENGE)
    try:
        return await handler(request)
    except ApiError as exc:
        return problem(exc.status, exc.message, **exc.extra)
    except web.HTTPException as exc:  # no such path, a method it does not take, too large
        allow = exc.headers.get("Allow")
        return problem(exc.status, exc.reason, {"Allow": allow} if allow else None)
    except Exception:
        log.exception("api %s %s failed", request.method, request.path)
        return problem(500, "the request failed; the server's log says why")


async def openapi(request: web.Request) -> web.Response:
    """The OpenAPI 3 document of this API."""
    return json_response(document())


def build_app(source: ApiSource, token: str, streams: FrameStreams) -> web.Application:
    """The aiohttp application: its routes, the guard and the body size limit (uploads are
    read as they arrive, bounded by their own limit)."""
    app = web.Application(middlewares=[guard], client_max_size=MAX_BODY_BYTES)
    app[SOURCE] = source
    app[TOKEN] = token
    app[STREAMS] = streams
    app.router.add_get("/openapi.json", openapi)
    for module in (
        state_routes,
        queue_routes,
        registry_routes,
        id_tag_routes,
        command_routes,
        frame_stream,
        files_routes,
        upload_routes,
    ):
        app.router.add_routes(module.routes)
    return app


class ApiServer:
    """Starts and stops the API for a running engine."""

    def __init__(self, source: ApiSource) -> None:
        self.source = source
        self.streams = FrameStreams()
        self.desk = FileDesk(source.settings, source.clock)  # firmware and upload URLs
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    async def start(self) -> None:
        """Read (or make) the token, then listen on `api_host`:`api_port`."""
        settings = self.source.settings
        token = await asyncio.to_thread(load_or_create, settings)
        await asyncio.to_thread(lambda: self.desk.signer)  # its key read (or made) off the loop
        app = build_app(self.source, token, self.streams)
        app[files_routes.DESK] = self.desk
        runner = web.AppRunner(
            app,
            access_log=None,
            shutdown_timeout=SHUTDOWN_S,
        )
        await runner.setup()
        self._runner = runner
        self._site = web.TCPSite(runner, settings.api_host, settings.api_port)
        await self._site.start()
        self.desk.bound_url = self.url
        log.info(
            "api listening",
            extra={
                "host": settings.api_host,
                "port": self.port,
                "token_file": str(token_path(settings)),
            },
        )

    @property
    def port(self) -> int:
        """The bound port (useful when asked for port 0)."""
        assert self._runner is not None, "API not started"
        for address in self._runner.addresses:
            return int(address[1])
        raise RuntimeError("API not listening")

    @property
    def url(self) -> str:
        """Where the API answers."""
        host = self.source.settings.api_host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    async def close(self) -> None:
        """End every frame stream, then stop listening."""
        self.streams.end_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._site = None
