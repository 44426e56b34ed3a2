"""The limit in force on an EVSE over time, as the projection works it out from frames.

A profile counts from the CSMS's SetChargingProfile once the station answered Accepted,
period by period, until a matching ClearChargingProfile; a GetCompositeSchedule answer is
the station's own word until the next profile change. Any order of the same frames gives
the same line; a station's answer is bounded, and the events survive a snapshot.
"""

from __future__ import annotations

import itertools
from typing import Any

import orjson
import pytest

from ocppdeck.core.clock import to_iso
from ocppdeck.core.dialects import V16, V201
from ocppdeck.core.disk import snapshot
from ocppdeck.core.model.charging import (
    MAX_CHARGING_EVENTS,
    CompositeReported,
    limit_line,
    limits_at,
)
from ocppdeck.core.model.charging_schedule import MAX_PERIODS, PHASES, VOLTS
from ocppdeck.core.model.projection import fold
from ocppdeck.core.model.state import StationState
from ocppdeck.core.wire.frame import Direction, Frame, Kind

T0 = 1_735_725_600.0
A = VOLTS * PHASES  # W per ampere on three phases


def exchange(
    action: str,
    payload: dict[str, Any],
    answer: dict[str, Any],
    at: float,
    protocol: str = V201.name,
) -> list[Frame]:
    """The CSMS's CALL at T0 + `at` and the station's CALLRESULT a moment later."""
    uid = f"{action}-{at}"
    return [
        Frame(T0 + at, "CS1", Direction.OUT, Kind.CALL, uid, action, payload, protocol),
        Frame(T0 + at + 0.1, "CS1", Direction.IN, Kind.RESULT, uid, "", answer, protocol),
    ]


def profile_v2(
    profile_id: int, evse: int, purpose: str, limits: list[tuple[int, float]], at: float
) -> dict[str, Any]:
    periods = [{"startPeriod": start, "limit": limit} for start, limit in limits]
    schedule = {
        "id": profile_id,
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": periods,
        "startSchedule": to_iso(T0 + at),
    }
    return {
        "evseId": evse,
        "chargingProfile": {
            "id": profile_id,
            "stackLevel": 0,
            "chargingProfilePurpose": purpose,
            "chargingProfileKind": "Absolute",
            "chargingSchedule": [schedule],
        },
    }


ACCEPTED = {"status": "Accepted"}
SET = exchange(
    "SetChargingProfile", profile_v2(5, 1, "TxDefaultProfile", [(0, 16), (600, 8)], 0), ACCEPTED, 0
)
CLEAR = exchange("ClearChargingProfile", {"chargingProfileCriteria": {"evseId": 1}}, ACCEPTED, 1000)
TIMES = [T0 + s for s in (10, 599, 601, 999, 1001, 5000)]


def station(frames: list[Frame]) -> StationState:
    return fold(frames).state.stations["CS1"]


def line(frames: list[Frame]) -> list[float | None]:
    return limit_line(station(frames).charging, 1, TIMES)


def test_a_profile_holds_period_by_period_until_it_is_cleared_in_any_order() -> None:
    expected = [16 * A, 16 * A, 8 * A, 8 * A, None, None]
    for order in itertools.permutations(SET + CLEAR):
        assert line(list(order)) == expected
    # Each time alone says the same as the line.
    assert [limits_at(station(SET + CLEAR).charging, 1, t).lowest() for t in TIMES] == expected


def test_a_refused_profile_and_another_evse_have_no_limit() -> None:
    refused = exchange("SetChargingProfile", SET[0].payload, {"status": "Rejected"}, 0)
    assert line(refused) == [None] * len(TIMES)
    assert limit_line(station(SET).charging, 2, TIMES) == [None] * len(TIMES)


def test_the_station_maximum_caps_every_evse_and_a_default_on_zero_applies_to_each() -> None:
    # 1.6 words: a ChargePointMaxProfile and a TxDefaultProfile on connector 0.
    def profile16(profile_id: int, purpose: str, limit: float) -> dict[str, Any]:
        schedule = {
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
        }
        return {
            "connectorId": 0,
            "csChargingProfiles": {
                "chargingProfileId": profile_id,
                "stackLevel": 0,
                "chargingProfilePurpose": purpose,
                "chargingProfileKind": "Relative",
                "chargingSchedule": schedule,
            },
        }

    frames = [
        *exchange(
            "SetChargingProfile", profile16(1, "TxDefaultProfile", 9000), ACCEPTED, 0, V16.name
        ),
        *exchange(
            "SetChargingProfile",
            profile16(2, "ChargePointMaxProfile", 11000),
            ACCEPTED,
            5,
            V16.name,
        ),
    ]
    events = station(frames).charging
    assert limits_at(events, 3, T0 + 1).lowest() == 9000  # relative: from the call on
    assert limits_at(events, 3, T0 + 6).station == 11000
    # A newer default on connector 0 replaces the older one (same purpose and level).
    lower = exchange(
        "SetChargingProfile", profile16(7, "TxDefaultProfile", 4000), ACCEPTED, 9, V16.name
    )
    assert limits_at(station(frames + lower).charging, 3, T0 + 10).lowest() == 4000


def test_a_composite_schedule_is_the_limit_until_a_profile_changes() -> None:
    composite = {
        "status": "Accepted",
        "schedule": {
            "evseId": 1,
            "duration": 3600,
            "scheduleStart": to_iso(T0 + 100),
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 5000}],
        },
    }
    asked = exchange("GetCompositeSchedule", {"evseId": 1, "duration": 3600}, composite, 100)
    frames = SET + asked + CLEAR
    assert [e for e in station(frames).charging if isinstance(e, CompositeReported)]
    assert line(frames) == [16 * A, 5000, 5000, 5000, None, None]


def test_a_stations_answer_is_bounded_and_a_broken_one_is_no_schedule() -> None:
    many = [{"startPeriod": n, "limit": 10} for n in range(10_000)]
    huge = {
        "status": "Accepted",
        "schedule": {
            "evseId": 1,
            "duration": 60,
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": many,
        },
    }
    asked = exchange("GetCompositeSchedule", {"evseId": 1, "duration": 60}, huge, 0)
    [told] = station(asked).charging
    assert isinstance(told, CompositeReported) and len(told.schedule.periods) == MAX_PERIODS
    broken = {
        "status": "Accepted",
        "schedule": {
            "evseId": 1,
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": "lots"}],
        },
    }
    assert station(exchange("GetCompositeSchedule", {"evseId": 1}, broken, 0)).charging == ()
    # Endless changes keep only the newest events.
    flood = [
        frame
        for n in range(MAX_CHARGING_EVENTS + 10)
        for frame in exchange("ClearChargingProfile", {"chargingProfileId": n}, ACCEPTED, n)
    ]
    assert len(station(flood).charging) == MAX_CHARGING_EVENTS


def test_the_events_survive_a_snapshot_and_a_damaged_one_is_refused() -> None:
    projection = fold(SET + CLEAR)
    data = snapshot.dump(projection, 4)
    again = snapshot.read(data).projection.state.stations["CS1"]
    assert again.charging == projection.state.stations["CS1"].charging
    doc = orjson.loads(data)
    doc["state"]["stations"][0]["charging"][0][0] = "bribe"
    with pytest.raises(snapshot.SnapshotError, match="bribe"):
        snapshot.read(orjson.dumps(doc))
