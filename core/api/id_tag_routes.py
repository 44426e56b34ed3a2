"""Id tags: create, read, update and delete, with status, parent, expiry and type.

Every value goes through the checks the console's id tag screen uses
(core/csms/id_tags.py); a refused one is a 422 that names its field.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiohttp import web

from ..csms.id_tags import (
    IdTagBook,
    IdTagError,
    TagView,
    check_status,
    check_tag,
    check_token_type,
    parse_expiry,
)
from ..csms.store import IdTag
from .body import json_object, only, optional_text, text
from .errors import ApiError, json_response
from .source import SOURCE
from .views import tag_view

routes = web.RouteTableDef()
CHANGES = {"status", "parent", "expiry", "type"}
# The API's field names for IdTagError's form fields.
_FIELD_NAMES = {"tag": "idTag", "parent": "parent", "expiry": "expiry", "type": "type"}


def _book(request: web.Request) -> IdTagBook:
    book = request.app[SOURCE].id_tags
    if book is None:
        raise ApiError(503, "this run keeps no id tags")
    return book


def _refused(exc: IdTagError) -> ApiError:
    return ApiError(422, str(exc), field=_FIELD_NAMES.get(exc.field, exc.field))


def revised(tag: IdTag, changes: dict[str, Any]) -> IdTag:
    """`tag` with the changes asked for, each checked; a null parent or expiry removes it.
    IdTagError names the field at fault."""
    status, parent, expiry, token_type = (
        optional_text(changes, n) for n in ("status", "parent", "expiry", "type")
    )
    if "status" in changes:
        tag = replace(tag, status=check_status(status or ""))
    if "parent" in changes:
        parent_name = check_tag(parent, "parent") if parent and parent.strip() else None
        if parent_name == tag.tag:
            raise IdTagError("a tag cannot be its own parent", "parent")
        tag = replace(tag, parent=parent_name)
    if "expiry" in changes:
        tag = replace(tag, expiry=parse_expiry(expiry or ""))
    if "type" in changes:
        tag = replace(tag, token_type=check_token_type(token_type or ""))
    return tag


def _view(book: IdTagBook, tag: IdTag) -> dict[str, Any]:
    return tag_view(TagView(tag, book.status_of(tag)))


def _stored(book: IdTagBook, name: str) -> IdTag:
    found = book.store.id_tag(name)
    if found is None:
        raise ApiError(404, f"unknown id tag {name!r}")
    return found


@routes.get("/api/id-tags")
async def list_tags(request: web.Request) -> web.Response:
    """Every id tag, sorted, with what Authorize would answer for it now."""
    return json_response({"idTags": [tag_view(v) for v in _book(request).entries()]})


@routes.get("/api/id-tags/{tag}")
async def get_tag(request: web.Request) -> web.Response:
    """One id tag; 404 when unknown."""
    book = _book(request)
    return json_response(_view(book, _stored(book, request.match_info["tag"])))


@routes.post("/api/id-tags")
async def create_tag(request: web.Request) -> web.Response:
    """A new tag (`{"idTag": …, "status", "parent", "expiry", "type"}`, all but idTag
    optional; status Accepted unless given): 201; 409 when it exists already."""
    book = _book(request)
    body = await json_object(request)
    only(body, {"idTag", *CHANGES})
    try:
        name = check_tag(text(body, "idTag"))
        if book.store.id_tag(name) is not None:
            raise ApiError(409, f"{name} is already known", field="idTag")
        made = revised(IdTag(name), {k: v for k, v in body.items() if k in CHANGES})
    except IdTagError as exc:
        raise _refused(exc) from None
    book.store.put_id_tag(made)
    return json_response(_view(book, made), status=201)


@routes.patch("/api/id-tags/{tag}")
async def update_tag(request: web.Request) -> web.Response:
    """Change a tag's status, parent, expiry or type (only the fields given)."""
    book = _book(request)
    tag = _stored(book, request.match_info["tag"])
    body = await json_object(request)
    only(body, CHANGES)
    try:
        changed = revised(tag, body)
    except IdTagError as exc:
        raise _refused(exc) from None
    book.store.put_id_tag(changed)
    return json_response(_view(book, changed))


@routes.delete("/api/id-tags/{tag}")
async def delete_tag(request: web.Request) -> web.Response:
    """Forget a tag; Authorize then answers as for any unknown tag."""
    book = _book(request)
    try:
        book.delete(request.match_info["tag"])
    except IdTagError as exc:
        raise ApiError(404, str(exc)) from None
    return web.Response(status=204)
