"""Notices: what a station reports for the console to list, read from its CALL. Pure.

One reader per action, for every version (an action's payload is the same wherever
its name is): security events, firmware / diagnostics / log status, reservations
that ended, charging limits, profiles, an EV's needs and schedule, monitors and
their events (events.py), display messages and customer information. Every string
is the station's: cut to the bounds of core/model/limits.py, whatever the schemas
promise (a station whose payloads are not checked may send anything), and a list
yields at most MAX_NOTICES notices.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any

from ...wire.frame import Frame
from ..limits import MAX_NOTICE_SUBJECT, MAX_NOTICE_TEXT, MAX_NOTICES
from ..readings import finite_number, payload_time
from ..state import Notice, Topic
from .events import event_notices, evse_of, where
from .security_events import is_critical


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dicts(value: Any) -> Iterator[dict[str, Any]]:
    """The objects of a list, at most MAX_NOTICES of them."""
    return islice((item for item in _list(value) if isinstance(item, dict)), MAX_NOTICES)


def _words(value: Any, limit: int = MAX_NOTICE_TEXT) -> str:
    """A station's string or number as text, cut to `limit` characters."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value)[:limit]


def _id(value: Any) -> str:
    return _words(value, MAX_NOTICE_SUBJECT)


def _evse(value: Any) -> int:
    """An EVSE id (0: the station, or none readable)."""
    number = finite_number(value)
    return int(number) if number is not None and number >= 1 else 0


def _joined(*parts: str) -> str:
    return ", ".join(part for part in parts if part)[:MAX_NOTICE_TEXT]


def _security(p: dict[str, Any], at: float) -> list[Notice]:
    kind = _id(p.get("type"))
    when = payload_time(p, at)
    subject = f"{_id(p.get('timestamp'))} {kind}"[:MAX_NOTICE_SUBJECT]
    detail = _words(p.get("techInfo"))
    return [Notice(when, Topic.SECURITY, 0, subject, kind, detail, is_critical(kind))]


def _status_of(topic: Topic) -> Callable[[dict[str, Any], float], list[Notice]]:
    """A reader of a job's status (firmware, diagnostics, log): the newest one stands."""

    def read(p: dict[str, Any], at: float) -> list[Notice]:
        request = _id(p.get("requestId"))
        # A publish names a URL per protocol it serves: a handful, so eight say enough.
        locations = ", ".join(_words(loc) for loc in islice(_list(p.get("location")), 8))
        detail = _joined(f"request {request}" if request else "", locations)
        return [Notice(at, topic, 0, "", _id(p.get("status")), detail)]

    return read


def _reservation(p: dict[str, Any], at: float) -> list[Notice]:
    reservation = _id(p.get("reservationId"))
    status = _id(p.get("reservationUpdateStatus"))
    return [Notice(at, Topic.RESERVATION, 0, reservation, status)]


def _schedule(schedule: dict[str, Any]) -> str:
    """A charging schedule in a few words: its unit, periods and first limit."""
    periods = _list(schedule.get("chargingSchedulePeriod"))
    first = _dict(periods[0]) if periods else {}
    unit = _id(schedule.get("chargingRateUnit"))
    limit = _words(first.get("limit"))
    count = f"{len(periods)} period{'s' if len(periods) > 1 else ''}" if periods else ""
    return _joined(count, f"from {limit} {unit}" if limit else "")


def _limit_set(p: dict[str, Any], at: float) -> list[Notice]:
    limit = _dict(p.get("chargingLimit"))
    source = _id(limit.get("chargingLimitSource"))
    schedules = _list(p.get("chargingSchedule"))
    detail = _schedule(_dict(schedules[0])) if schedules else ""
    critical = limit.get("isGridCritical") is True
    return [Notice(at, Topic.LIMIT, _evse(p.get("evseId")), source, "Set", detail, critical)]


def _limit_cleared(p: dict[str, Any], at: float) -> list[Notice]:
    source = _id(p.get("chargingLimitSource"))
    return [Notice(at, Topic.LIMIT, _evse(p.get("evseId")), source, "Cleared")]


def _profiles(p: dict[str, Any], at: float) -> list[Notice]:
    evse, source = _evse(p.get("evseId")), _id(p.get("chargingLimitSource"))
    found = []
    for profile in _dicts(p.get("chargingProfile")):
        schedules = _list(profile.get("chargingSchedule"))
        detail = _joined(
            f"stack level {_words(profile.get('stackLevel'))}",
            _id(profile.get("chargingProfileKind")),
            f"set by {source}" if source else "",
            _schedule(_dict(schedules[0])) if schedules else "",
        )
        purpose = _id(profile.get("chargingProfilePurpose"))
        found.append(Notice(at, Topic.PROFILE, evse, _id(profile.get("id")), purpose, detail))
    return found


