"""A request's JSON body and its fields, checked before anything uses them."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from .errors import ApiError


async def json_object(request: web.Request, empty_ok: bool = False) -> dict[str, Any]:
    """The body as a JSON object; 400 when it is not one. The app's size limit (413) has
    been applied by the time it is read. With `empty_ok`, no body reads as {}."""
    raw = await request.read()
    if not raw.strip() and empty_ok:
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, f"the body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "the body must be a JSON object: { … }")
    return data


def text(body: dict[str, Any], name: str, default: str | None = None) -> str:
    """A string field; 400 when it is missing (with no default) or not a string."""
    value = body.get(name, default)
    if value is None:
        raise ApiError(400, f"{name} is required", field=name)
    if not isinstance(value, str):
        raise ApiError(400, f"{name} must be a string", field=name)
    return value


def optional_text(body: dict[str, Any], name: str) -> str | None:
    """A string field that may be absent or null (None then); 400 when it is not a string."""
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise ApiError(400, f"{name} must be a string or null", field=name)
    return value


def only(body: dict[str, Any], names: set[str]) -> None:
    """400 for a field the endpoint does not take: a typo must not pass silently."""
    unknown = sorted(set(body) - names)
    if unknown:
        raise ApiError(400, f"unknown field {unknown[0]!r}", field=unknown[0])
