"""A deterministic mixed-version scenario: one OCPP 1.6 station and one 2.0.1 station.

Fixed timestamps (from 2025-03-01T10:00:00Z) and counters for message ids, as in scenario.py.
- CP-LEGACY (1.6, 2 connectors, declares 2): transaction 201 open on #1 with meter values.
- CS-NOVA (2.0.1, 2 EVSEs with one connector each, reported by NotifyReport): a TransactionEvent
  transaction on EVSE 1 (Started, periodic Updated with energy and power), EVSE 2 Available.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ocppdeck.core.clock import to_iso
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.tui.app import OcppDeckApp
from tests.helpers.engine import make_settings
from tests.helpers.folded import FoldedSource
from tests.helpers.scenario import ENERGY, POWER, T0

V16, V201 = "ocpp1.6", "ocpp2.0.1"
LEGACY, NOVA = "CP-LEGACY", "CS-NOVA"
LEGACY_TX = 201
NOVA_TX = "6f1c2a9e-4b7d-4c1e-9a53-0d2f8e7b1c42"


class _Frames:
    """Frames in capture order, message ids from a counter."""

    def __init__(self) -> None:
        self.frames: list[Frame] = []
        self._n = 0

    def event(self, ts: float, station: str, kind: Kind, proto: str, text: str) -> None:
        self.frames.append(Frame(ts, station, Direction.IN, kind, protocol=proto, text=text))

    def exchange(
        self,
        ts: float,
        station: str,
        proto: str,
        action: str,
        payload: dict[str, Any],
        answer: dict[str, Any],
        direction: Direction = Direction.IN,
    ) -> None:
        """A CALL and its CALLRESULT 50 ms later."""
        self._n += 1
        uid = f"{'st' if direction is Direction.IN else 'csms'}-{self._n:04d}"
        back = Direction.OUT if direction is Direction.IN else Direction.IN
        self.frames.append(Frame(ts, station, direction, Kind.CALL, uid, action, payload, proto))
        self.frames.append(Frame(ts + 0.05, station, back, Kind.RESULT, uid, "", answer, proto))


def _v16_sample(ts: float, wh: int, w: int, context: str = "Sample.Periodic") -> dict[str, Any]:
    return {
        "timestamp": to_iso(ts),
        "sampledValue": [
            {"value": str(wh), "measurand": ENERGY, "unit": "Wh", "context": context},
            {"value": str(w), "measurand": POWER, "unit": "W", "context": context},
        ],
    }


def _v201_sample(ts: float, wh: float, w: float, context: str) -> dict[str, Any]:
    return {
        "timestamp": to_iso(ts),
        "sampledValue": [
            {"value": wh, "measurand": ENERGY, "context": context, "unitOfMeasure": {"unit": "Wh"}},
            {"value": w, "measurand": POWER, "context": context, "unitOfMeasure": {"unit": "W"}},
        ],
    }


def _legacy(b: _Frames, at: float) -> None:
    """CP-LEGACY boots, declares 2 connectors, and starts charging on #1."""
    b.event(at, LEGACY, Kind.CONNECTED, V16, "127.0.0.1:50001")
    boot = {"chargePointVendor": "Voltaris", "chargePointModel": "VX-22", "firmwareVersion": "1.4"}
    accepted = {"status": "Accepted", "currentTime": to_iso(at + 0.25), "interval": 60}
    b.exchange(at + 0.2, LEGACY, V16, "BootNotification", boot, accepted)
    declared = {"configurationKey": [{"key": "NumberOfConnectors", "readonly": True, "value": "2"}]}
    ask = {"key": ["NumberOfConnectors"]}
    b.exchange(at + 0.5, LEGACY, V16, "GetConfiguration", ask, declared, Direction.OUT)
    for cid in range(3):
        status = {"connectorId": cid, "errorCode": "NoError", "status": "Available"}
        b.exchange(at + 1 + cid * 0.1, LEGACY, V16, "StatusNotification", status, {})
    accepted_tag = {"idTagInfo": {"status": "Accepted"}}
    b.exchange(at + 30, LEGACY, V16, "Authorize", {"idTag": "TAG-0001"}, accepted_tag)
    start = {
        "connectorId": 1,
        "idTag": "TAG-0001",
        "meterStart": 12000,
        "timestamp": to_iso(at + 31),
    }
    started = {"transactionId": LEGACY_TX, **accepted_tag}
    b.exchange(at + 31, LEGACY, V16, "StartTransaction", start, started)
    charging = {"connectorId": 1, "errorCode": "NoError", "status": "Charging"}
    b.exchange(at + 32, LEGACY, V16, "StatusNotification", charging, {})
    for k in range(1, 9):
        ts = at + 31 + k * 60
        sample = _v16_sample(ts, 12000 + k * 120, 7200)
        payload = {"connectorId": 1, "transactionId": LEGACY_TX, "meterValue": [sample]}
        b.exchange(ts, LEGACY, V16, "MeterValues", payload, {})


