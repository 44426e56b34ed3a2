"""The values a call's field may take in a dialect, read from the `ocpp` library's request
schema: the console offers a station its own version's choices (2.1 adds monitor types,
display states, a message format and longer messages to 2.0.1's), and a version's new
values appear here without a change to ocppdeck."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from ..dialects import Dialect
from .builders.display import DisplayChoices


@cache
def _definitions(dialect: Dialect, action: str) -> dict[str, Any]:
    """The types a request schema defines; {} where this dialect has no such call (1.6's
    monitoring and display messages)."""
    path = dialect.request_schema(action)
    if not path.is_file():
        return {}
    # The 2.x schema files start with a byte order mark.
    definitions: dict[str, Any] = json.loads(path.read_text(encoding="utf-8-sig")).get(
        "definitions", {}
    )
    return definitions


def schema_enum(dialect: Dialect, action: str, enum: str) -> tuple[str, ...]:
    """The values of the type `enum` in the request schema of `action`, in the schema's
    order; () where this dialect has no such call or type."""
    values = _definitions(dialect, action).get(enum, {}).get("enum", [])
    return tuple(str(value) for value in values)


def monitor_types(dialect: Dialect) -> tuple[str, ...]:
    """The monitor types (MonitorEnumType) a station of this dialect takes."""
    return schema_enum(dialect, "SetVariableMonitoring", "MonitorEnumType")


def display_choices(dialect: Dialect) -> DisplayChoices:
    """The states a display message may be limited to, its formats and its longest text
    in this dialect (none of them where it has no display messages)."""
    action = "SetDisplayMessage"
    content = _definitions(dialect, action).get("MessageContentType", {}).get("properties", {})
    return DisplayChoices(
        states=schema_enum(dialect, action, "MessageStateEnumType"),
        formats=schema_enum(dialect, action, "MessageFormatEnumType"),
        longest=int(content.get("content", {}).get("maxLength", 0)),
    )
