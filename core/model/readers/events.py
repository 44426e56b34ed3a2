"""NotifyEvent (2.x): what a station's monitors saw, read as notices. Pure.

One notice per component and variable (of an EVSE, 0: the station): the newest event
stands, so the console lists the current state of every watched variable. Every word is
the station's, cut to the bounds of core/model/limits.py; a message yields at most
MAX_NOTICES notices whatever its eventData holds.
"""

from __future__ import annotations

from itertools import islice
from typing import Any

from ..limits import MAX_NOTICE_SUBJECT, MAX_NOTICE_TEXT, MAX_NOTICES
from ..readings import finite_number, payload_time
from ..state import Notice, Topic


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _words(value: Any, limit: int = MAX_NOTICE_SUBJECT) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value)[:limit]


def _named(part: dict[str, Any]) -> str:
    """A component's or variable's name with its instance, if any."""
    name, instance = _words(part.get("name")), _words(part.get("instance"))
    return f"{name}[{instance}]" if instance else name


def where(component: dict[str, Any], variable: dict[str, Any]) -> str:
    """`Component[instance]/Variable[instance]`, as the console lists it (bounded)."""
    return f"{_named(component)}/{_named(variable)}"[:MAX_NOTICE_SUBJECT]


def evse_of(component: dict[str, Any]) -> int:
    """The EVSE a component belongs to (0: the station, or none readable)."""
    number = finite_number(_dict(component.get("evse")).get("id"))
    return int(number) if number is not None and number >= 1 else 0


def _event(item: dict[str, Any], fallback: float) -> Notice:
    component, variable = _dict(item.get("component")), _dict(item.get("variable"))
    cleared = item.get("cleared") is True
    severity = _words(item.get("severity"))
    monitor = _words(item.get("variableMonitoringId"))
    value = _words(item.get("actualValue"), MAX_NOTICE_TEXT)
    detail = ", ".join(
        part
        for part in (
            f"value {value}" if value else "",
            "cleared" if cleared else "",
            f"severity {severity}" if severity else "",
            f"monitor {monitor}" if monitor else "",
            _words(item.get("eventNotificationType")),
            _words(item.get("techCode")),
            _words(item.get("techInfo"), MAX_NOTICE_TEXT),
        )
        if part
    )[:MAX_NOTICE_TEXT]
    trigger = _words(item.get("trigger"))
    at = payload_time(item, fallback)
    # An alert still standing (a threshold crossed, not yet cleared) is flagged.
    flag = trigger == "Alerting" and not cleared
    return Notice(
        at, Topic.EVENT, evse_of(component), where(component, variable), trigger, detail, flag
    )


def event_notices(p: dict[str, Any], at: float) -> list[Notice]:
    """One notice per event of a NotifyEvent (at most MAX_NOTICES)."""
    data = p.get("eventData")
    items = data if isinstance(data, list) else []
    generated = payload_time(p, at, "generatedAt")
    return [
        _event(item, generated)
        for item in islice((i for i in items if isinstance(i, dict)), MAX_NOTICES)
    ]
