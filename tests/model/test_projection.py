"""The projection: hand-built OCPP 1.6 frames folded into state."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocppdeck.core.clock import to_iso
from ocppdeck.core.model.projection import Projection
from ocppdeck.core.model.state import ConnectorCount, CountVerdict, State, connector_count
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from tests.helpers.folded import project

T0 = 1_700_000_000.0
ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
_uids = itertools.count(1)


# --- frame builders -------------------------------------------------------
def call(
    station: str,
    action: str,
    payload: dict[str, Any],
    ts: float,
    direction: Direction = Direction.IN,
    uid: str | None = None,
) -> Frame:
    """A CALL frame; the message id is made up unless given."""
    return Frame(
        ts, station, direction, Kind.CALL, uid or f"m{next(_uids)}", action, payload, "ocpp1.6"
    )


def answer(request: Frame, payload: dict[str, Any], delay: float = 0.05) -> Frame:
    """The CALLRESULT of a request, going the other way."""
    back = Direction.OUT if request.direction is Direction.IN else Direction.IN
    return Frame(
        request.ts + delay,
        request.station,
        back,
        Kind.RESULT,
        request.unique_id,
        "",
        payload,
        "ocpp1.6",
    )


def pair(request: Frame, payload: dict[str, Any] | None = None) -> list[Frame]:
    return [request, answer(request, payload or {})]


def boot(station: str, ts: float, vendor: str = "ACME", model: str = "Twin") -> list[Frame]:
    req = call(
        station,
        "BootNotification",
        {"chargePointVendor": vendor, "chargePointModel": model, "firmwareVersion": "1.2"},
        ts,
    )
    return pair(req, {"status": "Accepted", "currentTime": to_iso(ts), "interval": 60})


def status(
    station: str,
    connector: int,
    value: str,
    ts: float,
    error_code: str = "NoError",
    payload_ts: float | None = None,
) -> list[Frame]:
    """A StatusNotification pair; `payload_ts` is the station's own time (default: `ts`)."""
    payload = {
        "connectorId": connector,
        "status": value,
        "errorCode": error_code,
        "timestamp": to_iso(ts if payload_ts is None else payload_ts),
    }
    return pair(call(station, "StatusNotification", payload, ts))


def sampled(
    energy: float | None, unit: str = "Wh", power: float | None = None
) -> list[dict[str, Any]]:
    values: list[dict[str, Any]] = []
    if energy is not None:
        values.append({"value": str(energy), "measurand": ENERGY, "unit": unit})
    if power is not None:
        values.append({"value": str(power), "measurand": POWER, "unit": "W"})
    return values


def meter(
    station: str,
    connector: int,
    ts: float,
    energy: float | None,
    unit: str = "Wh",
    power: float | None = None,
    tx: int | None = None,
) -> list[Frame]:
    payload: dict[str, Any] = {
        "connectorId": connector,
        "meterValue": [{"timestamp": to_iso(ts), "sampledValue": sampled(energy, unit, power)}],
    }
    if tx is not None:
        payload["transactionId"] = tx
    return pair(call(station, "MeterValues", payload, ts))


def start_tx(
    station: str, connector: int, tag: str, meter_start: int, ts: float, tx: int
) -> list[Frame]:
    req = call(
        station,
        "StartTransaction",
        {
            "connectorId": connector,
            "idTag": tag,
            "meterStart": meter_start,
            "timestamp": to_iso(ts),
        },
        ts,
    )
    return pair(req, {"transactionId": tx, "idTagInfo": {"status": "Accepted"}})


def stop_tx(
    station: str,
    tx: int,
    meter_stop: int,
    ts: float,
    data: list[dict[str, Any]] | None = None,
    reason: str = "Local",
) -> list[Frame]:
    payload: dict[str, Any] = {
        "transactionId": tx,
        "meterStop": meter_stop,
        "timestamp": to_iso(ts),
        "reason": reason,
    }
    if data is not None:
        payload["transactionData"] = data
    return pair(call(station, "StopTransaction", payload, ts))


