"""One simulated station booted on a test's own engine, and what its meter reported."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from ocppdeck.core.engine import Engine
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from ocppdeck.core.sim.spec import SimSettings
from ocppdeck.core.sim.station import SimStation
from ocppdeck.core.wire.frame import Direction, Kind
from tests.helpers.engine import frames_of, wait_for
from tests.helpers.sim_csms import QUIET

# Sessions that last until stopped, so a limit is seen over many meter intervals.
STEADY = replace(QUIET, session_mean=1e6)


@asynccontextmanager
async def simulated(
    engine: Engine, protocol: str, settings: SimSettings = STEADY
) -> AsyncIterator[SimStation]:
    """One booted simulated station of `protocol` on the engine (with `settings`, steady
    sessions unless told), its connectors free."""
    [spec] = fleet_specs(1, seed=3, protocols=[protocol])
    fleet = Fleet([spec], engine.csms.url, settings)
    await fleet.start()
    try:
        [station] = fleet.stations
        await wait_for(lambda: station.booted, timeout=10)
        await wait_for(lambda: all(c.accepts_remote_start() for c in station.connectors.values()))
        yield station
    finally:
        await fleet.close()


def calls_in(engine: Engine, station_id: str, action: str) -> list[dict[str, Any]]:
    """Payloads of the CALLs of `action` the station sent, oldest first."""
    return [
        f.payload
        for f in frames_of(engine, station_id)
        if f.kind is Kind.CALL and f.direction is Direction.IN and f.action == action
    ]


def powers(engine: Engine, station_id: str) -> list[float]:
    """Every Power.Active.Import the station's meter reported, oldest first."""
    found = []
    for action in ("MeterValues", "TransactionEvent"):
        for payload in calls_in(engine, station_id, action):
            for reading in payload.get("meterValue") or []:
                for sample in reading["sampledValue"]:
                    if sample.get("measurand") == "Power.Active.Import":
                        found.append(float(sample["value"]))
    return found
