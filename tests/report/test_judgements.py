"""What the report judges, on frames made for each case: 2.x energy in the station's own
unit, seqNo gaps, orphans, non-standard units, clock skew, late and missing answers,
reconnect loops and silences; sessions and faults the same in any frame order."""

from __future__ import annotations

import random
from typing import Any

from ocppdeck.core.clock import parse_iso, to_iso
from ocppdeck.core.report.build import Report, build_report
from ocppdeck.core.report.options import ReportOptions
from ocppdeck.core.wire.frame import Direction, Frame, Kind

T0 = parse_iso("2025-06-01T08:00:00Z") or 0.0
V16, V201 = "ocpp1.6", "ocpp2.0.1"
IN, OUT = Direction.IN, Direction.OUT


def iso(seconds: float) -> str:
    return to_iso(T0 + seconds)


def call(t: float, uid: str, action: str, payload: dict[str, Any], proto: str = V16,
         station: str = "CP-1", way: Direction = IN) -> Frame:  # fmt: skip
    return Frame(T0 + t, station, way, Kind.CALL, uid, action, payload, proto)


def result(t: float, uid: str, payload: dict[str, Any], proto: str = V16,
           station: str = "CP-1", way: Direction = OUT) -> Frame:  # fmt: skip
    return Frame(T0 + t, station, way, Kind.RESULT, uid, "", payload, proto)


def event(t: float, kind: Kind, station: str = "CP-1") -> Frame:
    return Frame(T0 + t, station, IN, kind, "", "", {}, V16)


def tx_event(t: float, seq: int, kind: str, kwh: float, kw: float, **extra: Any) -> Frame:
    values = [
        {"value": kwh, "measurand": "Energy.Active.Import.Register",
         "unitOfMeasure": {"unit": "kWh"}},
        {"value": kw * 10, "measurand": "Power.Active.Import",
         "unitOfMeasure": {"unit": "kW", "multiplier": -1}},
    ]  # fmt: skip
    payload = {
        "eventType": kind,
        "timestamp": iso(t),
        "triggerReason": "MeterValuePeriodic",
        "seqNo": seq,
        "transactionInfo": {"transactionId": "T-1"},
        "evse": {"id": 1, "connectorId": 1},
        "idToken": {"idToken": "TOKEN", "type": "ISO14443"},
        "meterValue": [{"timestamp": iso(t), "sampledValue": values}],
        **extra,
    }
    return call(t, f"e{seq}", "TransactionEvent", payload, V201, "EV-2")


def v2_session() -> list[Frame]:
    # Started at 12.5 kWh, 7.4 kW; seqNo 2 and 3 lost; Ended at 20 kWh.
    return [
        tx_event(0, 0, "Started", 12.5, 7.4),
        result(0, "e0", {}, V201, "EV-2"),
        tx_event(60, 1, "Updated", 14.0, 11.0),
        result(60, "e1", {}, V201, "EV-2"),
        tx_event(300, 4, "Ended", 20.0, 0.0),
        result(300, "e4", {}, V201, "EV-2"),
    ]


def start(t: float, uid: str, connector: int, meter: int, tx: int) -> list[Frame]:
    payload = {"connectorId": connector, "idTag": "TAG", "meterStart": meter, "timestamp": iso(t)}
    return [
        call(t, uid, "StartTransaction", payload),
        result(t, uid, {"transactionId": tx, "idTagInfo": {"status": "Accepted"}}),
    ]


def stop(t: float, uid: str, meter: int, tx: int) -> list[Frame]:
    payload = {"transactionId": tx, "meterStop": meter, "timestamp": iso(t), "reason": "Local"}
    return [call(t, uid, "StopTransaction", payload), result(t, uid, {})]


def sessions_by_id(report: Report) -> dict[str, Any]:
    return {s.transaction_id: s for s in report.sessions}


def test_a_2x_session_in_kwh_with_a_multiplier_and_a_seqno_gap() -> None:
    report = build_report(v2_session())
    (s,) = report.sessions
    assert (s.station, s.evse, s.id_tag) == ("EV-2", 1, "TOKEN")
    assert s.energy_wh == 7_500.0  # 20 kWh less 12.5 kWh, the station's unit read as such
    assert s.peak_power_w == 11_000.0  # 110 kW x 10^-1
    assert s.completed and s.duration_s == 300.0
    (gap,) = [f for f in report.faults if f.kind == "seqno-gap"]
    assert (gap.transaction_id, gap.detail) == ("T-1", "seqNo 2-3 never came")