def get_config(station: str, count: int, ts: float) -> list[Frame]:
    """The CSMS asks NumberOfConnectors; the station answers `count`."""
    req = call(station, "GetConfiguration", {"key": ["NumberOfConnectors"]}, ts, Direction.OUT)
    return pair(
        req,
        {
            "configurationKey": [
                {"key": "NumberOfConnectors", "readonly": True, "value": str(count)}
            ]
        },
    )


def event(station: str, kind: Kind, ts: float) -> Frame:
    return Frame(ts, station, Direction.IN, kind, protocol="ocpp1.6")


# --- station, status, meters ---------------------------------------------
def test_boot_fills_station_fields() -> None:
    state = project(boot("CP1", T0, vendor="ACME", model="Twin"))
    st1 = state.stations["CP1"]
    assert (st1.vendor, st1.model, st1.firmware) == ("ACME", "Twin", "1.2")
    assert st1.boot_status == "Accepted"
    assert st1.protocol == "ocpp1.6"
    assert st1.last_boot == T0
    assert st1.frames == 2


def test_newer_boot_wins_even_when_folded_first() -> None:
    frames = boot("CP1", T0 + 100, model="New") + boot("CP1", T0, model="Old")
    assert project(frames).stations["CP1"].model == "New"


def test_status_notification_sets_connector_and_station_status() -> None:
    frames = status("CP1", 0, "Available", T0) + status(
        "CP1", 2, "Faulted", T0 + 1, error_code="GroundFailure"
    )
    station = project(frames).stations["CP1"]
    assert (station.status, station.error_code) == ("Available", "NoError")
    conn = station.evses[2]
    assert (conn.status, conn.error_code) == ("Faulted", "GroundFailure")
    assert 0 not in station.evses


def test_meter_values_energy_in_wh_and_kwh_and_power() -> None:
    frames = meter("CP1", 1, T0, 1500, "Wh", power=7200) + meter("CP1", 2, T0, 12.5, "kWh")
    station = project(frames).stations["CP1"]
    assert station.evses[1].energy_wh == 1500
    assert station.evses[1].power_w == 7200
    assert station.evses[2].energy_wh == pytest.approx(12_500)
    assert station.evses[2].power_w is None


def test_older_status_arriving_later_does_not_overwrite() -> None:
    newer = status("CP1", 1, "Charging", T0 + 10, payload_ts=T0 + 5)
    older = status("CP1", 1, "Preparing", T0 + 20, payload_ts=T0 + 1)  # delayed in transit
    state = project(newer + older)
    conn = state.stations["CP1"].evses[1]
    assert conn.status == "Charging"
    assert conn.status_at == T0 + 5


def test_older_station_status_arriving_later_does_not_overwrite() -> None:
    newer = status("CP1", 0, "Unavailable", T0 + 10, error_code="OtherError")
    older = status("CP1", 0, "Available", T0 + 20, payload_ts=T0 + 1)
    station = project(newer + older).stations["CP1"]
    assert (station.status, station.error_code) == ("Unavailable", "OtherError")


def test_older_meter_value_arriving_later_does_not_overwrite() -> None:
    frames = meter("CP1", 1, T0 + 60, 3000, power=11000) + meter("CP1", 1, T0 + 30, 2000, power=0)
    conn = project(frames).stations["CP1"].evses[1]
    assert (conn.energy_wh, conn.power_w) == (3000, 11000)
    assert [s[0] for s in conn.history] == [T0 + 30, T0 + 60]


# --- transactions ---------------------------------------------------------
def test_open_transaction_and_energy_so_far() -> None:
    frames = (
        start_tx("CP1", 1, "TAG-1", 1000, T0, tx=7)
        + meter("CP1", 1, T0 + 60, 1800, tx=7)
        + meter("CP1", 1, T0 + 120, 2.6, "kWh", tx=7)
    )
    state = project(frames)
    [tx] = state.open_transactions()
    assert (tx.station, tx.transaction_id, tx.evse_id, tx.id_tag) == ("CP1", "7", 1, "TAG-1")
    assert tx.meter_start == 1000
    assert tx.started_at == T0
    assert state.energy_so_far(tx) == pytest.approx(1600)
    assert state.open_transaction_on("CP1", 1) is tx
    assert state.open_transaction_on("CP1", 2) is None


