"""What a simulated 2.x station reports of smart charging on its own, end to end over loopback
with the console's engine, in 2.0.1 and 2.1.

An EV that charges over ISO 15118 says its needs as it starts to charge, and the EVSE shows
them; a TxProfile for its transaction then gets the EV's schedule, within the profile. Now
and then an EMS or the grid operator caps an EVSE: the station says so, its meter stays
under the cap until it says the cap is gone, and the EVSE shows the limit, then its
clearing. The CSMS answers every one of these messages with a CALLRESULT. 1.6 has no such
messages, and its stations no such episodes.
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft6Validator

from ocppdeck.core.clock import parse_iso
from ocppdeck.core.csms.builders.charging_profile import ProfilePlan, parse_periods
from ocppdeck.core.dialects import V16, V21, V201, dialect
from ocppdeck.core.engine import Engine
from ocppdeck.core.model.charging_schedule import Purpose
from ocppdeck.core.model.projection import fold
from ocppdeck.core.model.state import Topic
from ocppdeck.core.sim.station import SimStation
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from tests.helpers.engine import frames_of, own_engine, partner_of, wait_for
from tests.helpers.simulated import STEADY, calls_in, powers, simulated

TWO_X = [V201.name, V21.name]
# The TxProfile: 5 kW, then 3 kW from 600 s on (the simulator runs 100 times its clock).
TX_PERIODS, FIRST_W, LATER_W = "0:5000, 600:3000", 5000.0, 3000.0


def schema_errors(protocol: str, action: str, payload: dict[str, Any]) -> list[str]:
    """How a station's request breaks its version's schema ([]: it does not)."""
    path = dialect(protocol).request_schema(action)
    schema = json.loads(path.read_text(encoding="utf-8-sig"), parse_float=Decimal)
    instance = json.loads(json.dumps(payload), parse_float=Decimal)
    return [error.message for error in Draft6Validator(schema).iter_errors(instance)]


def incoming(engine: Engine, station_id: str, action: str) -> list[Frame]:
    """The station's CALLs of `action`, in the order the CSMS took them."""
    return [
        f
        for f in frames_of(engine, station_id)
        if f.kind is Kind.CALL and f.direction is Direction.IN and f.action == action
    ]


def assert_all_answered(engine: Engine, station_id: str) -> None:
    """Every CALL of the station got a CALLRESULT, never a CALLERROR."""
    frames = frames_of(engine, station_id)
    assert [f.action for f in frames if f.kind is Kind.ERROR] == []
    for frame in frames:
        if frame.kind is Kind.CALL and frame.direction is Direction.IN:
            answer = partner_of(engine, frame)
            assert answer is not None and answer.kind is Kind.RESULT, frame.action


async def start_everywhere(engine: Engine, station: SimStation) -> None:
    """A remote start on every connector, each charging once started."""
    for evse in station.connectors:
        queued = engine.commands.remote_start(station.spec.station_id, evse, "TAG-0001")
        assert (await queued.future).status == "Accepted"
    await wait_for(lambda: len(station.transactions) == len(station.connectors), timeout=10)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("protocol", TWO_X)
async def test_an_iso15118_ev_says_its_needs_and_picks_a_schedule_within_a_tx_profile(
    tmp_path: Path, protocol: str
) -> None:
    settings = replace(STEADY, iso15118_share=1.0)
    async with own_engine(tmp_path) as engine, simulated(engine, protocol, settings) as sim:
        sid, commands = sim.spec.station_id, engine.commands
        assert (await commands.remote_start(sid, 1, "TAG-0001").future).status == "Accepted"
        await wait_for(lambda: calls_in(engine, sid, "NotifyEVChargingNeeds"), timeout=15)

        # The needs fit the version's schema and name the EVSE, the energy and the departure.
        [needs] = calls_in(engine, sid, "NotifyEVChargingNeeds")
        assert schema_errors(protocol, "NotifyEVChargingNeeds", needs) == []
        asked = needs["chargingNeeds"]
        assert (needs["evseId"], asked["requestedEnergyTransfer"]) == (1, "AC_three_phase")
        wanted = asked["acChargingParameters"]["energyAmount"]
        assert wanted > 0 and asked["departureTime"]

        # The EVSE shows them.
        state = engine.state.stations[sid]
        await wait_for(lambda: state.latest(Topic.NEEDS, 1) is not None)
        shown = state.latest(Topic.NEEDS, 1)
        assert shown is not None and shown.status == "AC_three_phase"
        assert (
            f"{wanted} Wh" in shown.detail and f"departs {asked['departureTime']}" in shown.detail
        )

        # A TxProfile for its transaction: the EV picks its schedule within it.
        tx = str(sim.connectors[1].transaction_id)
        periods = parse_periods(TX_PERIODS)
        plan = ProfilePlan(
            0, 1, Purpose.TX, 0, "W", periods, commands.timestamp(), transaction_id=tx
        )
        assert (await commands.charging_profile(sid, plan).future).status == "Accepted"
        await wait_for(lambda: calls_in(engine, sid, "NotifyEVChargingSchedule"), timeout=15)
        [told] = calls_in(engine, sid, "NotifyEVChargingSchedule")
        assert schema_errors(protocol, "NotifyEVChargingSchedule", told) == []
        schedule = told["chargingSchedule"]
        assert (told["evseId"], schedule["chargingRateUnit"]) == (1, "W")
        first, second = [(p["startPeriod"], p["limit"]) for p in schedule["chargingSchedulePeriod"]]
        assert first == (0, FIRST_W)  # the connector could draw more: the profile holds it
        assert 590 <= second[0] <= 600 and second[1] == LATER_W

        await wait_for(lambda: state.latest(Topic.EV_SCHEDULE, 1) is not None)
        notice = state.latest(Topic.EV_SCHEDULE, 1)
        assert notice is not None and notice.status == "W"
        assert "2 periods" in notice.detail and f"from {FIRST_W}" in notice.detail
        assert_all_answered(engine, sid)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("protocol", TWO_X)
