"""OCPP 1.6 reader: the facts in a 1.6 message. Pure functions."""

from __future__ import annotations

from typing import Any

from ...wire.frame import Direction, Frame, Kind
from .. import facts as f
from .. import readings
from ..readings import finite_number, payload_time


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _unit_v16(sv: dict[str, Any]) -> tuple[str | None, int]:
    return sv.get("unit"), 0


def meter_samples(
    meter_values: Any, connector_id: int, fallback: float, transaction_id: str | None
) -> list[f.MeterSample]:
    """Energy (Wh) and power (W) per 1.6 `meterValue` entry (`unit` beside the value)."""
    return readings.meter_samples(meter_values, connector_id, fallback, transaction_id, _unit_v16)


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
        cid = _int(p.get("connectorId"))
        if cid is None:
            return []
        return [
            f.StatusChanged(
                payload_time(p, frame.ts),
                cid,
                str(p.get("status", "")),
                str(p.get("errorCode", "")),
                str(p.get("info", "") or p.get("vendorErrorCode", "") or ""),
            )
        ]
    if action == "MeterValues":
        cid = _int(p.get("connectorId"))
        if cid is None:
            return []
        tx = p.get("transactionId")
        return list(meter_samples(p.get("meterValue"), cid, frame.ts, _tx_id(tx)))
    if action == "StopTransaction":
        tx = _tx_id(p.get("transactionId"))
        if tx is None:
            return []
        at = payload_time(p, frame.ts)
        meter_stop = finite_number(p.get("meterStop"))
        return [f.TxStopped(at, tx, meter_stop, str(p.get("reason", "Local")))]
    return []


def answer_facts(call: Frame, answer: Frame) -> list[f.Fact]:
    """Facts that need a CALL joined to its CALLRESULT (or CALLERROR)."""
    if answer.kind is not Kind.RESULT:
        return []
    p = call.payload if isinstance(call.payload, dict) else {}
    r = answer.payload if isinstance(answer.payload, dict) else {}
    action = call.action
    if action == "BootNotification" and call.direction is Direction.IN:
        return [f.BootAnswered(answer.ts, str(r.get("status", "")))]
    if action == "StartTransaction" and call.direction is Direction.IN:
        tx = _tx_id(r.get("transactionId"))
        cid = _int(p.get("connectorId"))
        if tx is None or cid is None:
            return []
        at = payload_time(p, call.ts)
        meter_start = finite_number(p.get("meterStart"))
        started: list[f.Fact] = [f.TxStarted(at, tx, cid, str(p.get("idTag", "")), meter_start)]
        if meter_start is not None:
            started.append(f.MeterSample(at, cid, meter_start, None, tx))
        return started
    if action == "GetConfiguration" and call.direction is Direction.OUT:
        for item in r.get("configurationKey") or ():
            if isinstance(item, dict) and item.get("key") == "NumberOfConnectors":
                count = _int(item.get("value"))
                if count is not None:
                    return [f.ConnectorsDeclared(answer.ts, count)]
    return []


def stop_samples(call: Frame, connector_id: int) -> list[f.MeterSample]:
    """Readings inside a StopTransaction, once its connector is known."""
    p = call.payload if isinstance(call.payload, dict) else {}
    tx = _tx_id(p.get("transactionId"))
    samples = meter_samples(p.get("transactionData"), connector_id, call.ts, tx)
    meter_stop = finite_number(p.get("meterStop"))
    if meter_stop is not None:
        samples.append(f.MeterSample(payload_time(p, call.ts), connector_id, meter_stop, 0.0, tx))
    return samples


def _tx_id(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    return str(value)
