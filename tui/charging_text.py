"""An EVSE's smart charging in one line: the limit in force and what the station reported.

Under the live meter: the limit the projection works out (core/model/charging.py), then
the newest of each smart-charging notice of the EVSE — a limit an EMS set or cleared
(NotifyChargingLimit, ClearedChargingLimit), a profile it reported
(ReportChargingProfiles), the EV's needs and schedule. Station words are text, never markup.
"""

from __future__ import annotations

from rich.text import Text

from ..core.model.charging import limits_at
from ..core.model.state import Notice, StationState, Topic
from .formatting import kw
from .station_text import station_text

# What each topic is called on the line, in the order shown.
LABELS = {
    Topic.LIMIT: "reported limit",
    Topic.PROFILE: "profile",
    Topic.NEEDS: "EV needs",
    Topic.EV_SCHEDULE: "EV schedule",
}


def _notice_text(label: str, notice: Notice) -> Text:
    said = " ".join(part for part in (notice.subject, notice.status) if part)
    text = Text.assemble(f"{label} ", station_text(said, "bold" if notice.flag else ""))
    if notice.detail:
        text.append_text(Text.assemble(": ", station_text(notice.detail)))
    return text


def charging_line(station: StationState, evse_id: int, now: float) -> Text:
    """The EVSE's limit now and its newest smart-charging notices ("" when none)."""
    parts: list[Text] = []
    limit = limits_at(station.charging, evse_id, now).lowest()
    if limit is not None:
        parts.append(Text(f"limit {kw(limit)}", style="bold yellow"))
    for topic, label in LABELS.items():
        notice = station.latest(topic, evse_id)
        if notice is not None:
            parts.append(_notice_text(label, notice))
    return Text(" · ").join(parts)
