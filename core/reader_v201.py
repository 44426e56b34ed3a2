"""OCPP 2.0.1 / 2.1 reader: the facts in a 2.x message. Pure.

State is station → EVSE → connector for every version (core/state.py): a 2.x
EVSE n sits where a 1.6 connector n does, with its meter and transactions,
and a StatusNotification's connectorId names the connector within it. A
NotifyReport's EVSE and Connector components declare the inventory.
TransactionEvents that name no EVSE carry their transaction id, and the
projection finds the EVSE from the transaction.
"""

from __future__ import annotations

from math import isfinite
from typing import Any

from . import facts as f
from .clock import parse_iso
from .frame import Direction, Frame, Kind
from .reader_v16 import ENERGY, POWER

PROTOCOLS = ("ocpp2.0.1", "ocpp2.1")
_SCALE = {"Wh": 1.0, "kWh": 1000.0, "W": 1.0, "kW": 1000.0}


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if isfinite(number) else None


def _time(payload: dict[str, Any], fallback: float) -> float:
    ts = parse_iso(payload.get("timestamp"))
    return fallback if ts is None else ts


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def meter_samples(
    meter_values: Any, evse_id: int, fallback: float, transaction_id: str | None
) -> list[f.MeterSample]:
    """Energy (Wh) and power (W) per `meterValue` entry, with unit and multiplier applied."""
    samples: list[f.MeterSample] = []
    for entry in meter_values if isinstance(meter_values, list) else ():
        if not isinstance(entry, dict):
            continue
        energy: float | None = None
        power: float | None = None
        for sv in entry.get("sampledValue") or ():
            if not isinstance(sv, dict) or sv.get("phase"):
                continue  # per-phase values would overwrite the total
            value = _number(sv.get("value"))
            if value is None:
                continue
            unit = _dict(sv.get("unitOfMeasure"))
            multiplier = 10 ** int(_number(unit.get("multiplier")) or 0)
            measurand = sv.get("measurand", ENERGY)
            if measurand == ENERGY:
                energy = value * multiplier * _SCALE.get(unit.get("unit") or "Wh", 1.0)
            elif measurand == POWER:
                power = value * multiplier * _SCALE.get(unit.get("unit") or "W", 1.0)
        if energy is not None or power is not None:
            at = _time(entry, fallback)
            samples.append(f.MeterSample(at, evse_id, energy, power, transaction_id))
    return samples


def expects_answer(call: Frame) -> bool:
    """Every OCPP-J CALL is answered."""
    return True


def call_facts(frame: Frame) -> list[f.Fact]:
    """Facts a 2.x CALL from a station says by itself."""
    if frame.direction is not Direction.IN:
        return []
    p = _dict(frame.payload)
    action = frame.action
    if action == "Heartbeat":
        return [f.Heartbeat(frame.ts)]
    if action == "BootNotification":
        station = _dict(p.get("chargingStation"))
        return [
            f.Booted(
                frame.ts,
                str(station.get("vendorName", "")),
                str(station.get("model", "")),
                str(station.get("firmwareVersion", "")),
                str(station.get("serialNumber", "")),
            )
        ]
    if action == "StatusNotification":
        evse = _number(p.get("evseId"))
        if evse is None:
            return []
        status = str(p.get("connectorStatus", ""))
        plug = _number(p.get("connectorId"))
        at = _time(p, frame.ts)
        return [f.StatusChanged(at, int(evse), status, "", "", int(plug or 0) if evse else 0)]
    if action == "MeterValues":
        evse = _number(p.get("evseId"))
        if evse is None:
            return []
        return list(meter_samples(p.get("meterValue"), int(evse), frame.ts, None))
    if action == "TransactionEvent":
        return _transaction_event(p, frame.ts)
    if action == "NotifyReport":
        return _report(p, frame.ts)
    return []


def _report(p: dict[str, Any], fallback: float) -> list[f.Fact]:
    """The EVSEs and connectors a NotifyReport part lists (none: no fact)."""
    request_id = _number(p.get("requestId"))
    pairs: set[tuple[int, int]] = set()
    for item in p.get("reportData") or ():
        component = _dict(_dict(item).get("component"))
        evse = _dict(component.get("evse"))
        evse_id = _number(evse.get("id"))
        if evse_id is None or evse_id < 1:
            continue
        name = component.get("name")
        if name == "EVSE":
            pairs.add((int(evse_id), 0))
        elif name == "Connector":
            connector = _number(evse.get("connectorId"))
            pairs.add((int(evse_id), int(connector) if connector and connector > 0 else 0))
    if request_id is None or not pairs:
        return []
    at = parse_iso(p.get("generatedAt"))
    return [f.EvsesReported(fallback if at is None else at, int(request_id), frozenset(pairs))]


def _transaction_event(p: dict[str, Any], fallback: float) -> list[f.Fact]:
    info = _dict(p.get("transactionInfo"))
    tx = info.get("transactionId")
    if not isinstance(tx, str) or not tx:
        return []
    at = _time(p, fallback)
    evse_id = _number(_dict(p.get("evse")).get("id"))
    evse = int(evse_id) if evse_id is not None else 0  # 0: the projection asks the transaction
    samples = meter_samples(p.get("meterValue"), evse, at, tx)
    found: list[f.Fact] = list(samples)
    event = p.get("eventType")
    energies = [s.energy_wh for s in samples if s.energy_wh is not None]
    if event == "Started" and evse:
        id_token = str(_dict(p.get("idToken")).get("idToken", ""))
        found.insert(0, f.TxStarted(at, tx, evse, id_token, energies[0] if energies else None))
    elif event == "Ended":
        reason = str(info.get("stoppedReason") or "Local")
        found.append(f.TxStopped(at, tx, energies[-1] if energies else None, reason))
    return found


def answer_facts(call: Frame, answer: Frame) -> list[f.Fact]:
    """Facts that need a 2.x CALL joined to its CALLRESULT."""
    if answer.kind is not Kind.RESULT:
        return []
    if call.action == "BootNotification" and call.direction is Direction.IN:
        return [f.BootAnswered(answer.ts, str(_dict(answer.payload).get("status", "")))]
    return []


def stop_samples(call: Frame, connector_id: int) -> list[f.MeterSample]:
    """2.x ends carry their readings in the event itself: nothing more to add."""
    return []