def test_stop_transaction_closes_it_and_folds_transaction_data() -> None:
    data = [
        {"timestamp": to_iso(T0 + 60), "sampledValue": sampled(1500, power=7000)},
        {"timestamp": to_iso(T0 + 120), "sampledValue": sampled(2.2, "kWh", power=7000)},
    ]
    frames = start_tx("CP1", 2, "TAG-1", 1000, T0, tx=8) + stop_tx(
        "CP1", 8, 2500, T0 + 180, data, reason="EVDisconnected"
    )
    state = project(frames)
    assert state.open_transactions() == []
    tx = state.transactions[("CP1", "8")]
    assert not tx.is_open
    assert (tx.stopped_at, tx.meter_stop, tx.stop_reason) == (T0 + 180, 2500, "EVDisconnected")
    assert state.energy_so_far(tx) == 1500
    conn = state.stations["CP1"].evses[2]
    assert conn.energy_wh == 2500  # the meterStop reading is the newest
    assert conn.power_w == 0
    assert (T0 + 120, 2200.0, 7000.0) in conn.history


def test_stop_arriving_before_start_still_lands_on_the_connector() -> None:
    data = [{"timestamp": to_iso(T0 + 60), "sampledValue": sampled(1400)}]
    frames = stop_tx("CP1", 9, 2000, T0 + 90, data) + start_tx("CP1", 2, "T", 1000, T0, tx=9)
    state = project(frames)
    tx = state.transactions[("CP1", "9")]
    assert not tx.is_open
    assert tx.evse_id == 2
    assert state.energy_so_far(tx) == 1000
    assert state.stations["CP1"].evses[2].energy_wh == 2000


def test_answer_before_request_still_joins() -> None:
    req, res = start_tx("CP1", 1, "TAG-1", 500, T0, tx=11)
    state = project([res, req])
    assert [tx.transaction_id for tx in state.open_transactions("CP1")] == ["11"]
    boot_req, boot_res = boot("CP2", T0)
    assert project([boot_res, boot_req]).stations["CP2"].boot_status == "Accepted"


def test_get_configuration_answer_declares_connector_count() -> None:
    state = project(get_config("CP1", 3, T0))
    assert state.stations["CP1"].declared_evses == 3


# --- connector count verdicts ---------------------------------------------
def _count(frames: list[Frame]) -> ConnectorCount:
    return connector_count(project(frames).stations["CP1"])


def test_count_unknown_without_declaration() -> None:
    verdict = _count(boot("CP1", T0) + status("CP1", 1, "Available", T0 + 1))
    assert (verdict.verdict, verdict.declared, verdict.seen) == (CountVerdict.UNKNOWN, None, 1)
    assert verdict.reason == "no connector count declared"
    assert verdict.correct is None


def test_count_ok_when_every_declared_connector_reported() -> None:
    frames = (
        boot("CP1", T0)
        + get_config("CP1", 2, T0 + 1)
        + status("CP1", 1, "Available", T0 + 2)
        + meter("CP1", 2, T0 + 3, 100)
    )
    verdict = _count(frames)
    assert (verdict.verdict, verdict.declared, verdict.seen) == (CountVerdict.OK, 2, 2)
    assert verdict.reason is None
    assert verdict.correct is True


def test_count_missing_when_a_declared_connector_never_reported_since_boot() -> None:
    frames = (
        status("CP1", 2, "Available", T0 - 50)  # before the boot: does not count
        + boot("CP1", T0)
        + get_config("CP1", 2, T0 + 1)
        + status("CP1", 1, "Available", T0 + 2)
    )
    verdict = _count(frames)
    assert (verdict.verdict, verdict.declared, verdict.seen) == (CountVerdict.MISSING, 2, 1)
    assert verdict.reason == "declares 2, 1 reported since the last boot"
    assert verdict.correct is False


def test_count_contradicted_when_a_connector_beyond_the_count_reports() -> None:
    frames = (
        boot("CP1", T0)
        + get_config("CP1", 2, T0 + 1)
        + status("CP1", 1, "Available", T0 + 2)
        + status("CP1", 2, "Available", T0 + 2)
        + status("CP1", 3, "Available", T0 + 3)
    )
    verdict = _count(frames)
    assert (verdict.verdict, verdict.declared, verdict.seen) == (CountVerdict.CONTRADICTED, 2, 3)
    assert verdict.reason == "declares 2 but connector 3 reported since the last boot"
    assert verdict.correct is False


