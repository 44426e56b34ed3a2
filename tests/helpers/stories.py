"""The same station story in every OCPP version: a boot, a fault, a refused tag, a
transaction start, a CallError and unreadable text, one frame pair a second."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocppdeck.core.replay.marks import Mark
from ocppdeck.core.wire.frame import Direction, Frame, Kind

T0 = 1_740_823_200.0  # 2025-03-01T10:00:00Z
OUT, IN = Direction.OUT, Direction.IN


class Story:
    """One station's frames: a CALL and its answer per step, ids from a counter."""

    def __init__(self, protocol: str) -> None:
        self.protocol = protocol
        self.frames: list[Frame] = [Frame(T0, "ST", IN, Kind.CONNECTED, protocol=protocol)]
        self._n = 0

    def _at(self) -> float:
        return T0 + len(self.frames)

    def exchange(self, action: str, payload: Any, answer: Any, by_station: bool = True) -> None:
        self._n += 1
        uid, (way, back) = f"m{self._n}", (IN, OUT) if by_station else (OUT, IN)
        call = Frame(self._at(), "ST", way, Kind.CALL, uid, action, payload, self.protocol)
        self.frames.append(call)
        self.frames.append(
            Frame(self._at(), "ST", back, Kind.RESULT, uid, "", answer, call.protocol)
        )

    def refused_call(self, action: str, payload: Any, code: str) -> None:
        """The CSMS calls, the station answers a CallError."""
        self._n += 1
        uid = f"m{self._n}"
        self.frames.append(
            Frame(self._at(), "ST", OUT, Kind.CALL, uid, action, payload, self.protocol)
        )
        self.frames.append(
            Frame(self._at(), "ST", IN, Kind.ERROR, uid, code, {}, self.protocol, "no such thing")
        )

    def malformed(self) -> None:
        self.frames.append(
            Frame(self._at(), "ST", IN, Kind.MALFORMED, "", "", {"error": "not JSON"}, "", "{oops")
        )


def story_16() -> list[Frame]:
    s = Story("ocpp1.6")
    boot = {"chargePointVendor": "V", "chargePointModel": "M"}
    s.exchange("BootNotification", boot, {"status": "Accepted", "currentTime": "x", "interval": 60})
    faulted = {"connectorId": 1, "status": "Faulted", "errorCode": "GroundFailure"}
    s.exchange("StatusNotification", faulted, {})
    s.exchange("Authorize", {"idTag": "BAD"}, {"idTagInfo": {"status": "Blocked"}})
    start = {"connectorId": 1, "idTag": "OK", "meterStart": 0, "timestamp": "2025-03-01T10:00:10Z"}
    s.exchange("StartTransaction", start, {"transactionId": 7, "idTagInfo": {"status": "Accepted"}})
    s.refused_call("ReserveNow", {"connectorId": 1}, "NotImplemented")
    s.malformed()
    return s.frames


def story_2x(protocol: str) -> Callable[[], list[Frame]]:
    def build() -> list[Frame]:
        s = Story(protocol)
        boot = {"chargingStation": {"vendorName": "V", "model": "M"}, "reason": "PowerUp"}
        answer = {"status": "Accepted", "currentTime": "x", "interval": 60}
        s.exchange("BootNotification", boot, answer)
        faulted = {"timestamp": "2025-03-01T10:00:02Z", "connectorStatus": "Faulted"}
        s.exchange("StatusNotification", {**faulted, "evseId": 1, "connectorId": 1}, {})
        token = {"idToken": "BAD", "type": "ISO14443"}
        s.exchange("Authorize", {"idToken": token}, {"idTokenInfo": {"status": "Blocked"}})
        started = {
            "eventType": "Started",
            "timestamp": "2025-03-01T10:00:10Z",
            "triggerReason": "Authorized",
            "seqNo": 0,
            "transactionInfo": {"transactionId": "tx-1"},
            "evse": {"id": 1, "connectorId": 1},
            "idToken": {"idToken": "OK", "type": "ISO14443"},
        }
        s.exchange("TransactionEvent", started, {"idTokenInfo": {"status": "Accepted"}})
        s.refused_call("ReserveNow", {"id": 1}, "NotImplemented")
        s.malformed()
        return s.frames

    return build


STORIES = {"ocpp1.6": story_16, "ocpp2.0.1": story_2x("ocpp2.0.1"), "ocpp2.1": story_2x("ocpp2.1")}
EXPECTED = [Mark.ERROR, Mark.ERROR, Mark.TX_START, Mark.ERROR, Mark.ERROR]
