"""GetVariables and SetVariables split to the station's ItemsPerMessage (2.x B05/B06), on
loopback against simulated 2.0.1 stations that refuse a larger request."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ocppdeck.core.csms.items_per_message import COMPONENT, DEFAULT_ITEMS, limit_of
from ocppdeck.core.csms.outbound_queue import CallState
from ocppdeck.core.engine import Engine
from ocppdeck.core.model.state import ReportedVariable, StationState, VariableKey
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from tests.helpers.engine import frames_of, own_engine, wait_for
from tests.helpers.sim_csms import QUIET


@asynccontextmanager
async def station(tmp_path: Path, items: int) -> AsyncIterator[tuple[Engine, str]]:
    """The engine and one booted simulated 2.0.1 station taking `items` per message, whose
    limit the engine has read from its base report."""
    async with own_engine(tmp_path) as engine:
        [spec] = fleet_specs(1, seed=4, protocols=["ocpp2.0.1"])
        fleet = Fleet([spec], engine.csms.url, replace(QUIET, items_per_message=items))
        await fleet.start()
        try:
            sid = spec.station_id
            await wait_for(lambda: fleet.stations[0].booted, timeout=10)
            await wait_for(lambda: _reported_limit(engine, sid), timeout=10)
            yield engine, sid
        finally:
            await fleet.close()


def _reported_limit(engine: Engine, sid: str) -> bool:
    station = engine.state.stations.get(sid)
    return station is not None and any(k.component == COMPONENT for k in station.variables)


def items(n: int, value: str | None = None) -> list[dict[str, Any]]:
    found = []
    for i in range(n):
        item: dict[str, Any] = {
            "component": {"name": "OCPPCommCtrlr"},
            "variable": {"name": f"Variable{i}"},
        }
        if value is not None:
            item["attributeValue"] = value
        found.append(item)
    return found


def exchanged(engine: Engine, sid: str, action: str) -> tuple[list[Frame], dict[str, Kind]]:
    """The CSMS's calls of `action` to the station, and the kind of each answer by id."""
    frames = frames_of(engine, sid)
    sent = [
        f
        for f in frames
        if f.kind is Kind.CALL and f.direction is Direction.OUT and f.action == action
    ]
    answers = {
        f.unique_id: f.kind
        for f in frames
        if f.direction is Direction.IN and f.kind in (Kind.RESULT, Kind.ERROR)
    }
    return sent, answers


@pytest.mark.timeout(40)
async def test_25_variables_to_a_station_of_10_per_message_go_as_3_requests(
    tmp_path: Path,
) -> None:
    async with station(tmp_path, 10) as (engine, sid):
        command = engine.commands.craft(sid, "GetVariables", {"getVariableData": items(25)})
        # One command for the operator: answered once every part is, with all 25 results.
        outcome = await asyncio.wait_for(command.future, 15)
        assert outcome.state is CallState.ANSWERED
        results = outcome.response.get_variable_result
        assert [r["variable"]["name"] for r in results] == [f"Variable{i}" for i in range(25)]
        assert outcome.status == "25 UnknownVariable"  # the sim knows none of these names

        def answered() -> bool:
            sent, answers = exchanged(engine, sid, "GetVariables")
            return len(sent) == 3 and all(f.unique_id in answers for f in sent)

        await wait_for(answered)  # the frame log has every part and its answer
        sent, answers = exchanged(engine, sid, "GetVariables")
        assert [len(f.payload["getVariableData"]) for f in sent] == [10, 10, 5]
        names = [d["variable"]["name"] for f in sent for d in f.payload["getVariableData"]]
        assert names == [f"Variable{i}" for i in range(25)]  # in order, none lost
        assert {answers[f.unique_id] for f in sent} == {Kind.RESULT}

        # Sent as written (a test of the station), the station refuses it whole.
        engine.commands.craft(sid, "GetVariables", {"getVariableData": items(25)}, check=False)
        await wait_for(lambda: len(exchanged(engine, sid, "GetVariables")[0]) == 4, timeout=15)
        last = exchanged(engine, sid, "GetVariables")[0][-1]
        await wait_for(lambda: last.unique_id in exchanged(engine, sid, "GetVariables")[1])
        [error] = [
            f
            for f in frames_of(engine, sid)
            if f.kind is Kind.ERROR and f.unique_id == last.unique_id
        ]
        assert error.action == "OccurrenceConstraintViolation"


@pytest.mark.timeout(40)
async def test_the_limit_comes_from_the_station_report(tmp_path: Path) -> None:
    async with station(tmp_path, 4) as (engine, sid):
        assert limit_of(engine.state.stations[sid], "SetVariables") == 4
        engine.commands.craft(sid, "SetVariables", {"setVariableData": items(9, "60")})

        def answered() -> bool:
            sent, answers = exchanged(engine, sid, "SetVariables")
            return len(sent) == 3 and all(f.unique_id in answers for f in sent)

        await wait_for(answered, timeout=15)
        sent, answers = exchanged(engine, sid, "SetVariables")
        assert [len(f.payload["setVariableData"]) for f in sent] == [4, 4, 1]
        assert {answers[f.unique_id] for f in sent} == {Kind.RESULT}


def test_either_name_of_the_limit_is_read_and_a_station_that_said_none_gets_the_default() -> None:
    station = StationState("CP1")
    assert limit_of(station, "GetVariables") == DEFAULT_ITEMS
    assert limit_of(None, "SetVariables") == DEFAULT_ITEMS
    key = VariableKey("DeviceDataCtrlr", "ItemsPerMessageGetVariables")
    station.variables[key] = ReportedVariable(0.0, "7", "ReadOnly")
    station.variables[VariableKey("DeviceDataCtrlr", "ItemsPerMessage", "", "SetVariables")] = (
        ReportedVariable(0.0, "not a number", "ReadOnly")
    )
    assert limit_of(station, "GetVariables") == 7
    assert limit_of(station, "SetVariables") == DEFAULT_ITEMS  # a value that is no limit
