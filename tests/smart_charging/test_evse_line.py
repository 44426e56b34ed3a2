"""The line under the live meter: an EVSE's limit now and what the station reported of
its smart charging, each newest, as text (a station's markup stays as it was typed)."""

from __future__ import annotations

from typing import Any

from ocppdeck.core.dialects import V201
from ocppdeck.core.model.projection import fold
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.tui.charging_text import charging_line

T0 = 1_735_725_600.0


def reported(action: str, payload: dict[str, Any], at: float) -> Frame:
    return Frame(T0 + at, "CS1", Direction.IN, Kind.CALL, f"u{at}", action, payload, V201.name)


SCHEDULE = {
    "id": 1,
    "chargingRateUnit": "W",
    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 7400}],
}
FRAMES = [
    reported(
        "NotifyChargingLimit",
        {
            "evseId": 1,
            "chargingLimit": {"chargingLimitSource": "EMS", "isGridCritical": True},
            "chargingSchedule": [SCHEDULE],
        },
        1,
    ),
    reported(
        "NotifyEVChargingNeeds",
        {
            "evseId": 1,
            "chargingNeeds": {
                "requestedEnergyTransfer": "AC_three_phase",
                "acChargingParameters": {
                    "energyAmount": 20000,
                    "evMinCurrent": 6,
                    "evMaxCurrent": 32,
                    "evMaxVoltage": 400,
                },
            },
        },
        2,
    ),
    reported(
        "NotifyEVChargingSchedule",
        {"evseId": 2, "timeBase": "[red]soon[/red]", "chargingSchedule": SCHEDULE},
        3,
    ),
]


def test_each_evse_shows_its_own_reports_newest_first_of_each_kind() -> None:
    station = fold(FRAMES).state.stations["CS1"]
    one = charging_line(station, 1, T0 + 5)
    assert one.plain == (
        "reported limit EMS Set: 1 period, from 7400 W · EV needs AC_three_phase: 20000 Wh"
    )
    # A grid-critical limit stands out.
    assert any("bold" in str(span.style) for span in one.spans)
    two = charging_line(station, 2, T0 + 5)
    assert two.plain == "EV schedule W: 1 period, from 7400 W, from [red]soon[/red]"


def test_a_cleared_limit_replaces_the_set_one() -> None:
    cleared = reported("ClearedChargingLimit", {"evseId": 1, "chargingLimitSource": "EMS"}, 9)
    station = fold([*FRAMES, cleared]).state.stations["CS1"]
    assert charging_line(station, 1, T0 + 10).plain.startswith("reported limit EMS Cleared · ")
