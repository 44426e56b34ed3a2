"""The OpenAPI 3 document of the control API, served at /openapi.json. Pure.

A test checks that it names every route the server has, and no other, so the two
cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from .openapi_files import files_paths

VERSION = "1"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _list_of(key: str, item: str) -> dict[str, Any]:
    return {"type": "object", "properties": {key: {"type": "array", "items": _ref(item)}}}


def _path_param(name: str, description: str, schema: dict[str, Any] | None = None) -> Any:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> Any:
    return {"name": name, "in": "query", "description": description, "schema": schema or {}}


def _body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _op(summary: str, responses: dict[str, Any]) -> dict[str, Any]:
    return {"summary": summary, "responses": {**responses, "401": _error("no or a wrong token")}}


_STRING = {"type": "string"}
_TIME = {"type": ["string", "null"], "format": "date-time"}
_NUMBER = {"type": ["number", "null"]}
STATION = _path_param("station", "the station's id (its identity in the websocket path)")
TAG = _path_param("tag", "the id tag")

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error", "status"],
        "properties": {
            "error": _STRING,
            "status": {"type": "integer"},
            "field": {"type": "string", "description": "the request field at fault"},
            "fields": {
                "type": "array",
                "description": "each schema violation of a command's payload",
                "items": {
                    "type": "object",
                    "properties": {"path": _STRING, "message": _STRING},
                },
            },
            "command": _ref("QueuedCommand"),
        },
    },
    "Connector": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "status": _STRING, "statusAt": _TIME},
    },
    "Evse": {
        "type": "object",
        "description": "an EVSE (OCPP 1.6: a connector) with its meter and connectors",
        "properties": {
            "id": {"type": "integer"},
            "status": _STRING,
            "errorCode": _STRING,
            "info": _STRING,
            "statusAt": _TIME,
            "energyWh": _NUMBER,
            "energyAt": _TIME,
            "powerW": _NUMBER,
            "powerAt": _TIME,
            "connectors": {"type": "array", "items": _ref("Connector")},
        },
    },
    "Station": {
        "type": "object",
        "properties": {
            "id": _STRING,
            "online": {"type": "boolean"},
            "protocol": _STRING,
            "vendor": _STRING,
            "model": _STRING,
            "firmware": _STRING,
            "serial": _STRING,
            "bootStatus": _STRING,
            "status": _STRING,
            "errorCode": _STRING,
            "connectedAt": _TIME,
            "disconnectedAt": _TIME,
            "lastHeartbeat": _TIME,
            "lastFrame": _TIME,
            "frames": {"type": "integer"},
            "declaredConnectors": {"type": ["integer", "null"]},
            "seenConnectors": {"type": "integer"},
            "connectorCountCorrect": {"type": ["boolean", "null"]},
            "evses": {"type": "array", "items": _ref("Evse")},
        },
    },
    "Transaction": {
        "type": "object",
        "properties": {
            "station": _STRING,
            "transactionId": _STRING,
            "evse": {"type": ["integer", "null"]},
            "idTag": _STRING,
            "open": {"type": "boolean"},
            "startedAt": _TIME,
            "stoppedAt": _TIME,
            "meterStart": _NUMBER,
            "meterStop": _NUMBER,
            "stopReason": _STRING,
            "energyWh": _NUMBER,
        },
    },
    "Registered": {
        "type": "object",
        "properties": {
            "id": _STRING,
            "standing": {"enum": ["accepted", "pending", "rejected"]},
            "hasPassword": {"type": "boolean"},
            "addedAt": _TIME,
        },
    },
    "WithPassword": {
        "type": "object",
        "description": "the password in clear: shown this once, only its hash is kept",
        "properties": {"station": _ref("Registered"), "password": _STRING},
    },
    "IdTag": {
        "type": "object",
        "properties": {
            "idTag": _STRING,
            "status": {"enum": ["Accepted", "Blocked", "Expired", "Invalid"]},
            "effectiveStatus": {
                "type": "string",
                "description": "what Authorize answers now (expiry and parent applied)",
            },
            "parent": {"type": ["string", "null"]},
            "expiry": _TIME,
            "type": {"type": "string", "description": "a 2.x idToken type; empty: any"},
        },
    },
    "IdTagChanges": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "status": _STRING,
            "parent": {"type": ["string", "null"]},
            "expiry": {"type": ["string", "null"], "description": "ISO 8601 date or time"},
            "type": _STRING,
        },
    },
    "QueueEntry": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "station": _STRING,
            "action": _STRING,
            "state": {
                "enum": ["queued", "in flight", "answered", "failed", "timed out", "cancelled"]
            },
            "createdAt": _TIME,
            "status": _STRING,
            "detail": _STRING,
        },
    },
    "QueuedCommand": {
        "type": "object",
        "description": "a command's queue entry, with the payload as sent",
        "properties": {
            "id": {"type": "integer"},
            "station": _STRING,
            "action": _STRING,
            "state": _STRING,
            "createdAt": _TIME,
            "payload": {"type": "object"},
        },
    },
    "Outcome": {
        "type": "object",
        "properties": {
            "state": _STRING,
            "status": {"type": "string", "description": "e.g. Accepted, Rejected, a CallError"},
            "detail": _STRING,
            "accepted": {"type": "boolean"},
            "answer": {"type": ["object", "null"], "description": "the station's answer"},
        },
    },
    "CommandResult": {
        "type": "object",
        "properties": {"command": _ref("QueuedCommand"), "outcome": _ref("Outcome")},
    },
}


def _paths() -> dict[str, Any]:
    station_id = _ref("Registered")
    return {
        **files_paths(),
        "/openapi.json": {"get": _op("this document", {"200": _json({}, "OpenAPI 3")})},
        "/api/state": {
            "get": _op(
                "the headless answers, as `ocppdeck project --json` prints them",
                {"200": _json({"type": "object"}, "station count, connectors, readings")},
            )
        },
        "/api/stations": {
            "get": _op(
                "every station with its EVSEs and connectors",
                {"200": _json(_list_of("stations", "Station"), "sorted by id")},
            )
        },
        "/api/stations/{station}": {
            "parameters": [STATION],
            "get": _op(
                "one station",
                {"200": _json(_ref("Station"), "the station"), "404": _error("never heard of")},
            ),
        },
        "/api/stations/{station}/commands/{action}": {
            "parameters": [
                STATION,
                _path_param("action", "any call a CSMS sends in the station's version"),
            ],
            "post": {
                **_op(
                    "send a call through the station's outbound queue; waits for the answer",
                    {
                        "200": _json(_ref("CommandResult"), "the station answered"),
                        "202": _json(_ref("CommandResult"), "still queued behind others"),
                        "404": _error("unknown station"),
                        "409": _error("the station is offline: queued (see `command`)"),
                        "422": _error("the payload breaks the schema (see `fields`)"),
                        "502": _json(_ref("CommandResult"), "a CallError or a lost connection"),
                        "504": _json(_ref("CommandResult"), "no answer in the call timeout"),
                    },
                ),
                "requestBody": _body({"type": "object", "description": "the payload"}, False),
            },
        },
        "/api/transactions": {
            "get": {
                **_op(
                    "open and closed transactions, by start time",
                    {"200": _json(_list_of("transactions", "Transaction"), "transactions")},
                ),
                "parameters": [
                    _query("state", "which ones", {"enum": ["all", "open", "closed"]}),
                    _query("station", "one station's", _STRING),
                ],
            }
        },
        "/api/snapshot": {
            "get": _op(
                "the projection as a snapshot; fold /api/frames?after=seq on top of it",
                {"200": _json({"type": "object"}, "core/disk/snapshot.py's document")},
            )
        },
        "/api/frames": {
            "get": {
                **_op(
                    "server-sent events: each frame as a recording line, its id the seq",
                    {
                        "200": {
                            "description": "event `frame` per frame; `dropped` when too slow",
                            "content": {"text/event-stream": {"schema": _STRING}},
                        },
                        "400": _error("a filter that cannot be read"),
                        "503": _error("too many streams open"),
                    },
                ),
                "parameters": [
                    _query("filter", "the frame log's `/` filter", _STRING),
                    _query("after", "first the held frames after this seq", {"type": "integer"}),
                ],
            }
        },
        "/api/queue": {
            "get": {
                **_op(
                    "the outbound queue: queued, in flight and recent commands",
                    {"200": _json(_list_of("commands", "QueueEntry"), "oldest first")},
                ),
                "parameters": [_query("station", "one station's", _STRING)],
            }
        },
        "/api/queue/{command}": {
            "parameters": [_path_param("command", "the command's id", {"type": "integer"})],
            "delete": _op(
                "withdraw a queued command",
                {
                    "200": _json(_ref("QueueEntry"), "cancelled"),
                    "404": _error("no such command"),
                    "409": _error("in flight or ended"),
                },
            ),
        },
        "/api/registry": {
            "get": _op(
                "every registered or pending station",
                {"200": _json(_list_of("stations", "Registered"), "sorted by id")},
            ),
            "post": {
                **_op(
                    "register a station",
                    {
                        "201": _json(_ref("WithPassword"), "registered"),
                        "409": _error("already registered"),
                        "422": _error("a bad id or password"),
                    },
                ),
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["id"],
                        "properties": {"id": _STRING, "password": _STRING},
                    }
                ),
            },
        },
        "/api/registry/{station}": {
            "parameters": [STATION],
            "delete": _op(
                "forget a station", {"204": {"description": "gone"}, "404": _error("unknown")}
            ),
        },
        "/api/registry/{station}/password": {
            "parameters": [STATION],
            "put": {
                **_op(
                    "a new password (made when none is given); the station is not told",
                    {"200": _json(_ref("WithPassword"), "set"), "404": _error("unknown")},
                ),
                "requestBody": _body(
                    {"type": "object", "properties": {"password": _STRING}}, False
                ),
            },
        },
        "/api/registry/{station}/push-password": {
            "parameters": [STATION],
            "post": _op(
                "send the connected station a new password, kept once it took it",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "station": _ref("Registered"),
                                "password": {"type": ["string", "null"]},
                                "outcome": _ref("Outcome"),
                            },
                        },
                        "the password in clear once; null when the station kept its own",
                    ),
                    "404": _error("unknown"),
                    "409": _error("offline, or its version cannot be told one"),
                },
            ),
        },
        "/api/registry/{station}/accept": {
            "parameters": [STATION],
            "post": _op(
                "let a pending station in; a connected one is asked to boot again",
                {"200": _json({"type": "object", "properties": {"station": station_id}}, "ok")},
            ),
        },
        "/api/registry/{station}/reject": {
            "parameters": [STATION],
            "post": _op(
                "refuse a station; a connected one is disconnected",
                {"200": _json({"type": "object", "properties": {"station": station_id}}, "ok")},
            ),
        },
        "/api/id-tags": {
            "get": _op(
                "every id tag with its effective status",
                {"200": _json(_list_of("idTags", "IdTag"), "sorted")},
            ),
            "post": {
                **_op(
                    "a new id tag",
                    {
                        "201": _json(_ref("IdTag"), "created"),
                        "409": _error("known already"),
                        "422": _error("a value refused (see `field`)"),
                    },
                ),
                "requestBody": _body(
                    {
                        "allOf": [
                            _ref("IdTagChanges"),
                            {"required": ["idTag"], "properties": {"idTag": _STRING}},
                        ]
                    }
                ),
            },
        },
        "/api/id-tags/{tag}": {
            "parameters": [TAG],
            "get": _op(
                "one id tag", {"200": _json(_ref("IdTag"), "the tag"), "404": _error("unknown")}
            ),
            "patch": {
                **_op(
                    "change status, parent, expiry or type",
                    {
                        "200": _json(_ref("IdTag"), "changed"),
                        "404": _error("unknown"),
                        "422": _error("a value refused (see `field`)"),
                    },
                ),
                "requestBody": _body(_ref("IdTagChanges")),
            },
            "delete": _op(
                "forget a tag", {"204": {"description": "gone"}, "404": _error("unknown")}
            ),
        },
    }


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ocppdeck control API",
            "version": VERSION,
            "description": "The console's state, commands and frame stream (README: Control API).",
        },
        "security": [{"bearer": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
    }
