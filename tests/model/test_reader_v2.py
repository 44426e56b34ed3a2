"""2.0.1 frames land in the same state as 1.6: boot, status, readings and transactions."""

from __future__ import annotations

import itertools

import pytest

from ocppdeck.core.model.answers import answers
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from tests.helpers.folded import project

T0 = 1_735_725_600.0  # 2025-01-01T10:00:00Z


def iso(seconds: float) -> str:
    minute, second = divmod(int(seconds), 60)
    return f"2025-01-01T10:{minute:02d}:{second:02d}Z"


def call(uid: str, action: str, payload: dict[str, object], at: float) -> Frame:
    return Frame(T0 + at, "CS-201", Direction.IN, Kind.CALL, uid, action, payload, "ocpp2.0.1")


def energy(value: float, at: float, unit: str = "Wh", multiplier: int = 0) -> list[object]:
    unit_of_measure = {"unit": unit, "multiplier": multiplier}
    return [
        {"timestamp": iso(at), "sampledValue": [{"value": value, "unitOfMeasure": unit_of_measure}]}
    ]


def story() -> list[Frame]:
    boot = {"chargingStation": {"vendorName": "Ampere", "model": "AC-2"}, "reason": "PowerUp"}
    return [
        call("b", "BootNotification", boot, 0),
        Frame(
            T0,
            "CS-201",
            Direction.OUT,
            Kind.RESULT,
            "b",
            "",
            {"status": "Accepted", "currentTime": iso(0), "interval": 60},
            "ocpp2.0.1",
        ),
        call(
            "s1",
            "StatusNotification",
            {"timestamp": iso(1), "connectorStatus": "Occupied", "evseId": 1, "connectorId": 1},
            1,
        ),
        call(
            "t1",
            "TransactionEvent",
            {
                "eventType": "Started",
                "timestamp": iso(2),
                "triggerReason": "Authorized",
                "seqNo": 0,
                "transactionInfo": {"transactionId": "TX-A"},
                "evse": {"id": 1, "connectorId": 1},
                "idToken": {"idToken": "TOK-1", "type": "ISO14443"},
                "meterValue": energy(1000, 2),
            },
            2,
        ),
        call(
            "t2",
            "TransactionEvent",
            {
                "eventType": "Updated",
                "timestamp": iso(62),
                "triggerReason": "MeterValuePeriodic",
                "seqNo": 1,
                "transactionInfo": {"transactionId": "TX-A"},
                "meterValue": energy(1.5, 62, "kWh"),
            },
            62,
        ),
        call(
            "t3",
            "TransactionEvent",
            {
                "eventType": "Ended",
                "timestamp": iso(122),
                "triggerReason": "EVDeparted",
                "seqNo": 2,
                "transactionInfo": {"transactionId": "TX-A", "stoppedReason": "EVDisconnected"},
                "meterValue": energy(2, 122, "Wh", 3),
            },
            122,
        ),
    ]


def test_a_201_transaction_reads_like_a_16_one() -> None:
    state = project(story())
    station = state.stations["CS-201"]
    assert (station.vendor, station.model, station.protocol) == ("Ampere", "AC-2", "ocpp2.0.1")
    tx = state.transactions[("CS-201", "TX-A")]
    assert (tx.evse_id, tx.id_tag, tx.stop_reason) == (1, "TOK-1", "EVDisconnected")
    assert state.energy_so_far(tx) == 1000.0
    conn = station.evses[1]
    assert (conn.energy_wh, conn.status) == (2000.0, "Occupied")
    assert answers(state)["stations"]["CS-201"]["connectors"]["1"]["reading"] == 2000.0


@pytest.mark.parametrize("order", list(itertools.permutations(range(3, 6))))
def test_events_without_an_evse_wait_for_their_transaction(order: tuple[int, ...]) -> None:
    frames = story()
    shuffled = frames[:3] + [frames[i] for i in order]
    assert answers(project(shuffled)) == answers(project(frames))
