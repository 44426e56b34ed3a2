"""A station's charging events (core/model/charging.py) in a snapshot: plain JSON lists.

Reading checks every value's type: a snapshot file is data, and a broken one raises
ValueError (the snapshot reader's SnapshotError is one) rather than a wrong state.
"""

from __future__ import annotations

from typing import Any

from ..model.charging import ChargingEvent, CompositeReported, ProfilesCleared, ProfileSet
from ..model.charging_schedule import Period, Purpose, Schedule


def _schedule(s: Schedule) -> list[Any]:
    periods = [[p.start, p.limit, p.phases] for p in s.periods]
    return [s.unit, periods, s.starts_at, s.duration, s.recurrence]


def encode(events: tuple[ChargingEvent, ...]) -> list[list[Any]]:
    """The events as lists, oldest first."""
    found: list[list[Any]] = []
    for e in events:
        match e:
            case ProfileSet():
                head = [e.evse, e.profile_id, e.purpose.value, e.stack_level]
                found.append(["set", e.at, *head, _schedule(e.schedule)])
            case ProfilesCleared():
                purpose = None if e.purpose is None else e.purpose.value
                found.append(["clear", e.at, e.profile_id, e.evse, purpose, e.stack_level])
            case CompositeReported():
                found.append(["composite", e.at, e.evse, _schedule(e.schedule)])
    return found


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {type(value).__name__}")
    return float(value)


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {type(value).__name__}")
    return value


def _maybe(read: Any, value: Any) -> Any:
    return None if value is None else read(value)


def _read_schedule(doc: Any) -> Schedule:
    unit, periods, starts_at, duration, recurrence = doc
    if unit not in ("A", "W"):
        raise ValueError(f"a schedule in {unit!r}")
    read = tuple(
        Period(_number(start), _number(limit), _maybe(_whole, phases))
        for start, limit, phases in periods
    )
    return Schedule(
        unit, read, _number(starts_at), _maybe(_number, duration), _maybe(_number, recurrence)
    )


def decode(docs: Any) -> tuple[ChargingEvent, ...]:
    """The events back from `encode`'s lists; ValueError when one is not what it wrote."""
    if not isinstance(docs, list):
        raise ValueError("charging events are a list")
    found: list[ChargingEvent] = []
    try:
        for doc in docs:
            kind, at, *rest = doc
            if kind == "set":
                evse, profile_id, purpose, level, schedule = rest
                head = (_whole(evse), _whole(profile_id), Purpose(purpose), _whole(level))
                found.append(ProfileSet(_number(at), *head, _read_schedule(schedule)))
            elif kind == "clear":
                profile_id, evse, purpose, level = rest
                criteria = (_maybe(_whole, profile_id), _maybe(_whole, evse))
                found.append(
                    ProfilesCleared(
                        _number(at), *criteria, _maybe(Purpose, purpose), _maybe(_whole, level)
                    )
                )
            elif kind == "composite":
                evse, schedule = rest
                found.append(CompositeReported(_number(at), _whole(evse), _read_schedule(schedule)))
            else:
                raise ValueError(f"no charging event {kind!r}")
    except TypeError as exc:  # a record of the wrong shape: unpacking a number, …
        raise ValueError(f"a charging event of the wrong shape: {exc}") from None
    return tuple(found)
