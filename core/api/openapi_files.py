"""The OpenAPI paths of firmware files and uploads (core/api/files_routes.py,
upload_routes.py), merged into the document by core/api/openapi.py. Pure."""

from __future__ import annotations

from typing import Any

_STRING = {"type": "string"}
_PROOF = [
    {"name": name, "in": "path", "required": True, "description": what, "schema": _STRING}
    for name, what in (
        ("expires", "when the URL expires (epoch seconds)"),
        ("mac", "the URL's signature"),
    )
]
_STATION = {"name": "station", "in": "path", "required": True, "schema": _STRING}
_NAME = {"name": "name", "in": "path", "required": True, "schema": _STRING}
_NONCE = {"name": "nonce", "in": "path", "required": True, "schema": _STRING}


def _json(description: str, properties: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/Error"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_URL = _json("the URL", {"url": _STRING})
_STORED = _json("kept", {"station": _STRING, "name": _STRING, "size": {"type": "integer"}})
_UPLOAD = {
    "summary": "a station's upload: the body (PUT, POST) or a multipart form's file (POST)",
    "security": [],
    "responses": {
        "201": _STORED,
        "403": _error("a URL not ours, expired or used"),
        "413": _error("too large for one upload or for the station's folder"),
    },
}


def files_paths() -> dict[str, Any]:
    """The paths, as OpenAPI path items."""
    upload = {"parameters": [_STATION, _PROOF[0], _NONCE, _PROOF[1]], "put": _UPLOAD}
    upload["post"] = _UPLOAD
    named = {**upload, "parameters": [*upload["parameters"], _NAME]}
    return {
        "/files/{expires}/{mac}/{name}": {
            "parameters": [*_PROOF, _NAME],
            "get": {
                "summary": "a file of the files dir, through a URL that expires",
                "security": [],
                "responses": {
                    "200": {"description": "the file"},
                    "403": _error("a URL not ours or expired"),
                },
            },
        },
        "/api/files": {
            "get": {
                "summary": "the files of the files dir a station may be sent",
                "responses": {"200": _json("names", {"files": {"type": "array"}})},
            }
        },
        "/api/files/{name}/url": {
            "parameters": [_NAME],
            "post": {
                "summary": "a fresh URL for a file of the files dir",
                "responses": {
                    "200": _URL,
                    "404": _error("no such file"),
                    "409": _error("no files dir"),
                },
            },
        },
        "/uploads/{station}/{expires}/{nonce}/{mac}": upload,
        "/uploads/{station}/{expires}/{nonce}/{mac}/{name}": named,
        "/api/uploads": {
            "get": {
                "summary": "what stations uploaded, newest first (?station=ID)",
                "responses": {"200": _json("uploads", {"uploads": {"type": "array"}})},
            }
        },
        "/api/stations/{station}/upload-url": {
            "parameters": [_STATION],
            "post": {
                "summary": "a one-time upload URL: GetLog's or GetDiagnostics' location",
                "responses": {
                    "200": _URL,
                    "404": _error("unknown station"),
                    "409": _error("no URL stations can reach"),
                },
            },
        },
    }
