"""OCPP 2.0.1 / 2.1 reader: the facts in a 2.x message. Pure.

State is station → EVSE → connector for every version (core/model/state.py): a 2.x
EVSE n sits where a 1.6 connector n does, with its meter and transactions,
and a StatusNotification's connectorId names the connector within it. A
NotifyReport's EVSE and Connector components declare the inventory, and every
variable it lists keeps its Actual value and mutability for the configuration.
TransactionEvents that name no EVSE carry their transaction id, and the
projection finds the EVSE from the transaction (a later event of it names one).
"""

from __future__ import annotations

from typing import Any

from ...clock import parse_iso
from ...wire.frame import Direction, Frame, Kind
from .. import facts as f
from .. import readings
from ..readings import finite_number, payload_time
from ..state import VariableKey
from . import costs
from .charging_profiles import charging_events
from .cleared import cleared_notices
from .notices import notices


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _unit_v2(sv: dict[str, Any]) -> tuple[str | None, int]:
    unit = _dict(sv.get("unitOfMeasure"))
    return unit.get("unit"), int(finite_number(unit.get("multiplier")) or 0)


def meter_samples(
    meter_values: Any,
    evse_id: int,
    fallback: float,
    transaction_id: str | None,
    heard: float | None = None,
) -> list[f.MeterSample]:
    """Energy (Wh) and power (W) per 2.x `meterValue` entry, unit and multiplier applied;
    `heard` is when their frame came (`fallback` unless given)."""
    return readings.meter_samples(meter_values, evse_id, fallback, transaction_id, _unit_v2, heard)


def expects_answer(call: Frame) -> bool:
    """Every OCPP-J CALL is answered."""
    return True


def call_facts(frame: Frame) -> list[f.Fact]:
    """Facts a 2.x CALL from a station says by itself."""
    if frame.direction is not Direction.IN:
        return costs.pushed(frame)
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
        evse = finite_number(p.get("evseId"))
        if evse is None:
            return []
        status = str(p.get("connectorStatus", ""))
        number = finite_number(p.get("connectorId"))
        connector = int(number or 0) if evse else 0
        at = payload_time(p, frame.ts)
        found: list[f.Fact] = [f.StatusChanged(at, frame.ts, int(evse), status, "", "", connector)]
        if status == "Faulted":
            found.append(f.Faulted(at, int(evse), connector, status, "", ""))
        return found
    if action == "MeterValues":
        evse = finite_number(p.get("evseId"))
        if evse is None:
            return []
        return list(meter_samples(p.get("meterValue"), int(evse), frame.ts, None))
    if action == "TransactionEvent":
        return _transaction_event(p, frame.ts)
    if action == "NotifyReport":
        return _report(p, frame.ts)
    return list(notices(frame))


def _report(p: dict[str, Any], heard: float) -> list[f.Fact]:
    """The variables a NotifyReport part lists, and its EVSEs and connectors; `heard` is
    when it came."""
    at = parse_iso(p.get("generatedAt"))
    at = heard if at is None else at
    found: list[f.Fact] = []
    data = p.get("reportData")
    items = data if isinstance(data, list) else []
    entries = tuple(filter(None, (_variable(_dict(item)) for item in items)))
    if entries:
        found.append(f.VariablesReported(at, entries))
    request_id = finite_number(p.get("requestId"))
    pairs: set[tuple[int, int]] = set()
    for item in p.get("reportData") or ():
        component = _dict(_dict(item).get("component"))
        evse = _dict(component.get("evse"))
        evse_id = finite_number(evse.get("id"))
        if evse_id is None or evse_id < 1:
            continue
        name = component.get("name")
        if name == "EVSE":
            pairs.add((int(evse_id), 0))
        elif name == "Connector":
            connector = finite_number(evse.get("connectorId"))
            pairs.add((int(evse_id), int(connector) if connector and connector > 0 else 0))
    if request_id is not None and pairs:
        found.append(f.EvsesReported(at, heard, int(request_id), frozenset(pairs)))
    return found


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _variable(item: dict[str, Any]) -> tuple[VariableKey, str | None, str] | None:
    """A reportData item's variable with its Actual value and mutability (None: no Actual)."""
    component = _dict(item.get("component"))
    variable = _dict(item.get("variable"))
    name, var_name = _text(component.get("name")), _text(variable.get("name"))
    attributes = item.get("variableAttribute")
    actual = next(
        (
            _dict(a)
            for a in (attributes if isinstance(attributes, list) else ())
            if _dict(a).get("type", "Actual") == "Actual"
        ),
        None,
    )
    if not name or not var_name or actual is None:
        return None
    evse = _dict(component.get("evse"))
    evse_id, connector = finite_number(evse.get("id")), finite_number(evse.get("connectorId"))
    key = VariableKey(
        name,
        var_name,
        _text(component.get("instance")),
        _text(variable.get("instance")),
        int(evse_id or 0),
        int(connector or 0),
    )
    value = actual.get("value")
    mutability = _text(actual.get("mutability")) or "ReadWrite"  # the spec's default
    return key, value if isinstance(value, str) else None, mutability


