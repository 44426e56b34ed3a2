"""Schema validation we own: the `ocpp` library's schema files, compiled once per
action with jsonschema-rs and run inline.

The library validates every payload with jsonschema on a thread pool: a thread
hop per message, and 7 to 400 µs of Python per payload where jsonschema-rs takes
0.1 to 1.5 µs (measured on MeterValues, StatusNotification, Heartbeat and a 2.0.1
TransactionEvent; fastjsonschema took 0.4 to 30 µs and, like jsonschema, needs
Decimal to get `multipleOf: 0.1` right). The sessions (core/csms/sessions/host.py)
turn the library's validation off and ask here, in both directions.

The truth stays the library's: each schema is the one its own `get_validator`
reads, so what passes here passes the library. Only the fast verdict is ours.
When a payload fails, the library's validator runs, inline, to raise exactly the
error the library raises; and the actions whose 1.6 schemas need decimal numbers
(the library reads them as Decimal) go to the library's validator as before.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema_rs
from ocpp import exceptions as ocpp_errors
from ocpp.messages import Call, CallResult, MessageType, _validate_payload, get_validator

# The library validates these with Decimal numbers (1.6 `multipleOf: 0.1` fields);
# they are rare, so they keep its own path whatever the version.
_DECIMAL_ACTIONS = frozenset(
    {
        (MessageType.Call, "SetChargingProfile"),
        (MessageType.Call, "RemoteStartTransaction"),
        (MessageType.CallResult, "GetCompositeSchedule"),
    }
)


@cache
def _compiled(kind: int, action: str, version: str) -> Any | None:
    """The compiled validator of one action's request or answer; None when the library
    has no schema for it (it then refuses the action its own way)."""
    try:
        schema = get_validator(kind, action, version).schema
    except OSError:
        return None
    # The library checks no `format` (date-time, uri): neither may we, or we would refuse
    # what it accepts.
    return jsonschema_rs.Draft4Validator(schema, validate_formats=False)


def is_valid(kind: int, action: str, version: str, payload: Any) -> bool | None:
    """Whether `payload` fits the action's request (`kind` MessageType.Call) or answer
    (MessageType.CallResult) schema; None when there is no schema."""
    if (kind, action) in _DECIMAL_ACTIONS:
        # Never through get_validator without Decimal: the library caches one validator
        # per action whatever its number parser, and would then judge these in floats.
        message = Call("", action, payload) if kind == MessageType.Call else CallResult("", payload)
        message.action = action
        try:
            _validate_payload(message, version)
        except ocpp_errors.NotImplementedError:  # the library's: no schema
            return None
        except ocpp_errors.OCPPError:
            return False
        return True
    validator = _compiled(kind, action, version)
    return None if validator is None else bool(validator.is_valid(payload))


def validate(message: Call | CallResult, version: str) -> None:
    """Return when the message's payload fits its schema; otherwise raise what the library
    raises for it (an OCPPError, or NotImplementedError without a schema). Inline."""
    kind = message.message_type_id
    if (kind, message.action) not in _DECIMAL_ACTIONS:
        validator = _compiled(kind, message.action, version)
        if validator is not None and validator.is_valid(message.payload):
            return
    _validate_payload(message, version)  # the library's verdict and error, without a thread
