"""CallErrors for what a station sends wrong, in the words of its OCPP-J edition.

The sessions (core/csms/sessions/host.py) ask here before the `ocpp` library
routes a message, because the library (2.1.0) answers a 1.6 station with 2.x's
FormatViolation, swaps NotImplemented ("not known") and NotSupported ("known, not
supported"), calls a missing field a ProtocolError, answers an unknown or
unhandled action on 2.1 with nothing at all, and echoes the whole offending
message in the details. The library's JSON schemas stay the truth of what a
payload may hold; only the words change, and details keep a short cause.

The rules, from OCPP-J 1.6 §4.1.3 and §4.2.3 (with its errata §5) and from
2.0.1 and 2.1 Part 4 §4.1.3, §4.2.3 and §4.3:
- a message type number not in the list is ignored (2.1 and the 2.0.1 errata
  dropped MessageTypeNotSupported), and a broken answer gets no answer: a
  CALLERROR only ever answers a CALL;
- a message id is a string of at most 36 characters; a CallError whose CALL
  has none that can be read carries "-1";
- 1.6 keeps the spellings FormationViolation and OccurenceConstraintViolation
  (its errata: "will not be fixed") and has no RpcFrameworkError.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, is_dataclass
from enum import Enum, StrEnum
from functools import cache
from types import MappingProxyType, ModuleType
from typing import Any

import orjson
from jsonschema.exceptions import ValidationError, best_match
from ocpp.messages import MessageType, get_validator

from ..wire.codec import MAX_ID_LENGTH, FrameError, message_from_array, preview, usable_id
from . import validators

NO_ID = "-1"  # the message id of a CallError whose CALL has none that can be read
CAUSE_CHARS = 120  # the longest cause a CallError's details carry


class Fault(StrEnum):
    """What is wrong with a message from a station, whatever its version calls it."""

    UNREADABLE = "unreadable"  # not an RPC message: not JSON, not an array, no usable id
    STRUCTURE = "structure"  # a CALL that is not [2, id, action, payload]
    UNKNOWN_ACTION = "unknown action"  # an action this version does not define
    UNSUPPORTED_ACTION = "unsupported action"  # one it defines that the CSMS does not take
    FORMAT = "format"  # a payload that is not an object, or breaks its schema another way
    TYPE = "type"  # a field of the wrong data type, or a string too long or short
    PROPERTY = "property"  # a field with a value it may not hold (enum, pattern, range)
    OCCURRENCE = "occurrence"  # a field missing, not allowed, or repeated too often
    SECURITY = "security"  # a call the station may not make now (its boot is Pending)
    INTERNAL = "internal"  # the CSMS cannot take it now (its data dir refuses the recording)


_DESCRIPTIONS = {
    Fault.UNREADABLE: "Content of the message is not a valid RPC request",
    Fault.STRUCTURE: "Message does not conform to the PDU structure of a CALL",
    Fault.UNKNOWN_ACTION: "Requested Action is not known by receiver",
    Fault.UNSUPPORTED_ACTION: "Requested Action is recognized but not supported by receiver",
    Fault.FORMAT: "Payload for Action is syntactically incorrect",
    Fault.TYPE: "A field of the payload violates data type constraints",
    Fault.PROPERTY: "A field of the payload contains an invalid value",
    Fault.OCCURRENCE: "A field of the payload violates occurrence constraints",
    Fault.SECURITY: "A security issue prevents the receiver from completing the Action",
    Fault.INTERNAL: "An internal error prevents the receiver from processing the Action",
}


ErrorCodes = Mapping[Fault, str]  # one OCPP-J edition's error code for each fault

OCPP_J_16: ErrorCodes = MappingProxyType(
    {
        Fault.UNREADABLE: "FormationViolation",
        Fault.STRUCTURE: "ProtocolError",
        Fault.UNKNOWN_ACTION: "NotImplemented",
        Fault.UNSUPPORTED_ACTION: "NotSupported",
        Fault.FORMAT: "FormationViolation",
        Fault.TYPE: "TypeConstraintViolation",
        Fault.PROPERTY: "PropertyConstraintViolation",
        Fault.OCCURRENCE: "OccurenceConstraintViolation",
        Fault.SECURITY: "SecurityError",
        Fault.INTERNAL: "InternalError",
    }
)
# 2.0.1 and 2.1 share one table (Part 4 §4.3), with the spellings 1.6 could not fix.
OCPP_J_2: ErrorCodes = MappingProxyType(
    {
        **OCPP_J_16,
        Fault.UNREADABLE: "RpcFrameworkError",
        Fault.FORMAT: "FormatViolation",
        Fault.OCCURRENCE: "OccurrenceConstraintViolation",
    }
)

# Schema keywords by the fault their violation is; any other keyword is a FORMAT fault.
_BY_KEYWORD = {
    "type": Fault.TYPE,
    "maxLength": Fault.TYPE,  # a string's length is part of its type (CiString20Type, string[20])
    "minLength": Fault.TYPE,
    "required": Fault.OCCURRENCE,
    "additionalProperties": Fault.OCCURRENCE,
    "minItems": Fault.OCCURRENCE,
    "maxItems": Fault.OCCURRENCE,
    "minProperties": Fault.OCCURRENCE,
    "maxProperties": Fault.OCCURRENCE,
    "enum": Fault.PROPERTY,
    "pattern": Fault.PROPERTY,
    "format": Fault.PROPERTY,
    "minimum": Fault.PROPERTY,
    "maximum": Fault.PROPERTY,
    "multipleOf": Fault.PROPERTY,
    "uniqueItems": Fault.PROPERTY,
}


@dataclass(frozen=True, slots=True)
class Refusal:
    """A CallError to send: the message id it answers, the fault and a short cause."""

    unique_id: str
    fault: Fault
    cause: str

    def to_json(self, codes: ErrorCodes) -> str:
        """The CALLERROR in the words of `codes`."""
        details = {"cause": preview(self.cause, CAUSE_CHARS)}
        error = [4, self.unique_id, codes[self.fault], _DESCRIPTIONS[self.fault], details]
        return orjson.dumps(error).decode()


class Verdict(Enum):
    """What happens to a message that needs no CallError."""

    ROUTE = "route"  # the library reads it: a CALL, or the answer to the call in flight
    IGNORE = "ignore"  # nobody answers it: an unknown message type or a broken answer


def screen(text: str | bytes) -> Refusal | Verdict:
    """What to do with a message before the library reads it."""
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return Refusal(NO_ID, Fault.UNREADABLE, "the message is not JSON")
    if not isinstance(data, list) or not data:
        return Refusal(NO_ID, Fault.UNREADABLE, "the message is not a JSON array")
    type_id = data[0]
    unique_id = usable_id(data[1]) if len(data) > 1 else None
    if type(type_id) is not int:
        return Refusal(unique_id or NO_ID, Fault.UNREADABLE, "the message type is not a number")
    if type_id not in (MessageType.Call, MessageType.CallResult, MessageType.CallError):
        return Verdict.IGNORE
    is_call = type_id == MessageType.Call
    try:
        message_from_array(data)
    except FrameError as exc:
        if not is_call:
            return Verdict.IGNORE
        if unique_id is None:
            return Refusal(NO_ID, Fault.UNREADABLE, str(exc))
        return Refusal(unique_id, Fault.STRUCTURE, str(exc))
    if unique_id is None:
        if not is_call:
            return Verdict.IGNORE
        cause = f"the message id is empty or over {MAX_ID_LENGTH} characters"
        return Refusal(NO_ID, Fault.UNREADABLE, cause)
    return Verdict.ROUTE


def refuse_call(
    unique_id: str,
    action: str,
    payload: Any,
    calls: ModuleType,
    handled: bool,
    version: str | None,
) -> Refusal | None:
    """The Refusal of a CALL the CSMS cannot take, or None when the library may take it.

    `calls` is the library's module of this version's requests (what the version
    defines), `handled` whether the session has a handler for the action, and
    `version` the library's name of the version (which schemas it reads), None for a
    station whose payloads are not checked.
    """
    if action not in defined_actions(calls):
        return Refusal(unique_id, Fault.UNKNOWN_ACTION, f"{action} is no action of this version")
    if not handled:
        return Refusal(unique_id, Fault.UNSUPPORTED_ACTION, f"the CSMS does not take {action}")
    if (
        version is None
        or validators.is_valid(MessageType.Call, action, version, payload) is not False
    ):
        return None  # valid, or no schema: the library answers that as it always does
    # The rare path: jsonschema, on the same schema, says which rule it breaks.
    validator = get_validator(MessageType.Call, action, version)
    error = best_match(validator.iter_errors(payload))
    if error.validator == "type" and not error.absolute_path:
        return Refusal(unique_id, Fault.FORMAT, "the payload is not a JSON object")
    fault = _BY_KEYWORD.get(str(error.validator), Fault.FORMAT)
    return Refusal(unique_id, fault, _cause(error))


@cache
def defined_actions(calls: ModuleType) -> frozenset[str]:
    """The actions a version defines: the request dataclasses of its library module."""
    return frozenset(
        name
        for name, cls in vars(calls).items()
        if is_dataclass(cls) and cls.__module__ == calls.__name__
    )


def _cause(error: ValidationError) -> str:
    """Where the payload breaks its schema and how, without repeating the station's values."""
    where = _where(error.absolute_path)
    keyword = error.validator
    instance = error.instance if isinstance(error.instance, dict) else {}
    if keyword == "required":
        missing = next((n for n in error.validator_value if n not in instance), "?")
        return f"{_where([*error.absolute_path, missing])} is required"
    if keyword == "additionalProperties":
        known = error.schema.get("properties", {})
        extra = next((k for k in instance if k not in known), "?")
        return f"{_where([*error.absolute_path, preview(str(extra), 40)])} is not allowed"
    rule = preview(orjson.dumps(error.validator_value, default=str).decode(), 60)
    return f"{where or 'the payload'} breaks {keyword} {rule}"


def _where(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text