def test_an_open_transaction_left_behind_and_a_stop_with_no_start_are_orphans() -> None:
    frames = [
        *start(0, "a", 1, 1000, 7),  # never stopped ...
        *start(600, "b", 1, 1500, 8),  # ... when 8 starts on the same connector
        *stop(900, "c", 2500, 8),
        *stop(950, "d", 4000, 99),  # no start for 99
    ]
    report = build_report(frames)
    orphans = {(f.kind, f.transaction_id) for f in report.faults}
    assert orphans == {("orphaned-transaction", "7"), ("orphan-stop", "99")}
    by_id = sessions_by_id(report)
    assert by_id["8"].energy_wh == 1000.0 and by_id["8"].completed
    assert not by_id["7"].completed and not by_id["99"].completed
    assert by_id["99"].energy_wh is None  # a stop alone does not say where the meter began


def test_sessions_and_faults_do_not_depend_on_frame_order() -> None:
    status = [
        call(100, "s1", "StatusNotification",
             {"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted",
              "timestamp": iso(100)}),
        result(100, "s1", {}),
        call(160, "s2", "StatusNotification",
             {"connectorId": 1, "errorCode": "NoError", "status": "Available",
              "timestamp": iso(160)}),
        result(160, "s2", {}),
    ]  # fmt: skip
    frames = [*start(0, "a", 2, 1000, 7), *stop(500, "b", 1800, 7), *status, *v2_session()]
    ordered = build_report(frames)
    shuffled = list(frames)
    random.Random(4).shuffle(shuffled)
    other = build_report(shuffled)
    assert other.sessions == ordered.sessions
    assert other.faults == ordered.faults
    (fault,) = [f for f in ordered.faults if f.kind == "fault-status"]
    assert (fault.code, fault.duration_s) == ("GroundFailure", 60.0)


def test_non_standard_units_and_measurands_and_a_skewed_clock_are_findings() -> None:
    sampled = [
        {"value": "5", "measurand": "Energy.Active.Import.Register", "unit": "kWatth"},
        {"value": "5", "measurand": "Energy.Magic"},
    ]
    frames = [
        call(0, "m1", "MeterValues", {"connectorId": 1, "meterValue": [
            {"timestamp": iso(0), "sampledValue": sampled}]}),
        result(0, "m1", {}),
        # The station's clock is two minutes behind the time the CSMS received this.
        call(300, "s1", "StatusNotification", {"connectorId": 1, "errorCode": "NoError",
                                               "status": "Available", "timestamp": iso(180)}),
        result(300, "s1", {}),
    ]  # fmt: skip
    found = {(f.action, f.check, f.subject): f for f in build_report(frames).compliance}
    assert set(found) == {
        ("MeterValues", "unit", "kWatth"),
        ("MeterValues", "measurand", "Energy.Magic"),
        ("StatusNotification", "clock-skew", ""),
    }
    assert found[("StatusNotification", "clock-skew", "")].median_s == -120.0


def test_answers_late_or_never_are_findings() -> None:
    frames = [
        call(0, "g1", "GetConfiguration", {"key": ["NumberOfConnectors"]}, way=OUT),
        result(45, "g1", {"configurationKey": []}, way=IN),  # 45 s: late
        call(50, "g2", "Reset", {"type": "Soft"}, way=OUT),  # never answered
        call(200, "h1", "Heartbeat", {}),
        result(200, "h1", {"currentTime": iso(200)}),
    ]
    found = {(f.action, f.check, f.subject): f for f in build_report(frames).compliance}
    assert set(found) == {
        ("GetConfiguration", "late-answer", "station"),
        ("Reset", "no-answer", "station"),
    }
    assert found[("GetConfiguration", "late-answer", "station")].max_s == 45.0


def test_a_call_at_the_very_end_is_not_yet_unanswered() -> None:
    frames = [call(0, "h1", "Heartbeat", {}), call(10, "g1", "Reset", {"type": "Soft"}, way=OUT)]
    assert build_report(frames).compliance == []


def test_reconnect_loops_silences_and_time_offline() -> None:
    frames: list[Frame] = []
    for n in range(7):  # seven connects within six minutes: more than five in ten
        frames += [event(n * 60, Kind.CONNECTED), event(n * 60 + 30, Kind.DISCONNECTED)]
    frames += [
        event(1000, Kind.CONNECTED),
        call(1010, "h1", "Heartbeat", {}),
        call(2000, "h2", "Heartbeat", {}),  # 990 s of silence while connected
    ]
    report = build_report(frames, ReportOptions(loop_connects=5, loop_minutes=10))
    (link,) = report.connections
    assert (link.connects, link.disconnects, link.reconnect_loops) == (8, 7, 1)
    assert link.heartbeat_gaps == 1 and link.longest_silence_s == 990.0
    assert link.offline_s == 6 * 30 + (1000 - 390)  # between each drop and the next connect
    (loop,) = [e for e in report.episodes if e.kind == "reconnect-loop"]
    assert (loop.start, loop.end, loop.count) == (T0, T0 + 360, 7)