def _nova(b: _Frames, at: float) -> None:
    """CS-NOVA boots, reports its 2 EVSEs, and a TransactionEvent transaction runs on EVSE 1."""
    b.event(at, NOVA, Kind.CONNECTED, V201, "127.0.0.1:50002")
    station = {"model": "Duo AC", "vendorName": "Chargewell", "firmwareVersion": "2.0.3"}
    boot = {"chargingStation": station, "reason": "PowerUp"}
    accepted = {"status": "Accepted", "currentTime": to_iso(at + 0.25), "interval": 60}
    b.exchange(at + 0.2, NOVA, V201, "BootNotification", boot, accepted)
    ask = {"requestId": 1, "reportBase": "FullInventory"}
    b.exchange(at + 0.5, NOVA, V201, "GetBaseReport", ask, {"status": "Accepted"}, Direction.OUT)
    for evse in (1, 2):
        status = {
            "timestamp": to_iso(at + 1 + evse * 0.1),
            "connectorStatus": "Available",
            "evseId": evse,
            "connectorId": 1,
        }
        b.exchange(at + 1 + evse * 0.1, NOVA, V201, "StatusNotification", status, {})
    available = [{"type": "Actual", "value": "Available", "mutability": "ReadOnly"}]
    report = [
        {
            "component": component,
            "variable": {"name": "AvailabilityState"},
            "variableAttribute": available,
        }
        for evse in (1, 2)
        for component in (
            {"name": "EVSE", "evse": {"id": evse}},
            {"name": "Connector", "evse": {"id": evse, "connectorId": 1}},
        )
    ]
    notify = {
        "requestId": 1,
        "generatedAt": to_iso(at + 1.5),
        "seqNo": 0,
        "tbc": False,
        "reportData": report,
    }
    b.exchange(at + 1.5, NOVA, V201, "NotifyReport", notify, {})

    token = {"idToken": "TAG-0002", "type": "ISO14443"}
    accepted_token = {"idTokenInfo": {"status": "Accepted"}}
    b.exchange(at + 40, NOVA, V201, "Authorize", {"idToken": token}, accepted_token)
    occupied = {
        "timestamp": to_iso(at + 40.5),
        "connectorStatus": "Occupied",
        "evseId": 1,
        "connectorId": 1,
    }
    b.exchange(at + 40.5, NOVA, V201, "StatusNotification", occupied, {})
    started = {
        "eventType": "Started",
        "timestamp": to_iso(at + 41),
        "triggerReason": "Authorized",
        "seqNo": 0,
        "transactionInfo": {"transactionId": NOVA_TX, "chargingState": "Charging"},
        "evse": {"id": 1, "connectorId": 1},
        "idToken": token,
        "meterValue": [_v201_sample(at + 41, 30500.0, 0.0, "Transaction.Begin")],
    }
    b.exchange(at + 41, NOVA, V201, "TransactionEvent", started, accepted_token)
    for k in range(1, 8):
        ts = at + 41 + k * 60
        updated = {
            "eventType": "Updated",
            "timestamp": to_iso(ts),
            "triggerReason": "MeterValuePeriodic",
            "seqNo": k,
            "transactionInfo": {"transactionId": NOVA_TX, "chargingState": "Charging"},
            "meterValue": [_v201_sample(ts, 30500.0 + k * 183.3, 11000.0, "Sample.Periodic")],
        }
        b.exchange(ts, NOVA, V201, "TransactionEvent", updated, {})


def mixed_frames() -> list[Frame]:
    """The scenario's frames in capture order, numbered from 1 as the bus would."""
    b = _Frames()
    b.event(T0, "", Kind.SERVER_START, "", "ocppdeck started")
    _legacy(b, T0 + 5)
    _nova(b, T0 + 15)
    for i, (station, proto) in enumerate(((LEGACY, V16), (NOVA, V201))):
        hb = T0 + 560 + i * 5
        b.exchange(hb, station, proto, "Heartbeat", {}, {"currentTime": to_iso(hb)})
    ordered = sorted(b.frames, key=lambda frame: frame.ts)
    return [dataclasses.replace(frame, seq=n) for n, frame in enumerate(ordered, start=1)]


def mixed_app(theme: str = "ocppdeck-dark") -> OcppDeckApp:
    """The console on the folded mixed scenario."""
    settings = make_settings(Path("/nonexistent-unused"), theme=theme)
    return OcppDeckApp(FoldedSource(mixed_frames(), settings, name="mixed"))
