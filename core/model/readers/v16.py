"""OCPP 1.6 reader: the facts in a 1.6 message. Pure functions."""

from __future__ import annotations

from typing import Any

from ...wire.frame import Direction, Frame, Kind
from .. import facts as f
from .. import readings
from ..readings import finite_number, payload_time
from .charging_profiles import charging_events
from .notices import notices


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _unit_v16(sv: dict[str, Any]) -> tuple[str | None, int]:
    return sv.get("unit"), 0


def meter_samples(
    meter_values: Any, evse: int, fallback: float, transaction_id: str | None
) -> list[f.MeterSample]:
    """Energy (Wh) and power (W) per 1.6 `meterValue` entry (`unit` beside the value);
    `fallback` is the time of the frame they came in."""
    return readings.meter_samples(meter_values, evse, fallback, transaction_id, _unit_v16)


def expects_answer(call: Frame) -> bool:
    """Every OCPP-J CALL is answered."""
    return True


def call_facts(frame: Frame) -> list[f.Fact]:
    """Facts a CALL says by itself, before any answer."""
    p = frame.payload if isinstance(frame.payload, dict) else {}
    action = frame.action
    if frame.direction is not Direction.IN:
        return []
    if action == "Heartbeat":
        return [f.Heartbeat(frame.ts)]
    if action == "BootNotification":
        return [
            f.Booted(
                frame.ts,
                str(p.get("chargePointVendor", "")),
                str(p.get("chargePointModel", "")),
                str(p.get("firmwareVersion", "")),
                str(p.get("chargePointSerialNumber", p.get("chargeBoxSerialNumber", ""))),
            )
        ]
    if action == "StatusNotification":
        evse = _int(p.get("connectorId"))
        if evse is None:
            return []
        at = payload_time(p, frame.ts)
        status, error_code = str(p.get("status", "")), str(p.get("errorCode", ""))
        info = str(p.get("info", "") or p.get("vendorErrorCode", "") or "")
        found: list[f.Fact] = [f.StatusChanged(at, frame.ts, evse, status, error_code, info)]
        if status == "Faulted" or error_code not in ("", "NoError"):
            found.append(f.Faulted(at, evse, 0, status, error_code, info))
        return found
    if action == "MeterValues":
        evse = _int(p.get("connectorId"))
        if evse is None:
            return []
        tx = p.get("transactionId")
        return list(meter_samples(p.get("meterValue"), evse, frame.ts, _tx_id(tx)))
    if action == "StopTransaction":
        tx = _tx_id(p.get("transactionId"))
        if tx is None:
            return []
        at = payload_time(p, frame.ts)
        meter_stop = finite_number(p.get("meterStop"))
        return [f.TxStopped(at, tx, meter_stop, str(p.get("reason", "Local")))]
    return list(notices(frame))


def answer_facts(call: Frame, answer: Frame) -> list[f.Fact]:
    """Facts that need a CALL joined to its CALLRESULT (or CALLERROR)."""
    if answer.kind is not Kind.RESULT:
        return []
    p = call.payload if isinstance(call.payload, dict) else {}
    r = answer.payload if isinstance(answer.payload, dict) else {}
    action = call.action
    if call.direction is Direction.OUT:
        if action == "GetConfiguration":
            return _configuration(answer, r)
        return list(charging_events(call, answer))
    if action == "BootNotification":
        return [f.BootAnswered(answer.ts, str(r.get("status", "")))]
    found: list[f.Fact] = []
    if action in _TAG_ACTIONS:
        status = _tag_status(r.get("idTagInfo"))
        if status is not None and status != "Accepted":
            found.append(f.AuthRejected(answer.ts, str(p.get("idTag", "")), status, action))
    if action == "StartTransaction":
        tx = _tx_id(r.get("transactionId"))
        evse = _int(p.get("connectorId"))
        if tx is None or evse is None:
            return found
        at = payload_time(p, call.ts)
        meter_start = finite_number(p.get("meterStart"))
        tag = str(p.get("idTag", ""))
        found.insert(0, f.TxStarted(at, call.ts, tx, evse, tag, meter_start))
        if meter_start is not None:
            found.append(f.MeterSample(at, call.ts, evse, meter_start, None, tx))
    return found


# Station calls whose answer carries an idTagInfo.
_TAG_ACTIONS = frozenset({"Authorize", "StartTransaction", "StopTransaction"})


def _tag_status(info: Any) -> str | None:
    return str(info.get("status", "")) if isinstance(info, dict) else None


def _configuration(answer: Frame, r: dict[str, Any]) -> list[f.Fact]:
    """The NumberOfConnectors a GetConfiguration answer lists."""
    items = r.get("configurationKey")
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict) and item.get("key") == "NumberOfConnectors":
            count = _int(item.get("value"))
            if count is not None:
                return [f.ConnectorsDeclared(answer.ts, count)]
    return []


def stop_samples(call: Frame, evse: int) -> list[f.MeterSample]:
    """Readings inside a StopTransaction, once its connector (EVSE) is known."""
    p = call.payload if isinstance(call.payload, dict) else {}
    tx = _tx_id(p.get("transactionId"))
    samples = meter_samples(p.get("transactionData"), evse, call.ts, tx)
    meter_stop = finite_number(p.get("meterStop"))
    if meter_stop is not None:
        at = payload_time(p, call.ts)
        samples.append(f.MeterSample(at, call.ts, evse, meter_stop, 0.0, tx))
    return samples


def _tx_id(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    return str(value)
