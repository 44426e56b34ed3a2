"""The smallest payload a JSON schema (the `ocpp` library's) accepts, built from the schema.

Required fields only: an enum takes its first value, a string a short value that fits
its format and length, a number the bounds allow, an array its fewest items (at least
one when the array is required at all), an object its required properties.
"""

from __future__ import annotations

import json
from dataclasses import make_dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ocpp.charge_point import snake_to_camel_case

DATE_TIME = "2026-01-01T00:00:00Z"
URI = "http://127.0.0.1/x"


@cache
def schema_of(path: Path) -> dict[str, Any]:
    """A schema file, read once."""
    found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return found


def minimal(path: Path) -> dict[str, Any]:
    """The smallest payload the schema at `path` accepts."""
    schema = schema_of(path)
    value = _value(schema, schema.get("definitions", {}))
    assert isinstance(value, dict)
    return value


def _value(node: dict[str, Any], definitions: dict[str, Any]) -> Any:
    ref = node.get("$ref")
    if ref is not None:
        return _value(definitions[ref.rsplit("/", 1)[-1]], definitions)
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object":
        props = node.get("properties", {})
        return {name: _value(props[name], definitions) for name in node.get("required", ())}
    if kind == "array":
        count = max(1, node.get("minItems", 0))
        return [_value(node["items"], definitions) for _ in range(count)]
    if kind == "string":
        text = {"date-time": DATE_TIME, "uri": URI}.get(node.get("format", ""), "x")
        return text[: node.get("maxLength", len(text))]
    if kind in ("integer", "number"):
        number = max(node.get("minimum", 0), min(node.get("maximum", 1), 1))
        return int(number) if kind == "integer" else number
    if kind == "boolean":
        return False
    raise AssertionError(f"no minimal value for {node}")


def as_sent(action: str, payload: dict[str, Any]) -> Any:
    """A request a library ChargePoint's `call` sends as `payload` (camelCase, as on the wire).

    A dataclass of the payload's fields named for the action: the library's own may
    require more than its schema does (1.6's LogStatusNotification wants a requestId),
    and its snake_case keys do not all come back as they were (2.1's `soC`).
    """
    assert snake_to_camel_case(payload) == payload, f"{action}: the library changes its keys"
    return make_dataclass(action, [(key, Any) for key in payload])(**payload)
