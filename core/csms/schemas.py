"""The library's JSON schemas as the truth of what a call may hold: templates, field
errors, and the call object that puts a payload on the wire.

Every function takes the station's dialect; the schema files are the `ocpp`
library's own, so what passes here passes the library (and a conforming station).
"""

from __future__ import annotations

import dataclasses
import decimal
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError
from ocpp.charge_point import (
    camel_to_snake_case,
    remove_nones,
    serialize_as_dict,
    snake_to_camel_case,
)

from ..dialects import Dialect


class CraftError(Exception):
    """A crafted message that cannot be sent; the message says why, for the user."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One schema violation, against the field it concerns ("" is the payload itself)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or 'payload'}: {self.message}"


class InvalidPayload(CraftError):
    """The payload breaks the action's schema; `errors` says where."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def check_action(dialect: Dialect, action: str) -> None:
    """CraftError unless the CSMS may send `action` to a station of this dialect."""
    if action not in dialect.csms_actions():
        raise CraftError(f"{action} is not a call a CSMS sends in {dialect.name}")


@cache
def _schema(dialect: Dialect, action: str) -> dict[str, Any]:
    """The request schema, numbers as Decimal: 1.6 `multipleOf: 0.1` fails on binary floats."""
    check_action(dialect, action)
    # The 2.x schema files start with a byte order mark.
    text = dialect.request_schema(action).read_text(encoding="utf-8-sig")
    schema: dict[str, Any] = json.loads(text, parse_float=decimal.Decimal)
    return schema


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` (the 2.x schemas keep their types under #/definitions)."""
    while "$ref" in node:
        target: Any = schema
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _placeholder(schema: dict[str, Any], node: dict[str, Any]) -> Any:
    node = _resolve(schema, node)
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object":
        properties = node.get("properties", {})
        return {
            name: _placeholder(schema, properties.get(name, {}))
            for name in node.get("required", [])
        }
    if kind == "array":
        if node.get("minItems", 0) > 0:
            return [_placeholder(schema, node.get("items", {}))]
        return []
    if kind in ("integer", "number"):
        return 0
    if kind == "boolean":
        return False
    return ""


def template(dialect: Dialect, action: str) -> dict[str, Any]:
    """A payload with every required field of the action filled with a placeholder."""
    schema = _schema(dialect, action)
    result: dict[str, Any] = _placeholder(schema, schema)
    return result


def _path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def _field_errors(error: ValidationError) -> list[FieldError]:
    where = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        # Shown against the missing field itself, not its parent object.
        return [
            FieldError(_path([*where, name]), "required")
            for name in error.validator_value
            if name not in error.instance
        ]
    return [FieldError(_path(where), error.message)]


def validate(dialect: Dialect, action: str, payload: Any) -> list[FieldError]:
    """Every way `payload` breaks the action's schema, in field order; [] when it is valid."""
    schema = _schema(dialect, action)
    # Numbers as Decimal on both sides, as the library does for the 1.6 schedules.
    instance = json.loads(json.dumps(payload), parse_float=decimal.Decimal)
    found: dict[FieldError, None] = {}
    for error in Draft4Validator(schema).iter_errors(instance):
        found.update(dict.fromkeys(_field_errors(error)))
    return sorted(found, key=lambda e: (e.path, e.message))


def parse_payload(text: str) -> dict[str, Any]:
    """The editor's JSON as a payload object; CraftError says where it is broken."""
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CraftError(f"not JSON: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if not isinstance(payload, dict):
        raise CraftError("a payload is a JSON object: { … }")
    return payload


def build_call(dialect: Dialect, action: str, payload: dict[str, Any]) -> Any:
    """The library's call object that puts `payload` on the wire.

    The library sends a dataclass, turning its snake_case fields into camelCase.
    A payload the action's dataclass cannot hold (a missing or an unknown field:
    bad input on purpose) gets a look-alike dataclass of the same name and module,
    so the library still sends it under that action. CraftError when no call can
    be made (a field name Python cannot take, e.g. "class").
    """
    calls = dialect.calls
    kwargs = camel_to_snake_case(payload)
    cls = getattr(calls, action, None)
    if cls is None:
        raise CraftError(f"no call {action} in {dialect.name}")
    try:
        return cls(**kwargs)
    except TypeError:
        pass
    try:
        loose = dataclasses.make_dataclass(action, [(name, Any) for name in kwargs])
    except (TypeError, ValueError) as exc:
        raise CraftError(f"cannot build {action}: {exc}") from None
    loose.__module__ = calls.__name__  # the outbound queue persists only the library's calls
    return loose(**kwargs)


def wire_json(obj: Any) -> dict[str, Any]:
    """A call or call result dataclass as the library puts it on the wire."""
    result: dict[str, Any] = remove_nones(snake_to_camel_case(serialize_as_dict(obj)))
    return result
