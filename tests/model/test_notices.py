"""What a station reports for the console to list becomes a notice in the state.

Security events (critical ones flagged), firmware, diagnostics and log status,
reservations that ended, charging limits and profiles per EVSE, an EV's needs and
schedule, monitors, display messages and customer information: each folds into its
station, the newest per subject, in any order, bounded, and survives a snapshot.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from ocppdeck.core.disk import snapshot
from ocppdeck.core.model.limits import MAX_NOTICE_TEXT, MAX_NOTICES
from ocppdeck.core.model.projection import Projection, fold
from ocppdeck.core.model.state import Notice, State, Topic
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from tests.helpers.folded import project
from tests.helpers.station_reports import REPORTS, T0, V16, V201, iso


def call(
    action: str, payload: dict[str, Any], at: float = 0.0, protocol: str = V201, uid: str = ""
) -> Frame:
    uid = uid or f"{action}-{at}"
    return Frame(T0 + at, "CS1", Direction.IN, Kind.CALL, uid, action, payload, protocol)


def notices(state: State, topic: Topic) -> list[Notice]:
    return state.stations["CS1"].noticed(topic)


@pytest.mark.parametrize(
    ("protocol", "action", "payload", "expected"), REPORTS, ids=[f"{p}-{a}" for p, a, *_ in REPORTS]
)
def test_each_report_becomes_a_notice_of_its_topic(
    protocol: str,
    action: str,
    payload: dict[str, Any],
    expected: tuple[Topic, int, str, str, str, bool],
) -> None:
    topic, evse, subject, status, detail, flag = expected
    state = project([call(action, payload, 1.0, protocol)])
    (notice,) = notices(state, topic)
    assert (notice.evse, notice.subject, notice.status, notice.detail, notice.flag) == (
        evse,
        subject,
        status,
        detail,
        flag,
    )
    assert state.stations["CS1"].latest(topic, evse) == notice


def test_every_topic_is_read_from_some_report() -> None:
    assert {expected[0] for *_, expected in REPORTS} == set(Topic)


def test_what_the_csms_sends_gives_no_notice() -> None:
    sent = call("FirmwareStatusNotification", {"status": "Installed"})
    out = Frame(sent.ts, "CS1", Direction.OUT, Kind.CALL, "o", sent.action, sent.payload, V201)
    assert not project([out]).stations["CS1"].notices


def test_the_newest_word_on_a_limit_stands_whatever_the_order() -> None:
    limit = {"chargingLimit": {"chargingLimitSource": "EMS"}, "evseId": 1}
    frames = [
        call("NotifyChargingLimit", limit, 1.0),
        call("ClearedChargingLimit", {"chargingLimitSource": "EMS", "evseId": 1}, 5.0),
        call("NotifyChargingLimit", {**limit, "evseId": 2}, 3.0),
    ]
    for order in itertools.permutations(frames):
        station = project(order).stations["CS1"]
        assert [(n.evse, n.status) for n in station.noticed(Topic.LIMIT)] == [
            (2, "Set"),
            (1, "Cleared"),
        ]
        assert station.latest(Topic.LIMIT, 1).status == "Cleared"  # type: ignore[union-attr]


def security(kind: str, at: float, tech: str = "") -> Frame:
    payload = {"type": kind, "timestamp": iso(at), "techInfo": tech}
    return call("SecurityEventNotification", payload, at, V16)


def test_every_security_event_is_kept_once_and_critical_ones_are_flagged() -> None:
    frames = [
        security("ResetOrReboot", 1),
        security("ResetOrReboot", 9),
        security("InvalidTLSVersion", 4),
        security("ResetOrReboot", 9),  # sent again (offline queue): one event
    ]
    events = notices(project(frames), Topic.SECURITY)
    assert [(n.at - T0, n.status, n.flag) for n in events] == [
        (1, "ResetOrReboot", True),
        (4, "InvalidTLSVersion", False),
        (9, "ResetOrReboot", True),
    ]


def test_a_flood_of_events_keeps_the_newest_and_cuts_long_text() -> None:
    huge = "x" * (MAX_NOTICE_TEXT * 10)
    frames = [security("InvalidMessages", n, huge) for n in range(MAX_NOTICES + 50)]
    events = notices(project(frames), Topic.SECURITY)
    assert len(events) <= MAX_NOTICES
    assert events[-1].at == T0 + MAX_NOTICES + 49  # the newest stays
    assert all(len(n.detail) == MAX_NOTICE_TEXT for n in events)


def test_strange_payloads_give_no_notice_and_break_nothing() -> None:
    frames = [
        call("NotifyMonitoringReport", {"monitor": "not a list"}),
        call("NotifyDisplayMessages", {"messageInfo": [1, None, "x"]}),
        call("ReportChargingProfiles", {"chargingProfile": {"id": 1}}),
        call("SecurityEventNotification", ["not", "an", "object"]),  # type: ignore[arg-type]
    ]
    assert not project(frames).stations["CS1"].notices


def test_notices_survive_a_snapshot() -> None:
    frames = [call(a, payload, n, protocol) for n, (protocol, a, payload, _) in enumerate(REPORTS)]
    projection = fold(frames, Projection())
    again = snapshot.read(snapshot.dump(projection, 3)).projection
    assert again.state.stations["CS1"].notices == projection.state.stations["CS1"].notices
    assert snapshot.dump(again, 3) == snapshot.dump(projection, 3)


def test_a_report_listing_too_many_monitors_keeps_a_bounded_number() -> None:
    monitor = {"id": 1, "transaction": False, "value": 1, "type": "Delta", "severity": 9}
    item = {
        "component": {"name": "EVSE"},
        "variable": {"name": "Power"},
        "variableMonitoring": [{**monitor, "id": n} for n in range(MAX_NOTICES)],
    }
    report = {"requestId": 1, "seqNo": 0, "generatedAt": iso(1), "monitor": [item] * 5}
    monitors = notices(project([call("NotifyMonitoringReport", report)]), Topic.MONITOR)
    assert len(monitors) == MAX_NOTICES
