"""A deterministic OCPP 1.6 scenario for the TUI tests: three stations, as the CSMS captured them.

Every timestamp is fixed (the day starts 2025-03-01T10:00:00Z) and every value
is a literal or computed from a loop index, so the folded state, the frame log
and the snapshots are the same on every run.

What it holds:
- CP-ALPHA (2 connectors, declares 2): a complete transaction 101 on #1
  (Authorize, StartTransaction, ten MeterValues, StopTransaction with
  transactionData), #2 Available.
- CP-BRAVO (3 connectors, declares 2 → ⚠ contradicted): an open transaction
  102 on #2 with climbing meter values.
- CP-CHARLIE (1 connector, declares 1): #1 Faulted with GroundFailure; a
  RemoteStartTransaction sent to it is answered with a CALLERROR; it
  disconnects at the end (offline).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ocppdeck.core.clock import to_iso
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.tui.app import OcppDeckApp
from tests.helpers.engine import make_settings
from tests.helpers.folded import FoldedSource

T0 = datetime(2025, 3, 1, 10, 0, 0, tzinfo=UTC).timestamp()
PROTO = "ocpp1.6"
ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"

# station id, vendor, model, connectors it reports, connectors it declares
STATIONS = (
    ("CP-ALPHA", "ACME", "Twin22", 2, 2),
    ("CP-BRAVO", "Voltia", "Tri50", 3, 2),
    ("CP-CHARLIE", "Ohmly", "Solo7", 1, 1),
)

ALPHA_TX = 101
BRAVO_TX = 102
ID_TAG_ALPHA = "TAG-ALPHA"
ID_TAG_BRAVO = "TAG-BRAVO"
REMOTE_START_UID = "csms-remote-start-1"


class _Builder:
    """Appends frames in capture order; message ids are counters, never random."""

    def __init__(self) -> None:
        self.frames: list[Frame] = []
        self._n = 0

    def uid(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}-{self._n:04d}"

    def event(self, ts: float, station: str, kind: Kind, text: str = "") -> None:
        proto = "" if kind is Kind.SERVER_START else PROTO
        self.frames.append(Frame(ts, station, Direction.IN, kind, protocol=proto, text=text))

    def exchange(
        self,
        ts: float,
        station: str,
        direction: Direction,
        action: str,
        payload: dict[str, Any],
        answer: dict[str, Any],
        *,
        latency: float = 0.05,
        uid: str | None = None,
    ) -> str:
        """A CALL and its CALLRESULT `latency` seconds later; returns the message id."""
        uid = uid or self.uid("st" if direction is Direction.IN else "csms")
        back = Direction.OUT if direction is Direction.IN else Direction.IN
        self.frames.append(Frame(ts, station, direction, Kind.CALL, uid, action, payload, PROTO))
        self.frames.append(Frame(ts + latency, station, back, Kind.RESULT, uid, "", answer, PROTO))
        return uid

    def call_error(
        self,
        ts: float,
        station: str,
        action: str,
        payload: dict[str, Any],
        code: str,
        description: str,
        uid: str,
    ) -> None:
        """A CSMS CALL answered by the station with a CALLERROR."""
        self.frames.append(
            Frame(ts, station, Direction.OUT, Kind.CALL, uid, action, payload, PROTO)
        )
        self.frames.append(
            Frame(ts + 0.12, station, Direction.IN, Kind.ERROR, uid, code, {}, PROTO, description)
        )


def _status(b: _Builder, ts: float, station: str, cid: int, status: str, error: str = "NoError"):
    payload = {
        "connectorId": cid,
        "errorCode": error,
        "status": status,
        "timestamp": to_iso(ts),
    }
    b.exchange(ts, station, Direction.IN, "StatusNotification", payload, {})


def _meter_value(ts: float, energy_wh: int, power_w: int) -> dict[str, Any]:
    return {
        "timestamp": to_iso(ts),
        "sampledValue": [
            {
                "value": str(energy_wh),
                "measurand": ENERGY,
                "unit": "Wh",
                "context": "Sample.Periodic",
            },
            {"value": str(power_w), "measurand": POWER, "unit": "W", "context": "Sample.Periodic"},
        ],
    }


def _meter_values(b: _Builder, ts: float, station: str, cid: int, tx: int, wh: int, w: int):
    payload = {"connectorId": cid, "transactionId": tx, "meterValue": [_meter_value(ts, wh, w)]}
    b.exchange(ts, station, Direction.IN, "MeterValues", payload, {})


def _bring_up(b: _Builder, at: float, station: str, vendor: str, model: str, seen: int, said: int):
    """Connect, boot, be asked NumberOfConnectors, report every connector Available."""
    b.event(at, station, Kind.CONNECTED, "127.0.0.1:50000")
    boot = {
        "chargePointVendor": vendor,
        "chargePointModel": model,
        "firmwareVersion": "1.0.0",
        "chargePointSerialNumber": f"SN-{station}",
    }
    b.exchange(
        at + 0.2,
        station,
        Direction.IN,
        "BootNotification",
        boot,
        {"status": "Accepted", "currentTime": to_iso(at + 0.25), "interval": 60},
    )
    b.exchange(
        at + 0.5,
        station,
        Direction.OUT,
        "GetConfiguration",
        {"key": ["NumberOfConnectors"]},
        {"configurationKey": [{"key": "NumberOfConnectors", "readonly": True, "value": str(said)}]},
        latency=0.08,
    )
    for cid in range(seen + 1):
        _status(b, at + 1.0 + cid * 0.1, station, cid, "Available")


def scenario_frames() -> list[Frame]:
    """The scenario's frames in capture order (timestamps never go backwards)."""
    b = _Builder()
    b.event(T0, "", Kind.SERVER_START, "ocppdeck started")
    for i, (station, vendor, model, seen, said) in enumerate(STATIONS):
        _bring_up(b, T0 + 5 + i * 10, station, vendor, model, seen, said)

    # CP-ALPHA #1: a complete transaction, 10:01:00 → 10:11:30.
    start = T0 + 60
    b.exchange(
        start,
        "CP-ALPHA",
        Direction.IN,
        "Authorize",
        {"idTag": ID_TAG_ALPHA},
        {"idTagInfo": {"status": "Accepted"}},
    )
    _status(b, start + 1, "CP-ALPHA", 1, "Preparing")
    b.exchange(
        start + 2,
        "CP-ALPHA",
        Direction.IN,
        "StartTransaction",
        {
            "connectorId": 1,
            "idTag": ID_TAG_ALPHA,
            "meterStart": 1000,
            "timestamp": to_iso(start + 2),
        },
        {"transactionId": ALPHA_TX, "idTagInfo": {"status": "Accepted"}},
    )
    _status(b, start + 3, "CP-ALPHA", 1, "Charging")

    # CP-BRAVO #2: a transaction that stays open, from 10:03:00.
    bravo = T0 + 180
    b.exchange(
        bravo,
        "CP-BRAVO",
        Direction.IN,
        "Authorize",
        {"idTag": ID_TAG_BRAVO},
        {"idTagInfo": {"status": "Accepted"}},
    )
    _status(b, bravo + 1, "CP-BRAVO", 2, "Preparing")
    b.exchange(
        bravo + 2,
        "CP-BRAVO",
        Direction.IN,
        "StartTransaction",
        {
            "connectorId": 2,
            "idTag": ID_TAG_BRAVO,
            "meterStart": 50000,
            "timestamp": to_iso(bravo + 2),
        },
        {"transactionId": BRAVO_TX, "idTagInfo": {"status": "Accepted"}},
    )
    _status(b, bravo + 3, "CP-BRAVO", 2, "Charging")

    # Meter values, one a minute: ALPHA climbs to 11 kW over ten minutes,
    # BRAVO (from minute 4) charges at a steady-ish 45-50 kW.
    for k in range(1, 11):
        ts = start + 2 + k * 60
        _meter_values(b, ts, "CP-ALPHA", 1, ALPHA_TX, 1000 + k * 180, 3000 + k * 800)
        if k >= 3:
            j = k - 2
            bts = ts + 20
            _meter_values(b, bts, "CP-BRAVO", 2, BRAVO_TX, 50000 + j * 780, 45000 + (j % 4) * 1500)

    # CP-CHARLIE #1 faults at 10:06:00; a remote start there is refused with a CALLERROR.
    _status(b, T0 + 360, "CP-CHARLIE", 1, "Faulted", "GroundFailure")
    b.call_error(
        T0 + 400,
        "CP-CHARLIE",
        "RemoteStartTransaction",
        {"connectorId": 1, "idTag": ID_TAG_ALPHA},
        "InternalError",
        "connector 1 is faulted (GroundFailure)",
        REMOTE_START_UID,
    )

    # CP-ALPHA stops at 10:12:00 with its transaction data.
    stop = start + 2 + 11 * 60
    data = [_meter_value(start + 2 + k * 300, 1000 + k * 900, 3000 + k * 4000) for k in (0, 1, 2)]
    b.exchange(
        stop,
        "CP-ALPHA",
        Direction.IN,
        "StopTransaction",
        {
            "transactionId": ALPHA_TX,
            "idTag": ID_TAG_ALPHA,
            "meterStop": 3000,
            "timestamp": to_iso(stop),
            "reason": "EVDisconnected",
            "transactionData": data,
        },
        {"idTagInfo": {"status": "Accepted"}},
    )
    _status(b, stop + 1, "CP-ALPHA", 1, "Finishing")
    _status(b, stop + 5, "CP-ALPHA", 1, "Available")

    # A heartbeat from each, then CP-CHARLIE leaves.
    for i, (station, *_rest) in enumerate(STATIONS):
        hb = stop + 20 + i * 5
        b.exchange(hb, station, Direction.IN, "Heartbeat", {}, {"currentTime": to_iso(hb)})
    b.event(stop + 40, "CP-CHARLIE", Kind.DISCONNECTED, "closed 1006")
    # Capture order is time order (a stable sort keeps a CALL before its answer);
    # the bus numbers frames from 1.
    ordered = sorted(b.frames, key=lambda frame: frame.ts)
    return [dataclasses.replace(frame, seq=n) for n, frame in enumerate(ordered, start=1)]


def scenario_app(theme: str = "ocppdeck-dark") -> OcppDeckApp:
    """The console on the folded scenario; FoldedSource never touches data_dir."""
    settings = make_settings(Path("/nonexistent-unused"), theme=theme)
    return OcppDeckApp(FoldedSource(scenario_frames(), settings, name="scenario"))
