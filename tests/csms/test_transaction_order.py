"""Transactions as real stations send them over loopback: a 2.0.1 start before plug-in,
a gap in seqNos and a resent Ended; a 1.6 resent StopTransaction and a stop for a
transaction the CSMS never started. Every call is answered; the state records each once."""

from __future__ import annotations

import time
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from ocpp import v201
from ocpp.routing import on
from ocpp.v16 import call as call16

from ocppdeck.core.clock import to_iso
from ocppdeck.core.engine import Engine
from ocppdeck.core.model.projection import fold
from ocppdeck.core.replay.marks import Mark, mark_of
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from tests.helpers.engine import frames_of, partner_of, wait_for
from tests.helpers.folded import recorded
from tests.helpers.station16 import boot as boot16
from tests.helpers.station16 import station as station16

ENERGY = "Energy.Active.Import.Register"


class Station201(v201.ChargePoint):
    """A 2.0.1 station that accepts the base report the CSMS asks for after boot."""

    @on("GetBaseReport")
    def on_get_base_report(self, **_: Any) -> v201.call_result.GetBaseReport:
        return v201.call_result.GetBaseReport(status="Accepted")


def station201(engine: Engine, station_id: str) -> AbstractAsyncContextManager[Station201]:
    return station16(engine, station_id, Station201, "ocpp2.0.1", response_timeout=5)


def event(kind: str, seq: int, ts: float, energy: float, **extra: Any) -> Any:
    meter = [{"timestamp": to_iso(ts), "sampled_value": [{"value": energy, "measurand": ENERGY}]}]
    info = {"transaction_id": "tx-early", **extra.pop("info", {})}
    return v201.call.TransactionEvent(
        event_type=kind,
        timestamp=to_iso(ts),
        trigger_reason="MeterValuePeriodic",
        seq_no=seq,
        transaction_info=info,
        meter_value=meter,
        **extra,
    )


def calls(engine: Engine, station_id: str, action: str) -> list[Frame]:
    return [
        f
        for f in frames_of(engine, station_id)
        if f.kind is Kind.CALL and f.direction is Direction.IN and f.action == action
    ]


def marks(frames: list[Frame]) -> list[tuple[str, Mark]]:
    """(action, mark) of each marked frame of a fold."""
    found: list[tuple[str, Mark]] = []

    def note(frame: Frame, facts: Any) -> None:
        mark = mark_of(frame, facts)
        if mark is not None:
            found.append((frame.action, mark))

    fold(frames, after=note)
    return found


@pytest.mark.timeout(30)
async def test_a_201_start_before_plug_in_a_gap_and_a_resent_ended(engine: Engine) -> None:
    t0 = time.time()
    key = ("CS-1", "tx-early")
    async with station201(engine, "CS-1") as cp:
        await cp.call(
            v201.call.BootNotification(
                charging_station={"vendor_name": "ACME", "model": "Duo"}, reason="PowerUp"
            )
        )
        token = {"id_token": "TAG-7", "type": "ISO14443"}
        started = await cp.call(event("Started", 0, t0, 1000, id_token=token))  # no evse
        assert started.id_token_info["status"] == "Accepted"
        await wait_for(lambda: key in engine.state.open)
        tx = engine.state.open[key]
        assert (tx.evse_id, tx.id_tag) == (None, "TAG-7")

        await cp.call(event("Updated", 1, t0 + 30, 1200, evse={"id": 2, "connector_id": 1}))
        await wait_for(lambda: engine.state.open_transaction_on("CS-1", 2) is tx)
        assert engine.state.stations["CS-1"].evses[2].energy_wh == 1200

        await cp.call(event("Updated", 4, t0 + 120, 1800))  # 2 and 3 never sent
        await wait_for(lambda: tx.missing_events == 2)

        ended = await cp.call(event("Ended", 5, t0 + 150, 2000, info={"stopped_reason": "Local"}))
        resent = await cp.call(event("Ended", 5, t0 + 200, 2100, info={"stopped_reason": "Other"}))
        assert ended is not None and resent is not None  # both answered
        await wait_for(lambda: len(calls(engine, "CS-1", "TransactionEvent")) == 5)
        await wait_for(lambda: not tx.is_open)
    assert (tx.stopped_at, tx.meter_stop, tx.stop_reason) == (
        pytest.approx(t0 + 150, abs=0.001),
        2000,
        "Local",
    )
    assert engine.state.energy_so_far(tx) == 1000
    assert engine.state.stations["CS-1"].evses[2].energy_wh == 2000  # the resend's 2100 ignored
    for end in calls(engine, "CS-1", "TransactionEvent")[-2:]:
        answer = partner_of(engine, end)
        assert answer is not None and answer.kind is Kind.RESULT

    await engine.close()
    frames = recorded(engine.settings.recording_path)
    assert fold(frames).state.transactions[key] == tx  # the recording folds the same
    assert ("TransactionEvent", Mark.LOST) in marks(frames)  # n / p in replay reach the gap


@pytest.mark.timeout(30)
async def test_a_16_resent_stop_and_a_stop_for_an_unknown_transaction(engine: Engine) -> None:
    t0 = time.time()
    async with station16(engine, "CP1") as cp:
        await boot16(cp)
        started = await cp.call(
            call16.StartTransaction(
                connector_id=1, id_tag="TAG-1", meter_start=1000, timestamp=to_iso(t0)
            )
        )
        tx_id = started.transaction_id
        stop = {"transaction_id": tx_id, "id_tag": "TAG-1"}
        first = await cp.call(
            call16.StopTransaction(meter_stop=1500, timestamp=to_iso(t0 + 60), **stop)
        )
        again = await cp.call(  # resent, as a station does when an answer comes late
            call16.StopTransaction(meter_stop=1500, timestamp=to_iso(t0 + 60), **stop)
        )
        unknown = await cp.call(
            call16.StopTransaction(
                transaction_id=987_654, meter_stop=10, timestamp=to_iso(t0 + 90), id_tag="TAG-1"
            )
        )
        for answer in (first, again, unknown):
            assert answer.id_tag_info["status"] == "Accepted"
        await wait_for(lambda: engine.state.stations["CP1"].orphan_stops == 1)
    state = engine.state
    assert [key for key in state.transactions if key[0] == "CP1"] == [("CP1", str(tx_id))]
    tx = state.transactions[("CP1", str(tx_id))]
    assert (tx.stopped_at, tx.meter_stop, tx.is_open) == (
        pytest.approx(t0 + 60, abs=0.001),
        1500,
        False,
    )
    assert ("CP1", "987654") not in state.transactions
    assert [s[1] for s in state.stations["CP1"].evses[1].history] == [1000, 1500]  # stop once

    await engine.close()
    frames = recorded(engine.settings.recording_path)
    again_state = fold(frames).state
    assert again_state.transactions[("CP1", str(tx_id))] == tx
    assert again_state.stations["CP1"].orphan_stops == 1
    assert ("StopTransaction", Mark.LOST) in marks(frames)
