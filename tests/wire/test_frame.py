"""The frame codec: OCPP-J parsing, wire capture and the recording line format."""

from __future__ import annotations

import json
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocppdeck.core.wire.codec import (
    PREVIEW_CHARS,
    FrameError,
    decode,
    encode,
    from_wire,
    parse_message,
    preview,
    to_wire,
)
from ocppdeck.core.wire.frame import Direction, Frame, Kind

TS = 1_700_000_000.25


def test_parse_call() -> None:
    msg = parse_message('[2,"abc","Heartbeat",{}]')
    assert (msg.kind, msg.unique_id, msg.action, msg.payload) == (Kind.CALL, "abc", "Heartbeat", {})


def test_parse_callresult_from_bytes() -> None:
    msg = parse_message(b'[3,"abc",{"currentTime":"2024-01-01T00:00:00Z"}]')
    assert msg.kind is Kind.RESULT
    assert msg.unique_id == "abc"
    assert msg.action == ""
    assert msg.payload == {"currentTime": "2024-01-01T00:00:00Z"}


def test_parse_callerror_keeps_code_description_and_details() -> None:
    msg = parse_message('[4,"abc","NotImplemented","no handler",{"cause":"x"}]')
    assert msg.kind is Kind.ERROR
    assert msg.unique_id == "abc"
    assert msg.action == "NotImplemented"
    assert msg.text == "no handler"
    assert msg.payload == {"cause": "x"}


@pytest.mark.parametrize(
    ("text", "unique_id"),
    [
        ("not json", None),
        ('{"a": 1}', None),
        ("[]", None),
        ("[2]", None),
        ('[9,"u2"]', "u2"),
        ('[3,"u3"]', "u3"),
        ('[7,"u7","Heartbeat",{}]', "u7"),
        ('["2","u8","Heartbeat",{}]', "u8"),
        ('[2,17,"Heartbeat",{}]', None),
        ('[2,"c1","Heartbeat"]', "c1"),
        ('[2,"c2",5,{}]', "c2"),
        ('[2,"c3","Heartbeat",{},1]', "c3"),
        ('[3,"r1",{},{}]', "r1"),
        ('[4,"e1","GenericError","desc"]', "e1"),
        ('[4,"e2",3,"desc",{}]', "e2"),
    ],
)
def test_bad_shapes_raise_frame_error_with_readable_id(text: str, unique_id: str | None) -> None:
    with pytest.raises(FrameError) as raised:
        parse_message(text)
    assert raised.value.unique_id == unique_id


def test_from_wire_captures_a_call() -> None:
    frame = from_wire(
        '[2,"m1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]',
        ts=TS,
        station="CP1",
        direction=Direction.IN,
        protocol="ocpp1.6",
    )
    assert frame == Frame(
        TS,
        "CP1",
        Direction.IN,
        Kind.CALL,
        "m1",
        "BootNotification",
        {"chargePointVendor": "V", "chargePointModel": "M"},
        "ocpp1.6",
    )
    assert frame.is_ocpp


@pytest.mark.parametrize(
    ("raw", "unique_id"),
    [("garbage{", ""), (b"\xff\xfe not utf8", ""), ('[9,"u2"]', "u2"), ('{"x":1}', "")],
)
def test_from_wire_turns_garbage_into_malformed(raw: str | bytes, unique_id: str) -> None:
    frame = from_wire(raw, ts=TS, station="CP1", direction=Direction.IN, protocol="ocpp1.6")
    assert frame.kind is Kind.MALFORMED
    assert not frame.is_ocpp
    assert frame.unique_id == unique_id
    assert frame.station == "CP1"
    assert frame.protocol == "ocpp1.6"
    assert frame.payload["error"]
    expected_text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    assert frame.text == expected_text


@pytest.mark.parametrize("raw", ["garbage{" * 200_000, b"\xff" + b"x" * 1_000_000])
def test_a_large_unreadable_message_is_kept_only_as_a_preview(raw: str | bytes) -> None:
    frame = from_wire(raw, ts=TS, station="CP1", direction=Direction.IN, protocol="ocpp1.6")
    assert frame.kind is Kind.MALFORMED
    assert len(frame.text) < PREVIEW_CHARS + 40
    assert frame.text.startswith(preview(raw[:20]))
    assert f"({len(raw):,} " in frame.text  # its full size is noted
    assert len(encode(frame)) < 1000


@pytest.mark.parametrize(
    ("raw", "kind", "unique_id"),
    [
        (f'[2,"{"i" * 36}","Heartbeat",{{}}]', Kind.CALL, "i" * 36),
        (f'[2,"{"i" * 37}","Heartbeat",{{}}]', Kind.MALFORMED, ""),
        ('[2,"","Heartbeat",{}]', Kind.MALFORMED, ""),
        (f'[3,"{"r" * 5000}",{{}}]', Kind.MALFORMED, ""),
        (f'[9,"{"u" * 5000}"]', Kind.MALFORMED, ""),
    ],
)
def test_a_message_id_is_one_to_36_characters(raw: str, kind: Kind, unique_id: str) -> None:
    frame = from_wire(raw, ts=TS, station="CP1", direction=Direction.IN, protocol="ocpp1.6")
    assert (frame.kind, frame.unique_id) == (kind, unique_id)
    assert len(encode(frame)) < 1000


_PARTS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["Heartbeat", "BootNotification"]),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.lists(st.integers(), max_size=2),
    st.none(),
)
_ARRAYS = st.builds(
    lambda head, rest: [head, *rest],
    st.sampled_from([2, 3, 4, 5, True, 2.0, "2"]),
    st.lists(_PARTS, max_size=5),
)


