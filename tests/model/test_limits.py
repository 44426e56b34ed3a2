"""A hostile station cannot grow the state without end: past each per-station bound the
state keeps the bound and the newest data, and other stations keep theirs."""

from __future__ import annotations

from typing import Any

from ocppdeck.core.clock import to_iso
from ocppdeck.core.model import limits
from ocppdeck.core.model.projection import Projection, fold
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from tests.helpers.folded import project
from tests.helpers.tx_frames import T0, V201, start16, stop16, tx_event


def call(station: str, action: str, payload: dict[str, Any], ts: float, uid: str) -> Frame:
    return Frame(ts, station, Direction.IN, Kind.CALL, uid, action, payload, V201)


def status(evse: int, connector: int, ts: float) -> Frame:
    payload = {
        "timestamp": to_iso(ts),
        "connectorStatus": "Available",
        "evseId": evse,
        "connectorId": connector,
    }
    return call("BAD", "StatusNotification", payload, ts, f"s{evse}-{connector}-{ts}")


def report(request_id: int, items: list[dict[str, Any]], ts: float) -> Frame:
    payload = {
        "requestId": request_id,
        "generatedAt": to_iso(ts),
        "seqNo": 0,
        "tbc": False,
        "reportData": items,
    }
    return call("BAD", "NotifyReport", payload, ts, f"r{request_id}")


def variable(name: str, evse: int = 0, component: str = "Ctrlr") -> dict[str, Any]:
    item: dict[str, Any] = {
        "component": {"name": component},
        "variable": {"name": name},
        "variableAttribute": [{"value": "1", "mutability": "ReadOnly"}],
    }
    if evse:
        item["component"]["evse"] = {"id": evse}
    return item


def test_a_flood_of_evse_ids_keeps_the_newest_evses() -> None:
    flood = limits.MAX_EVSES + 40
    ids = [10**9 + n for n in range(flood)]  # 2.x EVSE ids are any integer
    station = project([status(evse, 1, T0 + n) for n, evse in enumerate(ids)]).stations["BAD"]
    assert len(station.evses) == limits.MAX_EVSES
    assert set(station.evses) == set(ids[-limits.MAX_EVSES :])


def test_an_evse_heard_from_lately_outlives_newer_silent_ones() -> None:
    frames = [status(n, 1, T0 + n) for n in range(1, limits.MAX_EVSES + 1)]
    frames.append(status(1, 1, T0 + 10_000))  # EVSE 1 speaks again
    frames.append(status(9_999, 1, T0 + 10_001))  # one more than the bound
    evses = project(frames).stations["BAD"].evses
    assert len(evses) == limits.MAX_EVSES
    assert 1 in evses and 9_999 in evses and 2 not in evses


def test_a_flood_of_connector_ids_keeps_the_newest_connectors() -> None:
    flood = limits.MAX_CONNECTORS + 5
    frames = [status(1, 1_000 + n, T0 + n) for n in range(flood)]
    connectors = project(frames).stations["BAD"].evses[1].connectors
    assert sorted(connectors) == [1_000 + n for n in range(5, flood)]


def test_a_flood_of_variables_keeps_the_newest_reported() -> None:
    per_report = 3_000
    frames = [
        report(r, [variable(f"V{r}-{n}") for n in range(per_report)], T0 + r) for r in range(5)
    ]
    variables = project(frames).stations["BAD"].variables
    assert len(variables) <= limits.MAX_VARIABLES
    names = {key.variable for key in variables}
    assert {f"V4-{n}" for n in range(per_report)} <= names  # the newest report, whole
    assert not any(name.startswith("V0-") for name in names)  # the oldest, gone


def test_a_report_declaring_endless_evses_keeps_a_bounded_layout() -> None:
    items = [variable("AvailabilityState", evse, "EVSE") for evse in range(1, 5_000)]
    station = project([report(1, items, T0)]).stations["BAD"]
    assert len(station.reports[1][1]) == limits.MAX_REPORT_PAIRS
    assert len(station.declared_layout) == limits.MAX_REPORT_PAIRS


