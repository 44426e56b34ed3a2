"""The OCPP-J text-log importer: each documented line shape, direction inference, bad lines."""

from __future__ import annotations

import pytest

from ocppdeck.core.clock import parse_iso
from ocppdeck.core.disk.importers.ocppj import NOT_A_FRAME, import_lines, parse_timestamp
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from tests.helpers.folded import project

T = parse_iso("2024-05-01T10:00:00Z")
assert T is not None
HEARTBEAT = '[2,"1","Heartbeat",{}]'


def run(text: str, station: str = "stem") -> tuple[list[Frame], list[tuple[int, str, str]]]:
    skipped: list[tuple[int, str, str]] = []
    lines = enumerate(text.splitlines(keepends=True), 1)
    frames = list(import_lines(lines, lambda *s: skipped.append(s), station))
    return frames, skipped


def one(line: str) -> Frame:
    frames, skipped = run(line)
    assert skipped == []
    [frame] = frames
    return frame


# --- shapes ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("arrow", "direction"),
    [
        ("->", Direction.IN),
        (">>", Direction.IN),
        ("in", Direction.IN),
        ("recv", Direction.IN),
        ("<-", Direction.OUT),
        ("<<", Direction.OUT),
        ("OUT", Direction.OUT),
        ("send:", Direction.OUT),
    ],
)
def test_a_station_and_an_arrow(arrow: str, direction: Direction) -> None:
    frame = one(f"2024-05-01T10:00:00.123Z CP-1 {arrow} {HEARTBEAT}\n")
    assert (frame.station, frame.direction) == ("CP-1", direction)
    assert frame.ts == pytest.approx(T + 0.123)
    assert (frame.kind, frame.unique_id, frame.action, frame.payload) == (
        Kind.CALL,
        "1",
        "Heartbeat",
        {},
    )
    assert frame.protocol == "ocpp1.6"


def test_the_ocpp_librarys_own_log_lines() -> None:
    frames, skipped = run(
        "2024-05-01 10:00:00,123 INFO ocpp: CP-7: receive message "
        '[2,"a1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]\n'
        "2024-05-01 10:00:00,125 INFO ocpp: CP-7: send "
        '[3,"a1",{"status":"Accepted","currentTime":"2024-05-01T10:00:00Z","interval":60}]\n'
        "2024-05-01 10:00:00,300 INFO ocpp: CP-7: send "
        '[2,"b2","GetConfiguration",{"key":["NumberOfConnectors"]}]\n'
        "2024-05-01 10:00:00,350 INFO ocpp: CP-7: receive message "
        '[3,"b2",{"configurationKey":[{"key":"NumberOfConnectors","readonly":true,"value":"2"}]}]\n'
    )
    assert skipped == []
    assert [(f.station, f.direction, f.kind) for f in frames] == [
        ("CP-7", Direction.IN, Kind.CALL),
        ("CP-7", Direction.OUT, Kind.RESULT),
        ("CP-7", Direction.OUT, Kind.CALL),
        ("CP-7", Direction.IN, Kind.RESULT),
    ]
    assert frames[0].ts == pytest.approx(T + 0.123)
    station = project(frames).stations["CP-7"]
    assert (station.vendor, station.boot_status, station.declared_evses) == (
        "V",
        "Accepted",
        2,
    )


@pytest.mark.parametrize(
    "hint",
    [
        "station=CP-3",
        "stationId: CP-3",
        'chargeBoxId="CP-3"',
        "chargePointId=CP-3",
        "identity=CP-3",
        "GET /ocpp/CP-3",
        "url=ws://10.0.0.1:9000/ocpp1.6/CP-3,",
    ],
)
def test_a_station_hint(hint: str) -> None:
    frame = one(f"2024-05-01T10:00:00Z DEBUG websocket {hint} {HEARTBEAT}")
    assert frame.station == "CP-3"
    assert frame.direction is Direction.IN  # a Heartbeat is sent by stations


def test_a_bare_timestamp_takes_the_file_stem_as_station() -> None:
    frames, _ = run(f"2024-05-01T10:00:00Z {HEARTBEAT}", station="garage-charger")
    assert frames[0].station == "garage-charger"


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2024-05-01T10:00:00Z", T),
        ("2024-05-01T10:00:00", T),  # no zone: UTC
        ("2024-05-01 10:00:00", T),
        ("2024-05-01T10:00:00.5Z", T + 0.5),
        ("2024-05-01 10:00:00,250", T + 0.25),
        ("2024-05-01T12:00:00+02:00", T),
        ("2024-05-01T12:00:00.125 +0200", T + 0.125),
        ("2024-05-01T10:00:00.123456789Z", T + 0.123456789),
        ("1714557600", T),
        ("1714557600.75", T + 0.75),
        ("1714557600123", T + 0.123),
        ("[2024-05-01 10:00:00]", T),
    ],
)
def test_timestamp_shapes(stamp: str, expected: float) -> None:
    parsed = parse_timestamp(f"{stamp} CP-1 -> ")
    assert parsed is not None
    assert parsed[0] == pytest.approx(expected, abs=1e-6)
    assert one(f"{stamp} CP-1 -> {HEARTBEAT}").ts == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    ("name", "protocol"),
    [("ocpp2.0.1", "ocpp2.0.1"), ("OCPP2.1", "ocpp2.1"), ("ocpp1.6", "ocpp1.6")],
)
def test_the_protocol_named_on_the_line(name: str, protocol: str) -> None:
    assert one(f"2024-05-01T10:00:00Z [{name}] CP-1 -> {HEARTBEAT}").protocol == protocol


