"""A live engine and one booted simulated 2.x station on 127.0.0.1, for the monitoring and
display-message tests; and the versions that have those blocks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

from ocppdeck.core.csms.outbound_queue import Outcome, QueuedCall
from ocppdeck.core.dialects import DIALECTS, V16
from ocppdeck.core.engine import Engine
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from ocppdeck.core.sim.station import SimStation
from tests.helpers.engine import own_engine, wait_for
from tests.helpers.sim_csms import QUIET

# 2.0.1 and 2.1: 1.6 has neither monitoring nor display messages.
DEVICE_MODEL_VERSIONS = [name for name in DIALECTS if name != V16.name]
# Sessions that last until stopped, so a charge's power is read over many intervals.
STEADY = replace(QUIET, session_mean=1e6)


@asynccontextmanager
async def simulated(tmp_path: Path, protocol: str) -> AsyncIterator[tuple[Engine, SimStation]]:
    """The engine and one booted simulated station of `protocol`, ready to charge."""
    async with own_engine(tmp_path) as engine:
        [spec] = fleet_specs(1, seed=3, protocols=[protocol])
        fleet = Fleet([spec], engine.csms.url, STEADY)
        await fleet.start()
        try:
            [station] = fleet.stations
            await wait_for(lambda: station.booted, timeout=10)
            await wait_for(lambda: spec.station_id in engine.state.stations)
            await wait_for(
                lambda: all(c.accepts_remote_start() for c in station.connectors.values())
            )
            yield engine, station
        finally:
            await fleet.close()


async def answered(queued: QueuedCall) -> Outcome:
    """The station's answer to a queued command."""
    return await queued.future
