"""Facts of the OCPP-J envelope, the same in every version: connections opened,
closed and refused, text that is not OCPP-J, CallErrors, and what an automation
did. Pure."""

from __future__ import annotations

from ...wire.frame import Frame, Kind
from .. import facts as f

SCHEMA_CHECKS = "schemaChecks"  # a CONNECTED frame's payload: False when checks are off


def event_facts(frame: Frame) -> list[f.Fact]:
    """A connection event or unreadable text as facts."""
    kind = frame.kind
    if kind is Kind.CONNECTED:
        p = frame.payload if isinstance(frame.payload, dict) else {}
        return [f.Connected(frame.ts, frame.text, p.get(SCHEMA_CHECKS) is not False)]
    if kind is Kind.DISCONNECTED:
        return [f.Disconnected(frame.ts, frame.text)]
    if kind is Kind.REFUSED:
        return [f.Refused(frame.ts, frame.text)]
    if kind is Kind.MALFORMED:
        error = frame.payload.get("error", "") if isinstance(frame.payload, dict) else ""
        return [f.Malformed(frame.ts, frame.direction, str(error))]
    return []


def call_failed(answer: Frame, call: Frame | None) -> f.CallFailed:
    """A CALLERROR as a fact; `call` is the refused CALL when it is known."""
    action = call.action if call is not None else ""
    return f.CallFailed(answer.ts, answer.direction, answer.action, answer.text, action)


def automation_facts(frame: Frame) -> list[f.Fact]:
    """An automation's note changes state only when it closed a transaction."""
    p = frame.payload if isinstance(frame.payload, dict) else {}
    tx_id = p.get("closeTransaction")
    if not frame.station or not isinstance(tx_id, str | int) or isinstance(tx_id, bool):
        return []
    meter_stop = p.get("meterStop")
    if not isinstance(meter_stop, int | float) or isinstance(meter_stop, bool):
        meter_stop = None
    return [f.TxStopped(frame.ts, str(tx_id), meter_stop, str(p.get("reason", "Other")))]
