"""Id tags of two groups and a master pass, a simulated station to present them at, and what
the wire says of them: for the GroupId and master pass tests (tests/auth_groups)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from ocppdeck.core.csms.store import IdTag
from ocppdeck.core.engine import Engine
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from ocppdeck.core.sim.station import SimStation
from ocppdeck.core.wire.frame import Direction, Kind
from tests.helpers.engine import frames_of, out_calls, partner_of, wait_for
from tests.helpers.simulated import STEADY, calls_in

FLEET_A, FLEET_B, MASTERS = "FLEET-A", "FLEET-B", "MASTERS"
GROUPED = (
    IdTag("A-1", parent=FLEET_A),
    IdTag("A-2", parent=FLEET_A),
    IdTag("B-1", parent=FLEET_B),
    IdTag("MASTER-1", parent=MASTERS),
    IdTag(FLEET_A),
    IdTag(FLEET_B),
    IdTag(MASTERS),
)


@dataclass(slots=True)
class Booted:
    """A booted simulated station, and its fleet (closed and started again to take the
    station offline and back)."""

    station: SimStation
    fleet: Fleet

    @property
    def sid(self) -> str:
        """The station's id."""
        return self.station.spec.station_id

    async def offline(self) -> None:
        """Stop the station's link; it keeps its transactions, list and settings."""
        await self.fleet.close()
        assert not self.station.connected

    async def online(self) -> None:
        """Connect the station again and wait until it has booted."""
        await self.fleet.start()
        await wait_for(lambda: self.station.booted, timeout=10)


@asynccontextmanager
async def grouped_station(engine: Engine, protocol: str) -> AsyncIterator[Booted]:
    """The engine knows GROUPED; one booted simulated station of `protocol` with at least
    two connectors, all free."""
    engine.store.put_id_tags(list(GROUPED))
    [spec] = fleet_specs(1, seed=3, protocols=[protocol])
    fleet = Fleet([spec], engine.csms.url, STEADY)
    await fleet.start()
    try:
        [station] = fleet.stations
        assert len(station.connectors) >= 2
        await wait_for(lambda: station.booted, timeout=10)
        await wait_for(lambda: all(c.accepts_remote_start() for c in station.connectors.values()))
        yield Booted(station, fleet)
    finally:
        await fleet.close()


def last_local_list(engine: Engine, station_id: str) -> dict[str, Any]:
    """The payload of the last SendLocalList the CSMS sent the station."""
    return out_calls(engine, station_id, "SendLocalList")[-1].payload


def stops(engine: Engine, station_id: str) -> list[dict[str, Any]]:
    """The station's StopTransactions (1.6) or TransactionEvents Ended (2.x), oldest first."""
    ended = [
        p for p in calls_in(engine, station_id, "TransactionEvent") if p["eventType"] == "Ended"
    ]
    return calls_in(engine, station_id, "StopTransaction") + ended


def authorized(engine: Engine, station_id: str) -> list[str]:
    """The tags the station sent Authorize for, oldest first (1.6 idTag, 2.x idToken)."""
    return [
        p.get("idTag") or p["idToken"]["idToken"] for p in calls_in(engine, station_id, "Authorize")
    ]


def exchanged(engine: Engine, station_id: str, action: str) -> list[tuple[dict[str, Any], Any]]:
    """(the station's call, the CSMS's answer payload, None before it) of each `action` the
    station sent, oldest first."""
    found = []
    for frame in frames_of(engine, station_id):
        if frame.kind is Kind.CALL and frame.direction is Direction.IN and frame.action == action:
            answer = partner_of(engine, frame)
            found.append((frame.payload, None if answer is None else answer.payload))
    return found
