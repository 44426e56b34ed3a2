"""What a simulated station keeps for the CSMS, seen through the console's engine.

Real engine and real simulated stations of each version on 127.0.0.1: a reservation makes
the connector Reserved and expires; the local list's version is kept and the station
authorizes from the list; a charging limit caps the power the meter reports.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from ocppdeck.core.csms.outbound_queue import Outcome, QueuedCall
from ocppdeck.core.dialects import DIALECTS, V16
from ocppdeck.core.engine import Engine
from ocppdeck.core.model.charging_schedule import PHASES, VOLTS
from tests.helpers.engine import own_engine, wait_for
from tests.helpers.simulated import STEADY, calls_in, powers, simulated


async def answer(queued: QueuedCall) -> Outcome:
    return await queued.future


def status_of(engine: Engine, station_id: str, evse: int) -> str:
    station = engine.state.stations.get(station_id)
    found = station.evses.get(evse) if station is not None else None
    return found.status if found is not None else ""


@pytest.mark.timeout(40)
@pytest.mark.parametrize("protocol", list(DIALECTS))
async def test_a_reservation_shows_reserved_holds_for_its_tag_and_expires(
    tmp_path: Path, protocol: str
) -> None:
    async with own_engine(tmp_path) as engine, simulated(engine, protocol) as station:
        sid, commands = station.spec.station_id, engine.commands
        # One simulated minute: 0.6 s at the simulator's speed.
        reserved = await answer(commands.reserve_now(sid, 1, "TAG-R", 1, 501))
        assert reserved.status == "Accepted"
        await wait_for(lambda: status_of(engine, sid, 1) == "Reserved")
        # Held: another reservation and another tag's start are refused.
        assert (await answer(commands.reserve_now(sid, 1, "TAG-X", 15, 502))).status == "Occupied"
        await wait_for(lambda: station.connectors[1].accepts_remote_start("TAG-R"))
        assert (await answer(commands.remote_start(sid, 1, "TAG-X"))).status == "Rejected"
        # It expires, unused: the connector is free again (2.x also says why).
        await wait_for(lambda: status_of(engine, sid, 1) == "Available", timeout=10)
        assert station.transactions == {}
        if protocol != V16.name:  # 1.6 says it only by the status
            await wait_for(lambda: calls_in(engine, sid, "ReservationStatusUpdate"))
            assert calls_in(engine, sid, "ReservationStatusUpdate") == [
                {"reservationId": 501, "reservationUpdateStatus": "Expired"}
            ]
        # Cancelled: free at once; a second cancel finds nothing.
        assert (await answer(commands.reserve_now(sid, 1, "TAG-R", 15, 503))).status == "Accepted"
        await wait_for(lambda: status_of(engine, sid, 1) == "Reserved")
        assert (await answer(commands.cancel_reservation(sid, 503))).status == "Accepted"
        await wait_for(lambda: status_of(engine, sid, 1) == "Available")
        assert (await answer(commands.cancel_reservation(sid, 503))).status == "Rejected"


@pytest.mark.timeout(40)
@pytest.mark.parametrize("protocol", list(DIALECTS))
async def test_the_reserved_tag_starts_on_its_reservation(tmp_path: Path, protocol: str) -> None:
    async with own_engine(tmp_path) as engine, simulated(engine, protocol) as station:
        sid, commands = station.spec.station_id, engine.commands
        assert (await answer(commands.reserve_now(sid, 1, "TAG-R", 15, 601))).status == "Accepted"
        await wait_for(lambda: status_of(engine, sid, 1) == "Reserved")
        await wait_for(lambda: station.connectors[1].accepts_remote_start("TAG-R"))
        assert not station.connectors[1].accepts_remote_start("TAG-X")
        assert (await answer(commands.remote_start(sid, 1, "TAG-R"))).status == "Accepted"
        await wait_for(lambda: 1 in station.transactions)
        [started] = calls_in(engine, sid, "StartTransaction") or [
            p for p in calls_in(engine, sid, "TransactionEvent") if p["eventType"] == "Started"
        ]
        assert started["reservationId"] == 601
        assert station.connectors[1].reservation is None  # used up


@pytest.mark.timeout(40)
@pytest.mark.parametrize("protocol", list(DIALECTS))
async def test_the_local_list_version_is_kept_and_the_station_authorizes_from_it(
    tmp_path: Path, protocol: str
) -> None:
    async with own_engine(tmp_path) as engine, simulated(engine, protocol) as station:
        sid, commands = station.spec.station_id, engine.commands
        assert await listed_version(commands, sid) == 0  # no list yet
        sent = await answer(commands.send_local_list(sid, 3, ["TAG-L1"], full=True))
        assert sent.status == "Accepted"
        assert await listed_version(commands, sid) == 3
        stale = await answer(commands.send_local_list(sid, 2, ["TAG-L2"], full=False))
        assert stale.status == "VersionMismatch"
        assert await listed_version(commands, sid) == 3
        newer = await answer(commands.send_local_list(sid, 4, ["TAG-L2"], full=False))
        assert newer.status == "Accepted"
        assert await listed_version(commands, sid) == 4
        assert station.local_list.entries == {"TAG-L1": "Accepted", "TAG-L2": "Accepted"}

        # A listed tag starts without asking the CSMS.
        assert (await answer(commands.remote_start(sid, 1, "TAG-L2"))).status == "Accepted"
        await wait_for(lambda: 1 in station.transactions)
        assert calls_in(engine, sid, "Authorize") == []


async def listed_version(commands: Any, station_id: str) -> int:
    """The list version a GetLocalListVersion answer names (1.6 and 2.x field names)."""
    response = (await answer(commands.get_local_list_version(station_id))).response
    found = getattr(response, "list_version", None)
    return int(found if found is not None else response.version_number)


@pytest.mark.timeout(40)
@pytest.mark.parametrize("protocol", list(DIALECTS))
async def test_a_charging_limit_caps_the_power_the_meter_reports_until_cleared(
    tmp_path: Path, protocol: str
) -> None:
    async with own_engine(tmp_path) as engine, simulated(engine, protocol) as station:
        sid, commands = station.spec.station_id, engine.commands
        connector = station.connectors[1]
        cap = 6 * VOLTS * PHASES  # 6 A on each of three phases: 4140 W
        assert connector.rated_power_w > cap
        # As the console's form gives it: a decimal number.
        limited = await answer(commands.set_charging_profile(sid, 1, 6.0, "A", 3600))
        assert limited.status == "Accepted"
        assert (await answer(commands.remote_start(sid, 1, "TAG-0001"))).status == "Accepted"

        # Three readings at the cap, and the energy between them grows at that rate at most.
        await wait_for(lambda: powers(engine, sid).count(cap) >= 3, timeout=10)
        evse = engine.state.stations[sid].evses[1]
        assert evse.power_w == cap
        readings = [energy for _, energy, power in evse.history if power == cap]
        per_interval = cap * STEADY.meter_interval / 3600
        steps = [b - a for a, b in pairwise(readings)]
        assert steps and all(0 < step <= per_interval + 0.2 for step in steps)

        # Cleared: the next readings are at the connector's rated power again.
        assert (await answer(commands.clear_charging_profile(sid, 1))).status == "Accepted"
        await wait_for(lambda: powers(engine, sid)[-1] == connector.rated_power_w, timeout=10)
        assert (await answer(commands.clear_charging_profile(sid, 1))).status == "Unknown"