def test_a_callerror_line() -> None:
    frame = one('2024-05-01T10:00:00Z CP-1 <- [4,"9","NotImplemented","no such action",{}]')
    assert (frame.kind, frame.action, frame.text) == (
        Kind.ERROR,
        "NotImplemented",
        "no such action",
    )
    assert frame.direction is Direction.OUT


# --- direction inference ----------------------------------------------------
def test_direction_is_inferred_from_the_action_and_the_call() -> None:
    frames, _ = run(
        '2024-05-01T10:00:00Z station=CP-1 [2,"s1","StatusNotification",{}]\n'
        '2024-05-01T10:00:01Z station=CP-1 [3,"s1",{}]\n'
        '2024-05-01T10:00:02Z station=CP-1 [2,"r1","RemoteStartTransaction",{"idTag":"T"}]\n'
        '2024-05-01T10:00:03Z station=CP-1 [4,"r1","InternalError","",{}]\n'
        '2024-05-01T10:00:04Z station=CP-1 [3,"never-asked",{}]\n'
        '2024-05-01T10:00:05Z station=CP-2 [3,"s1",{}]\n'
    )
    assert [(f.kind, f.direction) for f in frames] == [
        (Kind.CALL, Direction.IN),
        (Kind.RESULT, Direction.OUT),
        (Kind.CALL, Direction.OUT),
        (Kind.ERROR, Direction.IN),
        (Kind.RESULT, Direction.OUT),  # its call unseen: taken as the CSMS answering
        (Kind.RESULT, Direction.OUT),  # same id, other station: not that call's answer
    ]


def test_an_explicit_call_direction_turns_its_answer() -> None:
    frames, _ = run(
        '2024-05-01T10:00:00Z CP-1 -> [2,"x","DataTransfer",{"vendorId":"v"}]\n'
        '2024-05-01T10:00:00Z CP-1 <- [2,"y","DataTransfer",{"vendorId":"v"}]\n'
        '2024-05-01T10:00:01Z station=CP-1 [3,"y",{"status":"Accepted"}]\n'
        '2024-05-01T10:00:01Z station=CP-1 [3,"x",{"status":"Accepted"}]\n'
    )
    assert [f.direction for f in frames] == [
        Direction.IN,
        Direction.OUT,
        Direction.IN,
        Direction.OUT,
    ]


# --- bad lines ------------------------------------------------------------
def test_bad_lines_are_skipped_with_numbers_and_noise_is_only_counted() -> None:
    frames, skipped = run(
        "server starting on port 9000\n"  # 1: noise
        "2024-05-01T10:00:00Z [INFO] listening\n"  # 2: brackets, but no OCPP-J array
        "\n"  # 3: blank, not even noise
        '2024-05-01T10:00:00Z CP-1 -> [2,"1","Heartbeat",{\n'  # 4: cut short
        f"CP-1 -> {HEARTBEAT}\n"  # 5: no timestamp
        '2024-05-01T10:00:00Z CP-1 -> [2,"1","Heartbeat"]\n'  # 6: a CALL needs a payload
        "2024-05-01T10:00:00Z CP-1 -> [3,1,{}]\n"  # 7: the id must be a string
        f"2024-05-01T10:00:01Z CP-1 -> {HEARTBEAT}\n"  # 8: fine
    )
    assert len(frames) == 1
    assert skipped == [
        (1, NOT_A_FRAME, ""),
        (2, NOT_A_FRAME, ""),
        (4, "bad JSON", "Expecting property name enclosed in double quotes"),
        (5, "no timestamp", ""),
        (6, "not an OCPP-J message", "a CALL is [2, id, action, payload]"),
        (7, "not an OCPP-J message", "message id is not a string"),
    ]


def test_the_first_array_that_is_a_message_wins() -> None:
    frame = one(f"2024-05-01T10:00:00Z retry [2, 3] of CP-1 -> {HEARTBEAT}")
    assert (frame.station, frame.action) == ("CP-1", "Heartbeat")


def test_bytes_lines_are_decoded() -> None:
    frames = list(
        import_lines([(1, f"2024-05-01T10:00:00Z CP-ü -> {HEARTBEAT}\n".encode())], lambda *s: None)
    )
    assert frames[0].station == "CP-ü"
