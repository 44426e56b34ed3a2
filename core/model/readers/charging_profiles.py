"""Smart charging read from the CSMS's calls joined to the station's answers. Pure.

SetChargingProfile, ClearChargingProfile and GetCompositeSchedule, in every version (1.6
and 2.x name the same things differently; both shapes are read here): what the station
accepted becomes a charging event (core/model/charging.py). The answers are the
station's: a composite schedule keeps at most MAX_PERIODS periods, and a number that is
not one is no schedule.
"""

from __future__ import annotations

from itertools import islice
from typing import Any

from ...clock import parse_iso
from ...wire.frame import Frame, Kind
from ..charging import ChargingEvent, CompositeReported, ProfilesCleared, ProfileSet
from ..charging_schedule import MAX_PERIODS, PURPOSES, RECURRENCE, Period, Schedule
from ..readings import finite_number


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int | None:
    number = finite_number(value)
    return int(number) if number is not None and number == int(number) else None


def _schedule(raw: dict[str, Any], at: float, recurrency: Any = None) -> Schedule | None:
    """A schedule from a payload (camelCase); None when it has no readable period. A
    relative one (no startSchedule) starts at `at`, the call's time."""
    periods = []
    listed = raw.get("chargingSchedulePeriod")
    for item in islice(map(_dict, listed if isinstance(listed, list) else []), MAX_PERIODS):
        start, limit = finite_number(item.get("startPeriod")), finite_number(item.get("limit"))
        if start is None or limit is None:
            return None
        periods.append(Period(start, limit, _int(item.get("numberPhases"))))
    unit = raw.get("chargingRateUnit")
    if not periods or unit not in ("A", "W"):
        return None
    start_text = raw.get("startSchedule") or raw.get("scheduleStart")
    starts_at = parse_iso(start_text) if isinstance(start_text, str) else at
    duration = finite_number(raw.get("duration"))
    recurrence = RECURRENCE.get(recurrency) if isinstance(recurrency, str) else None
    ordered = tuple(sorted(periods, key=lambda p: p.start))
    return Schedule(unit, ordered, starts_at or at, duration, recurrence)


def _profile_set(at: float, p: dict[str, Any]) -> list[ChargingEvent]:
    # 1.6: connectorId and csChargingProfiles (chargingProfileId, one schedule);
    # 2.x: evseId and chargingProfile (id, a list of schedules: the first is the limit).
    profile = _dict(p.get("csChargingProfiles") or p.get("chargingProfile"))
    evse = _int(p.get("connectorId", p.get("evseId")))
    profile_id = _int(profile.get("chargingProfileId", profile.get("id")))
    purpose = PURPOSES.get(str(profile.get("chargingProfilePurpose")))
    level = _int(profile.get("stackLevel"))
    raw = profile.get("chargingSchedule")
    raw = _dict(raw[0] if isinstance(raw, list) and raw else raw)
    recurring = profile.get("chargingProfileKind") == "Recurring"
    schedule = _schedule(raw, at, profile.get("recurrencyKind") if recurring else None)
    if evse is None or profile_id is None or purpose is None or level is None:
        return []
    return [] if schedule is None else [ProfileSet(at, evse, profile_id, purpose, level, schedule)]


def _cleared(at: float, p: dict[str, Any]) -> list[ChargingEvent]:
    criteria = _dict(p.get("chargingProfileCriteria"))
    purpose_word = p.get("chargingProfilePurpose", criteria.get("chargingProfilePurpose"))
    purpose = PURPOSES.get(str(purpose_word)) if purpose_word is not None else None
    if purpose_word is not None and purpose is None:
        return []  # a purpose the projection does not follow (e.g. external constraints)
    return [
        ProfilesCleared(
            at,
            _int(p.get("id", p.get("chargingProfileId"))),
            _int(p.get("connectorId", criteria.get("evseId"))),
            purpose,
            _int(p.get("stackLevel", criteria.get("stackLevel"))),
        )
    ]


def _composite(at: float, p: dict[str, Any], r: dict[str, Any]) -> list[ChargingEvent]:
    # 1.6: connectorId and chargingSchedule beside scheduleStart; 2.x: one schedule object.
    raw = _dict(r.get("schedule")) or {**_dict(r.get("chargingSchedule")), **_start_of(r)}
    evse = _int(p.get("connectorId", p.get("evseId")))
    schedule = _schedule(raw, at)
    if evse is None or schedule is None:
        return []
    return [CompositeReported(at, evse, schedule)]


def _start_of(r: dict[str, Any]) -> dict[str, Any]:
    start = r.get("scheduleStart")
    return {"scheduleStart": start} if start else {}


def charging_events(call: Frame, answer: Frame) -> list[ChargingEvent]:
    """What a CSMS call of smart charging and the station's answer say, as of the call's
    time (none unless the answer is Accepted)."""
    p, r = _dict(call.payload), _dict(answer.payload)
    if answer.kind is not Kind.RESULT or r.get("status") != "Accepted":
        return []
    if call.action == "SetChargingProfile":
        return _profile_set(call.ts, p)
    if call.action == "ClearChargingProfile":
        return _cleared(call.ts, p)
    if call.action == "GetCompositeSchedule":
        return _composite(call.ts, p, r)
    return []
