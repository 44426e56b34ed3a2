"""API errors: a status that fits and a JSON body that says why, never a traceback."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web


class ApiError(Exception):
    """A request the API answers with `status`; `extra` goes into the JSON body."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


def dumps(value: Any) -> str:
    """JSON text of a response body (orjson: fast, and strict about what is JSON)."""
    return orjson.dumps(value).decode()


def json_response(value: Any, status: int = 200) -> web.Response:
    """A JSON response."""
    return web.json_response(value, status=status, dumps=dumps)


def problem(
    status: int, message: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> web.Response:
    """The JSON error body every failure gets: `{"error": …, "status": …, …}`."""
    body = {"error": message, "status": status, **extra}
    return web.json_response(body, status=status, headers=headers, dumps=dumps)