def test_count_stale_when_declared_before_the_newest_boot() -> None:
    frames = (
        boot("CP1", T0)
        + get_config("CP1", 2, T0 + 1)
        + boot("CP1", T0 + 100)
        + status("CP1", 1, "Available", T0 + 101)
        + status("CP1", 2, "Available", T0 + 101)
    )
    verdict = _count(frames)
    assert (verdict.verdict, verdict.declared, verdict.seen) == (CountVerdict.STALE, 2, 2)
    assert verdict.reason == "count declared before the last boot"
    assert verdict.correct is None


def test_count_newest_declaration_wins() -> None:
    frames = get_config("CP1", 4, T0 + 50) + get_config("CP1", 2, T0 + 10)
    assert project(frames).stations["CP1"].declared_evses == 4


# --- online / offline -----------------------------------------------------
def test_online_follows_connection_events() -> None:
    projection = Projection()
    state = projection.state
    projection.apply(event("CP1", Kind.CONNECTED, T0))
    assert state.is_online(state.stations["CP1"])
    projection.apply(event("CP1", Kind.DISCONNECTED, T0 + 1))
    assert not state.is_online(state.stations["CP1"])
    projection.apply(event("CP1", Kind.CONNECTED, T0 + 2))
    assert state.is_online(state.stations["CP1"])
    projection.apply(Frame(T0 + 3, "", Direction.IN, Kind.SERVER_START))
    assert not state.is_online(state.stations["CP1"])
    assert state.server_started_at == T0 + 3
    projection.apply(event("CP1", Kind.CONNECTED, T0 + 4))
    assert state.is_online(state.stations["CP1"])


def test_a_refusal_makes_no_station_but_marks_a_known_one() -> None:
    assert project([event("CP1", Kind.REFUSED, T0)]).stations == {}
    known = [
        event("CP1", Kind.CONNECTED, T0),
        event("CP1", Kind.DISCONNECTED, T0 + 1),
        event("CP1", Kind.REFUSED, T0 + 2),
    ]
    station = project(known).stations["CP1"]
    assert station.refused_at == T0 + 2
    assert not project(known).is_online(station)


def test_late_disconnect_of_an_old_connection_wins_by_time() -> None:
    frames = [event("CP1", Kind.CONNECTED, T0 + 10), event("CP1", Kind.DISCONNECTED, T0 + 5)]
    state = project(frames)
    assert state.is_online(state.stations["CP1"])


# --- order tolerance ------------------------------------------------------
def _fleet() -> list[Frame]:
    """A realistic morning of two stations, in wire order."""
    t = T0
    cp1_data = [
        {"timestamp": to_iso(t + 400), "sampledValue": sampled(5.1, "kWh", power=7000)},
    ]
    return [
        Frame(t - 1, "", Direction.IN, Kind.SERVER_START),
        event("CP1", Kind.CONNECTED, t),
        *boot("CP1", t + 1),
        *get_config("CP1", 2, t + 2),
        *status("CP1", 0, "Available", t + 3),
        *status("CP1", 1, "Available", t + 3),
        *status("CP1", 2, "Available", t + 3),
        event("CP2", Kind.CONNECTED, t + 5),
        *boot("CP2", t + 6, vendor="Other", model="Solo"),
        *get_config("CP2", 1, t + 7),
        *status("CP2", 1, "Available", t + 8),
        *status("CP1", 1, "Preparing", t + 10),
        *start_tx("CP1", 1, "TAG-A", 1000, t + 12, tx=1),
        *status("CP1", 1, "Charging", t + 13),
        *meter("CP1", 1, t + 60, 1.6, "kWh", power=7200, tx=1),
        *status("CP2", 1, "Preparing", t + 70),
        *start_tx("CP2", 1, "TAG-B", 4000, t + 71, tx=2),
        *meter("CP1", 1, t + 120, 2300, power=7100, tx=1),
        *meter("CP2", 1, t + 130, 4500, power=11000, tx=2),
        *start_tx("CP1", 2, "TAG-C", 5000, t + 200, tx=3),
        *meter("CP1", 2, t + 300, 5050, power=3000, tx=3),
        *stop_tx("CP1", 3, 5200, t + 500, cp1_data),
        *stop_tx("CP1", 3, 5200, t + 500, cp1_data),  # resent: no answer came in time
        *stop_tx("CP2", 99, 10, t + 550),  # a transaction never started
        *status("CP1", 2, "Finishing", t + 501),
        *status("CP1", 2, "Available", t + 510),
        *status("CP1", 0, "Unavailable", t + 520, error_code="OtherError"),
        *meter("CP1", 1, t + 180, 2900, power=7000, tx=1),
        *status("CP2", 1, "Charging", t + 72),
        event("CP2", Kind.DISCONNECTED, t + 600),
        *status("CP2", 3, "Available", t + 601),
    ]