def test_closed_transactions_past_the_bound_go_oldest_first_and_open_ones_stay() -> None:
    frames = [*start16("CP", 1, 1, 0, T0)]  # the oldest transaction, never stopped
    count = limits.MAX_CLOSED_TRANSACTIONS + 120
    for n in range(2, count + 2):
        frames += start16("CP", 2, n, 0, T0 + n * 10) + stop16("CP", n, 5, T0 + n * 10 + 5)
    state = project(frames)
    closed = [tx for tx in state.transactions.values() if not tx.is_open]
    assert len(closed) <= limits.MAX_CLOSED_TRANSACTIONS
    assert ("CP", str(count + 1)) in state.transactions  # the newest closed stays
    assert ("CP", "2") not in state.transactions  # the oldest closed went
    assert [tx.transaction_id for tx in state.open_transactions("CP")] == ["1"]


def test_a_flood_of_starts_keeps_the_newest_open_transactions() -> None:
    flood = limits.MAX_OPEN_TRANSACTIONS + 200
    frames = [
        frame
        for n in range(flood)
        for frame in tx_event("BAD", "Started", f"T{n}", 0, T0 + n, evse=1, token="X")
    ]
    state = project(frames)
    assert len(state.open) <= limits.MAX_OPEN_TRANSACTIONS
    assert len(state.transactions) == len(state.open)
    assert ("BAD", f"T{flood - 1}") in state.open and ("BAD", "T0") not in state.open


def test_a_flood_of_stops_without_starts_is_bounded_per_station() -> None:
    projection = fold(stop16("GOOD", 7, 900, T0))  # a real orphan whose start comes late
    flood = limits.MAX_UNSTARTED + 300
    for n in range(flood):
        projection.apply(stop16("BAD", 10_000 + n, 1, T0 + n)[0])
    bad = projection.state.stations["BAD"]
    assert len(bad.unstarted) <= limits.MAX_UNSTARTED
    assert bad.orphan_stops == len(bad.unstarted)
    assert str(10_000 + flood - 1) in bad.unstarted and "10000" not in bad.unstarted
    fold(start16("GOOD", 1, 7, 100, T0 - 60), projection)  # still joins
    tx = projection.state.transactions[("GOOD", "7")]
    assert (tx.meter_stop, tx.is_open) == (900, False)
    assert projection.state.stations["GOOD"].orphan_stops == 0
    assert projection.state.transactions.keys() == {("GOOD", "7")}


def _waiting(projection: Projection, station: str) -> int:
    return sum(len(ss) for (sid, _), ss in projection.waiting().samples if sid == station)


def test_readings_waiting_for_an_evse_keep_the_newest_per_transaction() -> None:
    start = tx_event("BAD", "Started", "TX", 0, T0, token="X")  # no EVSE named
    updates = [
        frame
        for n in range(1, limits.METER_HISTORY + 100)
        for frame in tx_event("BAD", "Updated", "TX", n, T0 + n, energy=float(n))
    ]
    projection = fold([*start, *updates])
    assert _waiting(projection, "BAD") == limits.METER_HISTORY
    fold(tx_event("BAD", "Updated", "TX", 10_000, T0 + 10_000, evse=3), projection)
    history = projection.state.stations["BAD"].evses[3].history
    assert len(history) == limits.METER_HISTORY
    assert history[-1][1] == limits.METER_HISTORY + 99  # the newest reading landed
    assert _waiting(projection, "BAD") == 0


def test_readings_waiting_are_bounded_per_station() -> None:
    projection = fold(tx_event("GOOD", "Updated", "G", 1, T0, energy=5.0))
    per_tx = 100
    for t in range(limits.MAX_PENDING_SAMPLES // per_tx + 20):
        for n in range(per_tx):
            projection.apply(tx_event("BAD", "Updated", f"T{t}", n, T0 + n, energy=1.0)[0])
    assert _waiting(projection, "BAD") <= limits.MAX_PENDING_SAMPLES
    assert _waiting(projection, "GOOD") == 1