def _transaction_event(p: dict[str, Any], heard: float) -> list[f.Fact]:
    """The event's TxEvent first (the projection tells a repeat by it), then its readings,
    start or end. A start that names no EVSE (authorized before plug-in) still starts."""
    info = _dict(p.get("transactionInfo"))
    tx = info.get("transactionId")
    if not isinstance(tx, str) or not tx:
        return []
    at = payload_time(p, heard)
    evse_id = finite_number(_dict(p.get("evse")).get("id"))
    evse = int(evse_id) if evse_id is not None and evse_id >= 1 else 0  # 0: not named
    id_token = _text(_dict(p.get("idToken")).get("idToken"))
    found: list[f.Fact] = [f.TxEvent(at, heard, tx, _seq_no(p.get("seqNo")), evse, id_token)]
    samples = meter_samples(p.get("meterValue"), evse, at, tx, heard)
    energies = [s.energy_wh for s in samples if s.energy_wh is not None]
    event = p.get("eventType")
    if event == "Started":
        meter_start = energies[0] if energies else None
        found.append(f.TxStarted(at, heard, tx, evse, id_token, meter_start))
    found.extend(samples)
    if event == "Ended":
        reason = str(info.get("stoppedReason") or "Local")
        found.append(f.TxStopped(at, tx, energies[-1] if energies else None, reason))
    return found


def _seq_no(value: Any) -> int | None:
    """A seqNo that can be one: a whole number, not negative."""
    number = finite_number(value)
    if number is None or number < 0 or number != int(number) or isinstance(value, str):
        return None
    return int(number)


# Station calls whose answer may carry an idTokenInfo.
_TOKEN_ACTIONS = frozenset({"Authorize", "TransactionEvent"})
_CERTIFICATE_CHARS = 30  # the longest AuthorizeCertificateStatusEnumType is 22


def answer_facts(call: Frame, answer: Frame) -> list[f.Fact]:
    """Facts that need a 2.x CALL joined to its CALLRESULT."""
    if call.direction is Direction.OUT:
        return [*cleared_notices(call, answer), *charging_events(call, answer)]
    if answer.kind is not Kind.RESULT:
        return []
    r = _dict(answer.payload)
    if call.action == "BootNotification":
        return [f.BootAnswered(answer.ts, str(r.get("status", "")))]
    found = costs.answered(call, answer)
    if call.action in _TOKEN_ACTIONS:
        info = r.get("idTokenInfo")
        status = str(info.get("status", "")) if isinstance(info, dict) else "Accepted"
        certificate = r.get("certificateStatus")  # Plug & Charge: why the contract was refused
        if isinstance(certificate, str) and certificate != "Accepted":
            status = f"{status} ({certificate[:_CERTIFICATE_CHARS]})"
        if status != "Accepted":
            token = str(_dict(_dict(call.payload).get("idToken")).get("idToken", ""))
            found.append(f.AuthRejected(answer.ts, token, status, call.action))
    return found


def stop_samples(call: Frame, evse: int) -> list[f.MeterSample]:
    """2.x ends carry their readings in the event itself: nothing more to add."""
    return []