def _answers(state: State) -> dict[str, Any]:
    return {
        "stations": sorted(state.stations),
        "station": {
            sid: (s.vendor, s.model, s.status, s.error_code, state.is_online(s))
            for sid, s in state.stations.items()
        },
        "connectors": {
            (sid, cid): (c.status, c.error_code, c.energy_wh, c.power_w)
            for sid, s in state.stations.items()
            for cid, c in s.evses.items()
        },
        "counts": {sid: connector_count(s) for sid, s in state.stations.items()},
        "open": sorted(state.open),
        "energy_so_far": {key: state.energy_so_far(tx) for key, tx in state.open.items()},
        "closed": sorted(key for key, tx in state.transactions.items() if not tx.is_open),
        "transactions": {
            key: (tx.evse_id, tx.id_tag, tx.started_at, tx.stopped_at, tx.meter_stop)
            for key, tx in state.transactions.items()
        },
        "orphan stops": {sid: s.orphan_stops for sid, s in state.stations.items()},
        "history": {
            (sid, cid): list(c.history)
            for sid, s in state.stations.items()
            for cid, c in s.evses.items()
        },
    }


FLEET = _fleet()
EXPECTED = _answers(project(FLEET))


def test_fleet_answers_in_wire_order() -> None:
    """Pin the in-order answers so the property test compares against known truth."""
    assert EXPECTED["stations"] == ["CP1", "CP2"]
    assert EXPECTED["station"]["CP1"] == ("ACME", "Twin", "Unavailable", "OtherError", True)
    assert EXPECTED["station"]["CP2"][4] is False
    assert EXPECTED["connectors"][("CP1", 1)] == ("Charging", "NoError", 2900, 7000)
    assert EXPECTED["connectors"][("CP1", 2)] == ("Available", "NoError", 5200, 0)
    assert EXPECTED["connectors"][("CP2", 1)] == ("Charging", "NoError", 4500, 11000)
    assert EXPECTED["counts"]["CP1"].verdict is CountVerdict.OK
    assert EXPECTED["counts"]["CP2"].verdict is CountVerdict.CONTRADICTED
    assert (EXPECTED["counts"]["CP2"].declared, EXPECTED["counts"]["CP2"].seen) == (1, 2)
    assert EXPECTED["open"] == [("CP1", "1"), ("CP2", "2")]
    assert EXPECTED["energy_so_far"] == {("CP1", "1"): 1900, ("CP2", "2"): 500}
    assert EXPECTED["closed"] == [("CP1", "3")]  # the stop with no start made none
    assert EXPECTED["transactions"][("CP1", "3")] == (2, "TAG-C", T0 + 200, T0 + 500, 5200)
    assert EXPECTED["orphan stops"] == {"CP1": 0, "CP2": 1}
    assert len(EXPECTED["history"][("CP1", 2)]) == 4  # the resent stop's readings once


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.integers(0, len(FLEET) - 1), max_size=12).flatmap(
        lambda dups: st.permutations(FLEET + [FLEET[i] for i in dups])
    )
)
def test_any_order_with_duplicates_gives_the_same_answers(frames: list[Frame]) -> None:
    assert _answers(project(frames)) == EXPECTED
