"""The event-log importer: each event type to its frame, bad events skipped, arrays streamed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ocppdeck.core.clock import parse_iso
from ocppdeck.core.disk.importers.eventlog import EventError, event_frame, import_events
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from tests.helpers.folded import project

AT = "2023-01-01T10:00:00Z"
T = parse_iso(AT)


def event(message_type: str, payload: Any, correlation: Any = "c-1", **extra: Any) -> dict:
    found = {
        "id": 7,
        "messageId": "m-7",
        "correlationId": correlation,
        "messageType": message_type,
        "occurredAt": AT,
        "payload": payload,
    }
    found.update(extra)
    return found


def run(chunks: list[str] | list[bytes]) -> tuple[list[Frame], list[tuple[int, str, str]]]:
    skipped: list[tuple[int, str, str]] = []
    frames = list(
        import_events(chunks, lambda line, why, detail: skipped.append((line, why, detail)))
    )
    return frames, skipped


def in_chunks(text: str, size: int) -> list[bytes]:
    data = text.encode()
    return [data[i : i + size] for i in range(0, len(data), size)]


# --- mapping --------------------------------------------------------------
def test_meter_values_request_is_an_outgoing_call() -> None:
    frame = event_frame(event("MeterValuesRequest", {"stationId": "ST-1", "connectorId": 1}))
    assert frame == Frame(
        T,
        "ST-1",
        Direction.OUT,
        Kind.CALL,
        "c-1",
        "MeterValues",
        {"stationId": "ST-1", "connectorId": 1},
        "eventlog",
        "event 7",
    )


def test_meter_values_response_is_a_stationless_result() -> None:
    payload = {"meterValues": [{"connectorId": "1", "reading": "12.5"}]}
    frame = event_frame(event("MeterValuesResponse", payload))
    assert (frame.station, frame.direction, frame.kind) == ("", Direction.IN, Kind.RESULT)
    assert (frame.unique_id, frame.action, frame.payload) == ("c-1", "", payload)
    assert (frame.ts, frame.protocol) == (T, "eventlog")


def test_notification_is_an_incoming_call_with_a_fallback_id() -> None:
    payload = {"stationId": "ST-2", "meterValues": [{"connectorId": 1, "reading": 5}]}
    frame = event_frame(event("MeterValuesNotification", payload, correlation=None))
    assert (frame.station, frame.direction, frame.kind) == ("ST-2", Direction.IN, Kind.CALL)
    assert (frame.action, frame.unique_id) == ("MeterValuesNotification", "m-7")
    no_ids = event("MeterValuesNotification", payload, correlation=None, messageId=None)
    assert event_frame(no_ids).unique_id == "7"


@pytest.mark.parametrize("spelling", ["ConnectorListRequest", "ConectorListRequest"])
def test_connector_list_request_in_both_spellings(spelling: str) -> None:
    frame = event_frame(event(spelling, {"stationId": "ST-3"}))
    assert (frame.station, frame.direction, frame.kind) == ("ST-3", Direction.OUT, Kind.CALL)
    assert frame.action == "ConnectorList"


def test_connector_list_response_is_a_stationless_result() -> None:
    frame = event_frame(event("ConnectorListResponse", {"numConnectors": "2"}))
    assert (frame.station, frame.direction, frame.kind) == ("", Direction.IN, Kind.RESULT)


def test_numbers_as_ids_and_occurred_at_with_offset() -> None:
    frame = event_frame(
        event(
            "MeterValuesRequest",
            {"stationId": 42, "connectorId": "1"},
            correlation=9,
            occurredAt="2023-01-01T11:00:00+01:00",
        )
    )
    assert (frame.station, frame.unique_id, frame.ts) == ("42", "9", T)


def test_strings_and_numbers_fold_to_the_same_answers() -> None:
    def log(count: Any, reading: Any, cid: Any) -> list[dict]:
        return [
            event("ConnectorListRequest", {"stationId": "ST-1"}, "a"),
            event("ConnectorListResponse", {"numConnectors": count}, "a"),
            event("MeterValuesRequest", {"stationId": "ST-1", "connectorId": cid}, "b"),
            event(
                "MeterValuesResponse",
                {"meterValues": [{"connectorId": cid, "reading": reading}]},
                "b",
            ),
        ]

    as_numbers, _ = run([json.dumps(log(2, 1500.5, 1))])
    as_strings, _ = run([json.dumps(log("2", "1500.5", "1"))])
    for frames in (as_numbers, as_strings):
        station = project(frames).stations["ST-1"]
        assert station.declared_evses == 2
        assert (station.evses[1].energy_wh, station.evses[1].energy_at) == (1500.5, T)


def test_non_finite_numbers_are_no_reading_and_no_connector() -> None:
    values = [
        {"connectorId": 1, "reading": "inf"},
        {"connectorId": "Infinity", "reading": 5},
        {"connectorId": 2, "reading": "NaN"},
        {"connectorId": 3, "reading": "7"},
    ]
    payload = {"stationId": "ST-1", "meterValues": values}
    frames, _ = run([json.dumps(event("MeterValuesNotification", payload))])
    station = project(frames).stations["ST-1"]
    assert {cid: c.energy_wh for cid, c in station.evses.items()} == {3: 7.0}


# --- bad events -----------------------------------------------------------
@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ([1, 2], "not an event"),
        ({"occurredAt": AT, "payload": {}}, "missing messageType"),
        (event("HeartbeatRequest", {"stationId": "ST-1"}), "unknown messageType"),
        (
            event("MeterValuesRequest", {"stationId": "ST-1"}, occurredAt="yesterday"),
            "bad occurredAt",
        ),
        (event("MeterValuesRequest", {"stationId": "ST-1"}, occurredAt=None), "bad occurredAt"),
        (event("MeterValuesRequest", {"connectorId": 1}), "missing stationId"),
        (event("MeterValuesNotification", {"meterValues": []}), "missing stationId"),
        (event("ConnectorListRequest", {"stationId": ""}), "missing stationId"),
        (
            event("ConnectorListRequest", {"stationId": "S"}, correlation=None),
            "missing correlationId",
        ),
        (
            event("MeterValuesResponse", {"meterValues": []}, correlation=""),
            "missing correlationId",
        ),
    ],
)
def test_unusable_events_raise_with_a_reason(bad: Any, reason: str) -> None:
    with pytest.raises(EventError) as caught:
        event_frame(bad)
    assert caught.value.reason == reason


def test_bad_events_in_an_array_are_skipped_with_line_and_index() -> None:
    events = [
        event("ConnectorListRequest", {"stationId": "ST-1"}),
        event("Bogus", {}),
        event("ConnectorListResponse", {"numConnectors": 1}),
    ]
    lines = [json.dumps(e) for e in events] + ["5", "{not json}", json.dumps(events[0])]
    frames, skipped = run(["[\n" + ",\n".join(lines) + "\n]"])
    assert [f.kind for f in frames] == [Kind.CALL, Kind.RESULT, Kind.CALL]
    assert skipped == [
        (3, "unknown messageType", "array index 1; 'Bogus'"),
        (5, "not an event", "array index 3; a JSON int, not an object"),
        (6, "bad JSON", "array index 4: Expecting property name enclosed in double quotes"),
    ]


def test_one_event_per_line_skips_bad_lines_by_number() -> None:
    text = "\n".join(
        [
            json.dumps(event("ConnectorListRequest", {"stationId": "ST-1"})),
            "",
            '{"messageType": "ConnectorListResponse", "occurredAt": ',
            json.dumps(event("ConnectorListResponse", {"numConnectors": 1})),
            json.dumps(event("MeterValuesRequest", {"connectorId": 1})),
        ]
    )
    frames, skipped = run([text])
    assert [f.kind for f in frames] == [Kind.CALL, Kind.RESULT]
    assert [(line, why) for line, why, _ in skipped] == [(3, "bad JSON"), (5, "missing stationId")]
    assert skipped[1][2] == "MeterValuesRequest"  # no array index for JSON lines


def test_truncated_array_reports_the_cut_event() -> None:
    text = (
        "["
        + json.dumps(event("ConnectorListRequest", {"stationId": "ST-1"}))
        + ',\n{"id": 2, "mess'
    )
    frames, skipped = run(in_chunks(text, 16))
    assert len(frames) == 1
    assert skipped == [(2, "bad JSON", "array index 1: cut off at the end of the input")]


def test_an_event_past_the_size_limit_is_skipped_and_reading_goes_on() -> None:
    good = json.dumps(event("ConnectorListRequest", {"stationId": "ST-1"}))
    broken = '{"id": 1, "payload": "never closed}, {"x": 1'  # the string swallows the brackets
    text = "[\n" + broken + "         " * 30 + ",\n" + good + "\n]"
    skipped: list[tuple[int, str, str]] = []
    frames = list(
        import_events(in_chunks(text, 10), lambda *s: skipped.append(s), max_event_chars=200)
    )
    assert [f.station for f in frames] == ["ST-1"]
    assert skipped == [(2, "bad JSON", "array index 0: no end within 200 characters")]


# --- streaming ------------------------------------------------------------
def _sample_log() -> str:
    events = [
        event("MeterValuesResponse", {"meterValues": [{"connectorId": 1, "reading": "10"}]}, "r1"),
        event("MeterValuesRequest", {"stationId": "ST-é", "connectorId": 1}, "r1"),
        event(
            "MeterValuesNotification",
            {"stationId": "ST-é", "meterValues": [{"connectorId": 2, "reading": 7.25}]},
            None,
            note='brackets } ] [ { and "quotes" \\ in a string',
        ),
    ]
    return json.dumps(events, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 100_000])
def test_an_array_fed_in_small_chunks_gives_the_same_frames(size: int) -> None:
    text = _sample_log()
    whole, whole_skipped = run([text])
    chunked, chunked_skipped = run(in_chunks(text, size))  # splits UTF-8 characters too
    assert chunked == whole
    assert chunked_skipped == whole_skipped == []
    assert [f.station for f in whole] == ["", "ST-é", "ST-é"]


def test_lines_of_the_file_number_the_events() -> None:
    text = "\ufeff\n\n" + json.dumps(
        [
            event("ConnectorListRequest", {"stationId": "S"}),
            event("Nope", {}),
        ],
        indent=2,
    )
    _, skipped = run(in_chunks(text, 5))
    # The second event's "{" opens line 14: a BOM line, a blank one, "[", 10 lines of event 1.
    assert skipped == [(14, "unknown messageType", "array index 1; 'Nope'")]


def test_a_response_before_its_request_still_joins() -> None:
    text = _sample_log()
    state = project(run(in_chunks(text, 3))[0])
    station = state.stations["ST-é"]
    assert station.evses[1].energy_wh == 10
    assert station.evses[2].energy_wh == 7.25
