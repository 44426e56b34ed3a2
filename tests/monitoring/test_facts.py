"""What monitoring and display messages become in the state, folded from frames alone (so
live, replay and reports agree): the newest event per component and variable, monitors and
messages the station's Clear… answer ended (in either order of call and answer), customer
information assembled from its parts, and every one bounded under a flood."""

from __future__ import annotations

import itertools
import random
from typing import Any

from ocppdeck.core.model.customer_information import MAX_REPORT_TEXT, customer_reports
from ocppdeck.core.model.limits import MAX_NOTICE_SUBJECT, MAX_NOTICE_TEXT, MAX_NOTICES
from ocppdeck.core.model.state import State, Topic
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from tests.helpers.folded import project
from tests.helpers.station_reports import T0, V201, iso

SID = "CS1"


def frame(
    direction: Direction, kind: Kind, uid: str, action: str, payload: Any, at: float
) -> Frame:
    return Frame(T0 + at, SID, direction, kind, uid, action, payload, V201)


def station_call(action: str, payload: dict[str, Any], at: float, uid: str = "") -> Frame:
    return frame(Direction.IN, Kind.CALL, uid or f"{action}-{at}", action, payload, at)


def event(at: float, variable: str, value: str, cleared: bool = False) -> dict[str, Any]:
    return {
        "eventId": int(at),
        "timestamp": iso(at),
        "trigger": "Alerting",
        "actualValue": value,
        "cleared": cleared,
        "eventNotificationType": "CustomMonitor",
        "component": {"name": "EVSE", "evse": {"id": 1}},
        "variable": {"name": variable},
    }


def notify_event(at: float, *events: dict[str, Any]) -> Frame:
    payload = {"generatedAt": iso(at), "seqNo": 0, "eventData": list(events)}
    return station_call("NotifyEvent", payload, at)


def events(state: State) -> list[tuple[str, str, bool]]:
    return [(n.subject, n.detail, n.flag) for n in state.stations[SID].noticed(Topic.EVENT)]


def test_the_newest_event_per_variable_stands_in_any_order() -> None:
    frames = [
        notify_event(1, event(1, "Power", "7400")),
        notify_event(2, event(2, "Power", "200", cleared=True)),
        notify_event(3, event(3, "Temperature", "81")),
    ]
    expected = [
        ("EVSE/Power", "value 200, cleared, CustomMonitor", False),  # back under: no alert
        ("EVSE/Temperature", "value 81, CustomMonitor", True),
    ]
    for order in itertools.permutations(frames):
        assert events(project(order)) == expected


def message_info(message_id: int, content: str) -> dict[str, Any]:
    return {
        "id": message_id,
        "priority": "InFront",
        "message": {"format": "UTF8", "content": content},
    }


def test_a_cleared_display_message_leaves_the_list_whatever_the_order() -> None:
    report = {"requestId": 1, "messageInfo": [message_info(1, "one"), message_info(2, "two")]}
    frames = [
        station_call("NotifyDisplayMessages", report, 1),
        frame(Direction.OUT, Kind.CALL, "clr", "ClearDisplayMessage", {"id": 2}, 2),
        frame(Direction.IN, Kind.RESULT, "clr", "", {"status": "Accepted"}, 3),
    ]
    for order in itertools.permutations(frames):
        kept = project(order).stations[SID].noticed(Topic.DISPLAY)
        assert {n.subject: n.status for n in kept} == {"1": "InFront", "2": "Cleared"}
    refused = [*frames[:2], frame(Direction.IN, Kind.RESULT, "clr", "", {"status": "Rejected"}, 3)]
    kept = project(refused).stations[SID].noticed(Topic.DISPLAY)
    assert {n.subject: n.status for n in kept} == {"1": "InFront", "2": "InFront"}


def test_cleared_monitors_leave_the_list_by_their_station_ids() -> None:
    monitors = [
        {
            "component": {"name": "EVSE", "evse": {"id": 1}},
            "variable": {"name": "Power"},
            "variableMonitoring": [
                {"id": n, "transaction": False, "value": 10.0 * n, "type": "Delta", "severity": 5}
                for n in (1, 2, 3)
            ],
        }
    ]
    report = {"requestId": 4, "seqNo": 0, "generatedAt": iso(1), "monitor": monitors}
    answer = {
        "clearMonitoringResult": [{"id": 1, "status": "Accepted"}, {"id": 3, "status": "Rejected"}]
    }
    state = project(
        [
            station_call("NotifyMonitoringReport", report, 1),
            frame(Direction.OUT, Kind.CALL, "cvm", "ClearVariableMonitoring", {"id": [1, 3]}, 2),
            frame(Direction.IN, Kind.RESULT, "cvm", "", answer, 3),
        ]
    )
    kept = state.stations[SID].noticed(Topic.MONITOR)
    assert {n.subject: n.status for n in kept} == {"1": "Cleared", "2": "Delta", "3": "Delta"}


def customer_part(request: int, seq: int, data: str, tbc: bool, at: float) -> Frame:
    payload = {"data": data, "seqNo": seq, "generatedAt": iso(at), "requestId": request, "tbc": tbc}
    return station_call("NotifyCustomerInformation", payload, at, f"ci-{request}-{seq}")


def test_customer_information_parts_are_put_in_order_and_a_gap_shows() -> None:
    parts = [customer_part(7, n, f"<{n}>", n < 3, n + 1) for n in range(4)]
    random.Random(5).shuffle(parts)
    gap = [customer_part(8, n, "x", n < 2, 10 + n) for n in (0, 2)]
    reports = customer_reports(project([*parts, *gap]).stations[SID].noticed(Topic.CUSTOMER))
    assert [(r.request_id, r.parts, r.complete, r.text) for r in reports] == [
        ("8", 2, False, "xx"),  # part 1 never came
        ("7", 4, True, "<0><1><2><3>"),
    ]


def test_a_flood_of_parts_and_events_stays_within_the_bounds() -> None:
    huge = "[b]" + "é" * 5_000  # past every schema's bound: a station unchecked may send it
    flood = [customer_part(9, n, huge, True, n / 1000) for n in range(MAX_NOTICES + 300)]
    many = [event(1, f"V{n}", huge) for n in range(MAX_NOTICES + 300)]
    long_name = {"name": "C" * 5_000, "evse": {"id": 1}}
    odd = [{**event(2, "P", "1"), "component": long_name}]
    state = project([*flood, notify_event(1, *many), notify_event(2, *odd)])
    station = state.stations[SID]
    kept = station.noticed(Topic.CUSTOMER)
    assert len(kept) <= MAX_NOTICES
    assert all(len(n.detail) <= MAX_NOTICE_TEXT for n in kept)
    [report] = customer_reports(kept)
    assert len(report.text) == MAX_REPORT_TEXT and not report.complete
    seen = station.noticed(Topic.EVENT)
    assert len(seen) <= MAX_NOTICES
    assert all(
        len(n.subject) <= MAX_NOTICE_SUBJECT and len(n.detail) <= MAX_NOTICE_TEXT for n in seen
    )
