"""The simulator's side of a Pending boot, against ocppdeck on loopback: it waits, sends
only what it is asked for, and charges once accepted; the CSMS never has to refuse it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocppdeck.core.csms.registry import Standing
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from ocppdeck.core.wire.frame import Direction, Kind
from tests.helpers.engine import frames_of, own_engine, wait_for
from tests.helpers.sim_csms import QUIET


@pytest.mark.timeout(40)
@pytest.mark.parametrize("protocol", ["ocpp2.0.1", "ocpp1.6"])
async def test_a_simulated_station_waits_while_pending_and_boots_when_asked(
    tmp_path: Path, protocol: str
) -> None:
    async with own_engine(tmp_path, registration="pending") as engine:
        [spec] = fleet_specs(1, seed=6, protocols=[protocol])
        sid = spec.station_id
        fleet = Fleet([spec], engine.csms.url, QUIET)
        await fleet.start()
        try:
            sim = fleet.stations[0]
            registry = engine.csms.registry

            def pending() -> bool:
                entry, station = registry.get(sid), engine.state.stations.get(sid)
                waits = entry is not None and entry.standing is Standing.PENDING
                return waits and station is not None and station.boot_status == "Pending"

            await wait_for(pending, timeout=10)
            # Asked for its status while Pending, it sends it, and it is taken.
            engine.commands.trigger_message(sid, "StatusNotification", 1)

            def status_taken() -> bool:
                frames = frames_of(engine, sid)
                asked = [f for f in frames if f.direction is Direction.IN and f.kind is Kind.CALL]
                return any(f.action == "StatusNotification" for f in asked)

            await wait_for(status_taken, timeout=10)
            assert not sim.booted
            registry.accept(sid)
            engine.commands.boot_again(sid)  # TriggerMessage BootNotification
            await wait_for(lambda: sim.booted, timeout=10)
            await wait_for(lambda: engine.state.stations[sid].boot_status == "Accepted")
            await wait_for(lambda: any(f.action == "Heartbeat" for f in frames_of(engine, sid)))
            # The station never sent what it was not asked for: the CSMS refused nothing.
            refused = [
                f
                for f in frames_of(engine, sid)
                if f.kind is Kind.ERROR and f.direction is Direction.OUT
            ]
            assert refused == []
        finally:
            await fleet.close()
