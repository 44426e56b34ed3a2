"""Hand-built transaction frames of both versions, each with its answer, for projection tests.

Message ids are made up and unique unless given, so the same event sent twice (a repeat
the station sent, not one frame read twice) is two frames with two ids.
"""

from __future__ import annotations

import itertools
from typing import Any

from ocppdeck.core.clock import to_iso
from ocppdeck.core.wire.frame import Direction, Frame, Kind

T0 = 1_735_725_600.0  # 2025-01-01T10:00:00Z
V16, V201 = "ocpp1.6", "ocpp2.0.1"
ENERGY = "Energy.Active.Import.Register"
_uids = itertools.count(1)


def exchange(
    station: str,
    protocol: str,
    action: str,
    payload: dict[str, Any],
    answer: dict[str, Any],
    ts: float,
) -> list[Frame]:
    """A station's CALL and the CSMS's CALLRESULT 50 ms later."""
    uid = f"u{next(_uids)}"
    return [
        Frame(ts, station, Direction.IN, Kind.CALL, uid, action, payload, protocol),
        Frame(ts + 0.05, station, Direction.OUT, Kind.RESULT, uid, "", answer, protocol),
    ]


def tx_event(
    station: str,
    event: str,
    tx: str,
    seq: int | None,
    ts: float,
    *,
    evse: int | None = None,
    energy: float | None = None,
    token: str | None = None,
    offline: bool = False,
    reason: str = "Local",
) -> list[Frame]:
    """A 2.0.1 TransactionEvent (Started / Updated / Ended) and its answer."""
    payload: dict[str, Any] = {
        "eventType": event,
        "timestamp": to_iso(ts),
        "triggerReason": "MeterValuePeriodic",
        "transactionInfo": {"transactionId": tx},
    }
    if seq is not None:
        payload["seqNo"] = seq
    if evse is not None:
        payload["evse"] = {"id": evse, "connectorId": 1}
    if energy is not None:
        sampled = [{"value": energy, "measurand": ENERGY}]
        payload["meterValue"] = [{"timestamp": to_iso(ts), "sampledValue": sampled}]
    if token is not None:
        payload["idToken"] = {"idToken": token, "type": "ISO14443"}
    if offline:
        payload["offline"] = True
    if event == "Ended":
        payload["transactionInfo"]["stoppedReason"] = reason
    answer = {"idTokenInfo": {"status": "Accepted"}} if token is not None else {}
    return exchange(station, V201, "TransactionEvent", payload, answer, ts)


def start16(station: str, connector: int, tx: int, meter_start: int, ts: float) -> list[Frame]:
    """A 1.6 StartTransaction answered with transaction id `tx`."""
    payload = {
        "connectorId": connector,
        "idTag": "TAG-1",
        "meterStart": meter_start,
        "timestamp": to_iso(ts),
    }
    answer = {"transactionId": tx, "idTagInfo": {"status": "Accepted"}}
    return exchange(station, V16, "StartTransaction", payload, answer, ts)


def stop16(station: str, tx: int, meter_stop: int, ts: float, reason: str = "Local") -> list[Frame]:
    """A 1.6 StopTransaction and its answer."""
    payload = {"transactionId": tx, "meterStop": meter_stop, "timestamp": to_iso(ts)}
    payload["reason"] = reason
    return exchange(station, V16, "StopTransaction", payload, {}, ts)
