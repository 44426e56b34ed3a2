"""The simulator's side of tariffs and cost, against ocppdeck on loopback: a 2.0.1 station
keeps the cost it is told; a 1.6 station is told none, and the console computes it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ocppdeck.core.engine import Engine
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from ocppdeck.core.sim.station import SimStation
from ocppdeck.core.wire.frame import Direction, Kind
from ocppdeck.tui.widgets.connectors_table import connector_row
from tests.helpers.engine import frames_of, own_engine, wait_for
from tests.helpers.sim_csms import QUIET

LONG = replace(QUIET, session_mean=3000.0)  # charges for the whole test


@asynccontextmanager
async def charging(
    tmp_path: Path, protocol: str, **settings: Any
) -> AsyncIterator[tuple[Engine, SimStation]]:
    """The engine and one simulated station of `protocol`, charging on connector 1."""
    async with own_engine(tmp_path, **settings) as engine:
        [spec] = fleet_specs(1, seed=3, protocols=[protocol])
        fleet = Fleet([spec], engine.csms.url, LONG)
        await fleet.start()
        try:
            sim = fleet.stations[0]
            await wait_for(lambda: sim.booted, timeout=10)
            await wait_for(lambda: all(c.accepts_remote_start() for c in sim.connectors.values()))
            engine.commands.remote_start(spec.station_id, 1, "TAG-0001")
            await wait_for(lambda: 1 in sim.transactions, timeout=10)
            yield engine, sim
        finally:
            await fleet.close()


@pytest.mark.timeout(40)
async def test_a_simulated_2x_station_keeps_the_running_cost_it_is_told(tmp_path: Path) -> None:
    async with charging(tmp_path, "ocpp2.0.1", tariff_per_kwh=0.4) as (engine, sim):
        tx_id = str(sim.transactions[1])
        await wait_for(lambda: (sim.costs.of(tx_id) or 0) > 0, timeout=15)
        told = sim.costs.of(tx_id)
        sid = sim.spec.station_id
        # What it keeps is what the CSMS said in an answer or a CostUpdated, and the
        # console's projection has the same transaction's cost.
        said = {
            f.payload.get("totalCost")
            for f in frames_of(engine, sid)
            if f.direction is Direction.OUT and f.kind in (Kind.RESULT, Kind.CALL)
        }
        assert told in said
        await wait_for(lambda: any(t.cost for t in engine.state.open_transactions(sid)))


@pytest.mark.timeout(40)
async def test_on_16_the_console_computes_the_cost_and_says_it_is_an_estimate(
    tmp_path: Path,
) -> None:
    async with charging(tmp_path, "ocpp1.6", tariff_per_kwh=0.4, currency="EUR") as (
        engine,
        sim,
    ):
        sid = sim.spec.station_id
        state = engine.state

        def energy() -> float:
            [tx] = state.open_transactions(sid)
            return state.energy_so_far(tx) or 0.0

        await wait_for(lambda: energy() > 0, timeout=15)
        evse = state.stations[sid].evses[1]
        cell = str(connector_row(state, sid, evse, None, engine.csms.costs.tariffs)[5])
        assert "EUR est." in cell and "≈" in cell
        # 1.6 has no cost messages: none was sent.
        assert not [f for f in frames_of(engine, sid) if f.action == "CostUpdated"]
