"""Which fields of a payload break its schema, for the compliance table. Pure.

The verdict is core/csms/validators.py's (the `ocpp` library's schemas, compiled with
jsonschema-rs); only a payload it refuses is walked again here for its fields. Array
indices are left out of a field's path (`meterValue[].sampledValue[].unit`), so one
mistake repeated in every reading counts as one field.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema_rs
from ocpp.messages import get_validator

from ..csms import validators
from ..dialects import Dialect


@cache
def library_version(dialect: Dialect) -> str:
    """The version name the `ocpp` library gives the dialect's schemas."""
    version: str = dialect.charge_point._ocpp_version
    return version


@cache
def _walker(kind: int, action: str, version: str) -> Any:
    return jsonschema_rs.Draft4Validator(
        get_validator(kind, action, version).schema, validate_formats=False
    )


def _path(parts: list[str | int]) -> str:
    text = ""
    for part in parts:
        text += "[]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def field_errors(kind: int, action: str, dialect: Dialect, payload: Any) -> list[tuple[str, str]]:
    """(field, what is wrong) for each way `payload` breaks the action's request (`kind`
    MessageType.Call) or answer (MessageType.CallResult) schema; [] when it fits or the
    library has no schema for it."""
    version = library_version(dialect)
    if validators.is_valid(kind, action, version, payload) is not False:
        return []
    found: list[tuple[str, str]] = []
    for error in _walker(kind, action, version).iter_errors(payload):
        where: list[str | int] = list(error.instance_path)
        error_kind = error.kind
        if isinstance(error_kind, jsonschema_rs.ValidationErrorKind.Required):
            where.append(error_kind.property)
            found.append((_path(where), "required"))
        elif isinstance(error_kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
            for name in error_kind.unexpected:
                found.append((_path([*where, name]), "not in the schema"))
        else:
            found.append((_path(where) or "payload", error.message))
    return found
