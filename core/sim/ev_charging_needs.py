"""An ISO 15118 EV on a simulated connector (K15-K17): what it tells the station it needs as
it starts to charge, and the schedule it picks within the limits it is offered. Pure.

The EV wants the energy it would take at the connector's rated power over the session's
planned charging time, and leaves when the session will end. Every simulated connector is
AC (7 to 22 kW), so it asks for AC on three phases. The 2.x link sends both messages
(core/sim/links/v2_ev_charging.py); their fields are the same in 2.0.1 and 2.1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..clock import to_iso
from ..model.charging_schedule import PHASES, VOLTS

MAX_SCHEDULE_TUPLES = 24  # periods the simulated EV takes in one schedule
MIN_CURRENT_A = 6  # the least an AC EV draws per phase (IEC 61851)
TRANSFER_MODE = "AC_three_phase"


@dataclass(frozen=True, slots=True)
class EvNeeds:
    """What an EV asked for in one transaction: energy (Wh), when it leaves (seconds since
    the epoch) and the most it draws (W)."""

    transaction_id: int | str
    energy_wh: int
    departs_at: float
    max_power_w: float


def needs_of(
    transaction_id: int | str, rated_w: float, charging_s: float, staying_s: float, now: float
) -> EvNeeds:
    """The needs of an EV that will charge `charging_s` and leave after `staying_s`."""
    energy = max(1, round(rated_w * charging_s / 3600.0))
    return EvNeeds(transaction_id, energy, now + staying_s, rated_w)


def charging_needs(needs: EvNeeds) -> dict[str, Any]:
    """NotifyEVChargingNeeds' chargingNeeds (whole numbers: 2.0.1 wants integers)."""
    per_phase = int(needs.max_power_w / (VOLTS * PHASES))
    return {
        "requestedEnergyTransfer": TRANSFER_MODE,
        "departureTime": to_iso(needs.departs_at),
        "acChargingParameters": {
            "energyAmount": needs.energy_wh,
            "evMinCurrent": MIN_CURRENT_A,
            "evMaxCurrent": max(MIN_CURRENT_A, per_phase),
            "evMaxVoltage": int(VOLTS),
        },
    }


def chosen_schedule(
    needs: EvNeeds, offered: list[tuple[float, float]], now: float, schedule_id: int
) -> dict[str, Any]:
    """The schedule the EV picks (a chargingSchedule in W from `now`) out of `offered`, the
    station's limit as (seconds from now, W) steps from 0: at each step the least of the
    offer and what the EV draws, until it leaves; at most MAX_SCHEDULE_TUPLES periods."""
    stay = max(1, round(needs.departs_at - now))
    periods: list[dict[str, Any]] = []
    for offset, watts in offered:
        start, limit = int(offset), round(min(watts, needs.max_power_w), 1)
        if start >= stay or len(periods) == MAX_SCHEDULE_TUPLES:
            break
        if periods and periods[-1]["startPeriod"] == start:
            periods.pop()  # two changes within a second: the later one stands
        if not periods or periods[-1]["limit"] != limit:
            periods.append({"startPeriod": start, "limit": limit})
    return {
        "id": schedule_id,
        "chargingRateUnit": "W",
        "duration": stay,
        "chargingSchedulePeriod": periods,
    }
