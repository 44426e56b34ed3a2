"""A charging profile as an operator writes it, the same in every version.

The console's profile editor and the control API fill a `ProfilePlan`; each version's
smart-charging builder (v16_smart_charging.py, v2_smart_charging.py) turns it into its
SetChargingProfile. Purposes and periods are the model's (core/model/charging_schedule.py),
so what the CSMS sends and what the projection reads back are the same records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...model.charging_schedule import MAX_PERIODS, Period, Purpose

RECURRENCIES = ("", "Daily", "Weekly")  # "": not recurring


@dataclass(frozen=True, slots=True)
class ProfilePlan:
    """One profile: on an EVSE (1.6: a connector; 0 the station), its purpose and stack
    level, and one schedule from `start` (an OCPP timestamp) for `duration` seconds
    (None: open-ended), repeating daily or weekly when `recurrency` says so."""

    profile_id: int
    evse: int
    purpose: Purpose
    stack_level: int
    unit: str  # "A" or "W"
    periods: tuple[Period, ...]
    start: str
    duration: int | None = None
    recurrency: str = ""
    valid_from: str = ""
    valid_to: str = ""
    transaction_id: str = ""  # a TxProfile's transaction

    @property
    def kind(self) -> str:
        """chargingProfileKind: Recurring, or Absolute from `start`."""
        return "Recurring" if self.recurrency else "Absolute"

    def periods_field(self) -> list[dict[str, Any]]:
        """chargingSchedulePeriod as the library takes it (snake_case)."""
        found = []
        for p in self.periods:
            period: dict[str, Any] = {"start_period": int(p.start), "limit": p.limit}
            if p.phases is not None:
                period["number_phases"] = p.phases
            found.append(period)
        return found

    def validity(self) -> dict[str, str]:
        """validFrom / validTo, where given."""
        found = {"valid_from": self.valid_from, "valid_to": self.valid_to}
        return {name: value for name, value in found.items() if value}


def parse_periods(text: str, phases: int | None = None) -> tuple[Period, ...]:
    """Periods from `START:LIMIT` pairs (seconds into the schedule, a limit), comma
    separated: "0:16, 1800:8". The first starts at 0; starts rise. ValueError says what
    is wrong, for the form."""
    found: list[Period] = []
    for part in (p.strip() for p in text.split(",")):
        start_text, colon, limit_text = part.partition(":")
        try:
            start, limit = int(start_text), float(limit_text)
        except ValueError:
            raise ValueError(f"{part or 'nothing'}: write START:LIMIT, e.g. 0:16") from None
        if not colon or limit < 0 or start < 0:
            raise ValueError(f"{part}: a start of 0 or more seconds and a limit of 0 or more")
        if found and start <= found[-1].start:
            raise ValueError(f"{part}: each period starts after the one before")
        found.append(Period(float(start), limit, phases))
    if not found or found[0].start != 0:
        raise ValueError("the first period starts at 0")
    if len(found) > MAX_PERIODS:
        raise ValueError(f"at most {MAX_PERIODS} periods")
    return tuple(found)
