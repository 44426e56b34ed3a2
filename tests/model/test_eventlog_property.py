"""Property: an event log's answers do not depend on the order of its events.

Shuffled, with some events duplicated, with every response before its request:
the importer and the projection give the same `answers(state)` as in time order.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ocppdeck.core.clock import to_iso
from ocppdeck.core.disk.importers.eventlog import import_events
from ocppdeck.core.model.answers import answers
from tests.helpers.folded import project

T0 = 1_672_560_000.0  # 2023-01-01T08:00:00Z
Event = dict[str, Any]

# A reading as the field sends it: a number, or the same number as a string.
readings = st.one_of(
    st.integers(0, 500_000),
    st.decimals(0, 500_000, places=2).map(float),
).flatmap(lambda value: st.sampled_from([value, str(value)]))
connector_ids = st.integers(1, 4).flatmap(lambda cid: st.sampled_from([cid, str(cid)]))


@st.composite
def event_logs(draw: st.DrawFn) -> list[list[Event]]:
    """Exchanges (a request and its response, or one notification) of a few stations,
    each event at its own distinct time, in time order."""
    ids = itertools.count(1)
    stations = draw(
        st.lists(
            st.sampled_from(["ST-1", "ST-2", "ST-3", "ST-4"]), min_size=1, max_size=3, unique=True
        )
    )
    exchanges: list[list[tuple[str, Any, str | None]]] = []  # (messageType, payload, correlation)
    for sid in stations:
        for _ in range(draw(st.integers(0, 2))):
            spelling = draw(st.sampled_from(["ConnectorListRequest", "ConectorListRequest"]))
            count = draw(st.integers(1, 3).flatmap(lambda n: st.sampled_from([n, str(n)])))
            corr = f"c-{next(ids)}"
            exchanges.append(
                [
                    (spelling, {"stationId": sid}, corr),
                    ("ConnectorListResponse", {"numConnectors": count}, corr),
                ]
            )
        pairs = draw(st.integers(0, 3))
        for _ in range(pairs):
            cid = draw(connector_ids)
            corr = f"c-{next(ids)}"
            values = [{"connectorId": cid, "reading": draw(readings)}]
            exchanges.append(
                [
                    ("MeterValuesRequest", {"stationId": sid, "connectorId": cid}, corr),
                    ("MeterValuesResponse", {"meterValues": values}, corr),
                ]
            )
        for _ in range(draw(st.integers(0 if pairs else 1, 3))):
            listed = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4, unique=True))
            values = [{"connectorId": cid, "reading": draw(readings)} for cid in listed]
            payload = {"stationId": sid, "meterValues": values}
            exchanges.append([("MeterValuesNotification", payload, None)])
    exchanges = draw(st.permutations(exchanges))  # interleave the stations in time
    size = sum(len(x) for x in exchanges)
    gaps = draw(st.lists(st.integers(1, 600), min_size=size, max_size=size))
    times = itertools.accumulate(gaps, initial=T0)
    next(times)
    log: list[list[Event]] = []
    for exchange in exchanges:
        log.append(
            [
                {
                    "id": next(ids),
                    "messageId": f"m-{n}",
                    "correlationId": corr,
                    "messageType": message_type,
                    "occurredAt": to_iso(next(times)),
                    "payload": payload,
                }
                for n, (message_type, payload, corr) in enumerate(exchange)
            ]
        )
    return log


def answers_of(events: list[Event], chunk: int = 1 << 16) -> dict[str, Any]:
    """Import the events as a JSON array fed in chunks, fold them, answer."""
    text = json.dumps(events).encode()
    chunks = [text[i : i + chunk] for i in range(0, len(text), chunk)]
    skipped: list[tuple[int, str, str]] = []
    state = project(import_events(chunks, lambda *s: skipped.append(s)))
    assert skipped == []
    return answers(state)


def _is_response(event: Event) -> bool:
    return event["messageType"].endswith("Response")


@settings(max_examples=60, deadline=None)
@given(log=event_logs(), data=st.data())
def test_answers_do_not_depend_on_event_order(log: list[list[Event]], data: st.DataObject) -> None:
    in_order = [event for exchange in log for event in exchange]
    expected = answers_of(in_order)
    assert expected["stationCount"] >= 1
    assert expected["openTransactions"] == []

    duplicates = data.draw(st.lists(st.sampled_from(in_order), max_size=8), label="duplicates")
    mixed = data.draw(st.permutations(in_order + duplicates), label="order")
    if data.draw(st.booleans(), label="responses first"):
        # Every response ahead of every request: the answers must wait for their calls.
        mixed = [e for e in mixed if _is_response(e)] + [e for e in mixed if not _is_response(e)]
    chunk = data.draw(st.sampled_from([7, 64, 1 << 16]), label="chunk size")
    assert answers_of(mixed, chunk) == expected
