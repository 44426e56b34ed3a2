"""What a station no longer holds, read from its answer to the CSMS's Clear… call. Pure.

A monitor or display message the station reported stays a notice until something newer
of the same subject replaces it: here, a "Cleared" notice at the answer's time, when the
station says it removed the item (or holds none of that id). Replay and a live console
fold the same frames, so both drop it alike.
"""

from __future__ import annotations

from itertools import islice
from typing import Any

from ...wire.frame import Frame, Kind
from ..limits import MAX_NOTICE_SUBJECT, MAX_NOTICES
from ..state import Notice, Topic

CLEARED = "Cleared"
GONE = frozenset({"Accepted", "NotFound", "Unknown"})  # removed, or never held
CLEAR_ACTIONS = frozenset({"ClearDisplayMessage", "ClearVariableMonitoring"})


def _id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        return ""
    return str(value)[:MAX_NOTICE_SUBJECT]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def cleared_notices(call: Frame, answer: Frame) -> list[Notice]:
    """The notices a ClearVariableMonitoring or ClearDisplayMessage answer ends."""
    if call.action not in CLEAR_ACTIONS or answer.kind is not Kind.RESULT:
        return []
    asked, said = _dict(call.payload), _dict(answer.payload)
    if call.action == "ClearDisplayMessage":
        message = _id(asked.get("id"))
        if not message or said.get("status") not in GONE:
            return []
        return [Notice(answer.ts, Topic.DISPLAY, 0, message, CLEARED)]
    if call.action == "ClearVariableMonitoring":
        results = said.get("clearMonitoringResult")
        found = []
        for result in islice(results if isinstance(results, list) else [], MAX_NOTICES):
            monitor = _id(_dict(result).get("id"))
            if monitor and _dict(result).get("status") in GONE:
                found.append(Notice(answer.ts, Topic.MONITOR, 0, monitor, CLEARED))
        return found
    return []