def _needs(p: dict[str, Any], at: float) -> list[Notice]:
    needs = _dict(p.get("chargingNeeds"))
    wanted = next(
        (
            _words(_dict(needs.get(key)).get("energyAmount"))
            for key in ("acChargingParameters", "dcChargingParameters")
            if key in needs
        ),
        "",
    )
    departure = _words(needs.get("departureTime"))
    detail = _joined(f"{wanted} Wh" if wanted else "", f"departs {departure}" if departure else "")
    mode = _id(needs.get("requestedEnergyTransfer"))
    return [Notice(at, Topic.NEEDS, _evse(p.get("evseId")), "", mode, detail)]


def _ev_schedule(p: dict[str, Any], at: float) -> list[Notice]:
    schedule = _dict(p.get("chargingSchedule"))
    detail = _joined(_schedule(schedule), f"from {_words(p.get('timeBase'))}")
    unit = _id(schedule.get("chargingRateUnit"))
    return [Notice(at, Topic.EV_SCHEDULE, _evse(p.get("evseId")), "", unit, detail)]


def _monitors(p: dict[str, Any], at: float) -> list[Notice]:
    return list(islice(_each_monitor(p, payload_time(p, at, "generatedAt")), MAX_NOTICES))


def _each_monitor(p: dict[str, Any], at: float) -> Iterator[Notice]:
    # Keyed by the monitor's id alone (EVSE 0): ids are the station's, one per monitor,
    # so a ClearVariableMonitoring answer (core/model/readers/cleared.py) ends it by id.
    for item in _dicts(p.get("monitor")):
        component, variable = _dict(item.get("component")), _dict(item.get("variable"))
        evse = evse_of(component)
        named = where(component, variable) + (f" EVSE {evse}" if evse else "")
        for monitor in _dicts(item.get("variableMonitoring")):
            detail = _joined(
                named,
                _words(monitor.get("value")),
                f"severity {_words(monitor.get('severity'))}",
            )
            kind = _id(monitor.get("type"))
            yield Notice(at, Topic.MONITOR, 0, _id(monitor.get("id")), kind, detail)


def _display(p: dict[str, Any], at: float) -> list[Notice]:
    found = []
    for info in _dicts(p.get("messageInfo")):
        state = _id(info.get("state"))
        start, end = _id(info.get("startDateTime")), _id(info.get("endDateTime"))
        valid = f"valid {start or '…'} to {end or '…'}" if start or end else ""
        status = _joined(_id(info.get("priority")), state, valid)
        content = _words(_dict(info.get("message")).get("content"))
        found.append(Notice(at, Topic.DISPLAY, 0, _id(info.get("id")), status, content))
    return found


def _customer(p: dict[str, Any], at: float) -> list[Notice]:
    part = _id(p.get("seqNo")).zfill(6)  # zero-filled: the parts sort in their order
    subject = f"{_id(p.get('requestId'))}:{part}"[:MAX_NOTICE_SUBJECT]
    more = "more to come" if p.get("tbc") is True else "last part"
    when = payload_time(p, at, "generatedAt")
    return [Notice(when, Topic.CUSTOMER, 0, subject, more, _words(p.get("data")))]


_READERS: dict[str, Callable[[dict[str, Any], float], list[Notice]]] = {
    "SecurityEventNotification": _security,
    "FirmwareStatusNotification": _status_of(Topic.FIRMWARE),
    "SignedFirmwareStatusNotification": _status_of(Topic.FIRMWARE),
    "PublishFirmwareStatusNotification": _status_of(Topic.PUBLISH),
    "DiagnosticsStatusNotification": _status_of(Topic.DIAGNOSTICS),
    "LogStatusNotification": _status_of(Topic.LOG),
    "ReservationStatusUpdate": _reservation,
    "NotifyChargingLimit": _limit_set,
    "ClearedChargingLimit": _limit_cleared,
    "ReportChargingProfiles": _profiles,
    "NotifyEVChargingNeeds": _needs,
    "NotifyEVChargingSchedule": _ev_schedule,
    "NotifyMonitoringReport": _monitors,
    "NotifyEvent": event_notices,
    "NotifyDisplayMessages": _display,
    "NotifyCustomerInformation": _customer,
}


def notices(frame: Frame) -> list[Notice]:
    """The notices a station's CALL gives (none for an action that gives none)."""
    read = _READERS.get(frame.action)
    if read is None or not isinstance(frame.payload, dict):
        return []
    return read(frame.payload, frame.ts)