async def test_an_external_limit_is_reported_obeyed_then_cleared(
    tmp_path: Path, protocol: str
) -> None:
    settings = replace(STEADY, external_limit_every=30.0)
    async with own_engine(tmp_path) as engine, simulated(engine, protocol, settings) as sim:
        sid = sim.spec.station_id
        await start_everywhere(engine, sim)
        evse_of = {str(tx): evse for evse, tx in sim.transactions.items()}

        def episode() -> tuple[int, int] | None:
            """Frame indexes of the first NotifyChargingLimit on a charging EVSE whose
            ClearedChargingLimit came too, with readings of that EVSE in between."""
            frames = frames_of(engine, sid)
            for start, frame in enumerate(frames):
                if frame.action != "NotifyChargingLimit" or frame.kind is not Kind.CALL:
                    continue
                evse = frame.payload["evseId"]
                end = next(
                    (
                        n
                        for n in range(start, len(frames))
                        if frames[n].action == "ClearedChargingLimit"
                        and frames[n].kind is Kind.CALL
                        and frames[n].payload["evseId"] == evse
                    ),
                    None,
                )
                if end is not None and readings(frames[start:end], evse, frame):
                    return start, end
            return None

        def readings(frames: list[Frame], evse: int, notify: Frame) -> list[float]:
            """The power the EVSE's transaction reported in these frames, read after the
            limit `notify` reports began (a reading taken just before may still be on its
            way: the station checks each message's schema off the event loop)."""
            began = parse_iso(notify.payload["chargingSchedule"][0]["startSchedule"])
            assert began is not None
            found = []
            for f in frames:
                if f.action != "TransactionEvent" or f.kind is not Kind.CALL:
                    continue
                if evse_of.get(f.payload["transactionInfo"]["transactionId"]) != evse:
                    continue
                for value in f.payload.get("meterValue") or []:
                    taken = parse_iso(value["timestamp"])
                    if taken is None or taken <= began:
                        continue
                    for sample in value["sampledValue"]:
                        if sample.get("measurand") == "Power.Active.Import":
                            found.append(float(sample["value"]))
            return found

        await wait_for(lambda: episode() is not None, timeout=40)
        found = episode()
        assert found is not None
        start, end = found
        frames = frames_of(engine, sid)
        notify, cleared = frames[start], frames[end]
        assert schema_errors(protocol, "NotifyChargingLimit", notify.payload) == []
        assert schema_errors(protocol, "ClearedChargingLimit", cleared.payload) == []
        evse = notify.payload["evseId"]
        source = notify.payload["chargingLimit"]["chargingLimitSource"]
        assert source in ("EMS", "SO") and cleared.payload["chargingLimitSource"] == source
        assert notify.payload["chargingLimit"]["isGridCritical"] is (source == "SO")
        [schedule] = notify.payload["chargingSchedule"]
        [period] = schedule["chargingSchedulePeriod"]
        cap = float(period["limit"])
        rated = sim.connectors[evse].rated_power_w
        assert schedule["chargingRateUnit"] == "W" and 0 < cap < rated

        # Every reading taken since the cap began, up to the report of its end, is under it.
        assert max(readings(frames[start:end], evse, notify)) <= cap

        # The console showed the limit (grid critical when the grid operator's), then its end.
        shown = fold(frames[: start + 1]).state.stations[sid].latest(Topic.LIMIT, evse)
        assert shown is not None and (shown.subject, shown.status) == (source, "Set")
        assert shown.flag is (source == "SO") and f"from {period['limit']} W" in shown.detail
        after = fold(frames[: end + 1]).state.stations[sid].latest(Topic.LIMIT, evse)
        assert after is not None and (after.subject, after.status) == (source, "Cleared")
        assert_all_answered(engine, sid)


@pytest.mark.timeout(60)
async def test_a_16_station_has_neither_outside_limits_nor_ev_needs(tmp_path: Path) -> None:
    # Outside limits would come every 50 ms of real time here, were there any in 1.6.
    settings = replace(STEADY, iso15118_share=1.0, external_limit_every=5.0)
    async with own_engine(tmp_path) as engine, simulated(engine, V16.name, settings) as sim:
        sid = sim.spec.station_id
        await start_everywhere(engine, sim)
        await wait_for(lambda: len(calls_in(engine, sid, "MeterValues")) >= 40, timeout=20)
        rated = {c.rated_power_w for c in sim.connectors.values()}
        assert set(powers(engine, sid)) <= rated | {0.0}
        assert_all_answered(engine, sid)