@settings(max_examples=300, deadline=None)
@given(_ARRAYS)
def test_every_array_is_read_as_the_full_check_reads_it(parts: list[object]) -> None:
    """The fast path for ordinary CALLs and CALLRESULTs reads nothing differently."""
    raw = json.dumps(parts)
    frame = from_wire(raw, ts=TS, station="CP1", direction=Direction.IN, protocol="ocpp1.6")
    try:
        msg = parse_message(raw)
    except FrameError:
        assert frame.kind is Kind.MALFORMED
        return
    if not 0 < len(msg.unique_id) <= 36:
        assert frame.kind is Kind.MALFORMED
        return
    read = (frame.kind, frame.unique_id, frame.action, frame.payload, frame.text)
    assert read == (msg.kind, msg.unique_id, msg.action, msg.payload, msg.text)


def test_an_unknown_message_type_is_named_short() -> None:
    with pytest.raises(FrameError) as raised:
        parse_message(f'["{"t" * 100_000}","u1",{{}}]')
    assert len(str(raised.value)) < 100


def test_preview_keeps_short_text_whole() -> None:
    assert preview('[2,"a"]') == '[2,"a"]'
    assert preview("日本".encode()) == "日本"
    assert preview("x" * 10, limit=4) == "xxxx… (10 characters)"
    assert preview(b"x" * 10, limit=4) == "xxxx… (10 bytes)"


def test_to_wire_is_none_for_connection_events() -> None:
    assert to_wire(Frame(TS, "CP1", Direction.IN, Kind.CONNECTED)) is None
    assert to_wire(Frame(TS, "CP1", Direction.OUT, Kind.RESULT, "u", "", {"a": 1})) == [
        3,
        "u",
        {"a": 1},
    ]


ROUND_TRIP = [
    Frame(TS, "CP1", Direction.IN, Kind.CALL, "u1", "Heartbeat", {}, "ocpp1.6", "", 1),
    Frame(
        TS + 0.5,
        "CP1",
        Direction.OUT,
        Kind.RESULT,
        "u1",
        "",
        {"currentTime": "2023-11-14T22:13:20.250Z"},
        "ocpp1.6",
        "",
        2,
    ),
    Frame(
        TS + 1,
        "CP1",
        Direction.OUT,
        Kind.ERROR,
        "u2",
        "FormatViolation",
        {"cause": "bad"},
        "ocpp1.6",
        "Payload is wrong",
        3,
    ),
    Frame(
        TS + 2,
        "CP1",
        Direction.IN,
        Kind.MALFORMED,
        "u3",
        "",
        {"error": "not JSON"},
        "ocpp1.6",
        '[9,"u3"] 日本',
        4,
    ),
    Frame(TS + 3, "CP1", Direction.IN, Kind.CONNECTED, "", "", {}, "ocpp1.6", "from 1.2.3.4:5", 5),
    Frame(TS + 4, "CP1", Direction.IN, Kind.DISCONNECTED, "", "", {}, "ocpp1.6", "closed 1006", 6),
    Frame(TS + 5, "CP9", Direction.IN, Kind.REFUSED, "", "", {}, "", "no common subprotocol", 7),
    Frame(TS + 6, "", Direction.IN, Kind.SERVER_START, "", "", {}, "", "", 8),
    Frame(
        TS + 7,
        "CP1",
        Direction.OUT,
        Kind.AUTOMATION,
        "",
        "",
        {"automation": "orphan-recovery", "closeTransaction": "7", "meterStop": 1200.0},
        "",
        "orphan-recovery: closed orphaned transaction 7",
        9,
    ),
]


def test_round_trip_covers_every_kind() -> None:
    assert {frame.kind for frame in ROUND_TRIP} == set(Kind)


@pytest.mark.parametrize("frame", ROUND_TRIP, ids=lambda frame: frame.kind.value)
def test_encode_decode_round_trip(frame: Frame) -> None:
    line = encode(frame)
    assert b"\n" not in line
    assert decode(line) == frame
    assert decode(line.decode() + "\n") == frame


@pytest.mark.parametrize(
    "line",
    [
        b"",
        b"not json",
        b'{"seq":1,"ts":1,"station":"CP1","dir":"in"}',
        b'{"seq":1,"ts":1,"station":"CP1","dir":"sideways","kind":"CALL","msg":[2,"u","A",{}]}',
        b'{"seq":1,"ts":1,"station":"CP1","dir":"in","kind":"NOPE"}',
        b'{"seq":1,"ts":"soon","station":"CP1","dir":"in","kind":"CONNECTED"}',
        b'{"seq":1,"ts":1,"station":"CP1","dir":"in","kind":"CALL"}',
        b'{"seq":1,"ts":1,"station":"CP1","dir":"in","kind":"CALL","msg":[2,"u","A"]}',
        b'{"seq":1,"ts":1,"station":"CP1","dir":"in","ki',
    ],
)
def test_decode_bad_line_raises_frame_error(line: bytes) -> None:
    with pytest.raises(FrameError):
        decode(line)


def test_a_kept_line_takes_its_length_in_memory_not_the_encoders_buffer() -> None:
    # The frame log keeps 200,000 encoded lines and bounds itself by their lengths; a line
    # that held a whole encoder buffer (orjson's is kilobytes) would make that bound a lie.
    frame = Frame(TS, "CP1", Direction.IN, Kind.CALL, "m1", "Heartbeat", {})
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = [encode(frame) for _ in range(1000)]
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    per_line = held / len(kept)
    assert per_line < len(kept[0]) + 100  # the line and a bytes header, give or take
