"""The demo shows id tag groups and the master pass: its CSMS knows two fleets of drivers and
a master pass group, its operator gives the 2.x stations that group (SetVariables of
AuthCtrlr.MasterPassGroupId), and the simulated people end sessions with their tags: a
colleague of the same fleet (stop reason Local, the colleague's tag in the stop message), an
operator's master pass at a 2.x station (stop reason MasterPass). Real engine, simulated
stations, real websockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ocppdeck.core.demo import DemoRun
from ocppdeck.core.demo_master_pass import MasterPassOperator
from ocppdeck.core.demo_tags import (
    FLEETS,
    MASTER_PASS_GROUP,
    MASTER_PASSES,
    colleagues,
    demo_id_tags,
)
from ocppdeck.core.dialects import V16, V201
from ocppdeck.core.engine import Engine
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from tests.helpers.engine import make_settings, out_calls, own_engine, partner_of, wait_for
from tests.helpers.sim_csms import FAST
from tests.helpers.simulated import calls_in

FLEET_OF = {tag: group for group, tags in FLEETS.items() for tag in tags}


def ended_by(engine: Engine, station_id: str) -> list[tuple[str, str, str]]:
    """(the tag that started it, the tag that ended it, the stop reason the projection has)
    of each transaction of the station a tag ended, oldest first."""
    found = []
    for payload in calls_in(engine, station_id, "StopTransaction"):
        found.append((str(payload["transactionId"]), payload.get("idTag")))
    for payload in calls_in(engine, station_id, "TransactionEvent"):
        if payload["eventType"] == "Ended" and payload["triggerReason"] == "StopAuthorized":
            by = payload.get("idToken", {}).get("idToken")
            found.append((payload["transactionInfo"]["transactionId"], by))
    ended = []
    for tx_id, by in found:
        tx = engine.state.transactions.get((station_id, tx_id))
        if by is not None and tx is not None and not tx.is_open:
            ended.append((tx.id_tag, by, tx.stop_reason))
    return ended


def group_stops(engine: Engine, station_id: str) -> list[tuple[str, str, str]]:
    """Those a colleague ended: another tag than the one that started it."""
    return [e for e in ended_by(engine, station_id) if e[1] != e[0] and e[1] not in MASTER_PASSES]


def master_pass_stops(engine: Engine, station_id: str) -> list[tuple[str, str, str]]:
    """Those a master pass ended."""
    return [e for e in ended_by(engine, station_id) if e[1] in MASTER_PASSES]


def master_pass_sets(engine: Engine, station_id: str) -> list[tuple[dict[str, Any], Any]]:
    """The SetVariables / ChangeConfiguration of the master pass group the CSMS sent."""
    calls = out_calls(engine, station_id, "SetVariables")
    calls += out_calls(engine, station_id, "ChangeConfiguration")
    return [
        (c.payload, answer.payload if (answer := partner_of(engine, c)) is not None else None)
        for c in calls
        if "MasterPassGroupId" in str(c.payload)
    ]


@pytest.mark.timeout(120)
async def test_colleagues_and_a_master_pass_end_sessions_and_the_projection_says_why(
    tmp_path: Path,
) -> None:
    async with own_engine(tmp_path, concurrent_tx=True) as engine:
        engine.store.put_id_tags(demo_id_tags())
        engine.bus.subscribe(
            MasterPassOperator(engine.commands, lambda: engine.state, MASTER_PASS_GROUP)
        )
        v16, v2 = fleet_specs(2, seed=5, protocols=[V16.name, V201.name])
        # Every driver has colleagues, and someone walks up every few seconds of a session.
        people = replace(
            FAST,
            speed=20.0,
            session_mean=120.0,
            id_tags=tuple(FLEET_OF),
            walk_up_every=5.0,
            colleagues=colleagues(),
            master_passes=MASTER_PASSES,
        )
        fleet = Fleet([v16, v2], engine.csms.url, people, seed=5)
        before = set(asyncio.all_tasks())
        await fleet.start()
        try:
            await wait_for(
                lambda: (
                    group_stops(engine, v16.station_id)
                    and group_stops(engine, v2.station_id)
                    and master_pass_stops(engine, v2.station_id)
                ),
                timeout=90,
            )
            station_16, station_2 = fleet.stations
        finally:
            await fleet.close()
        assert {t for t in asyncio.all_tasks() - before if not t.done()} == set()

    # A colleague of the same fleet ended it: the projection has Local, as for the driver.
    for station_id in (v16.station_id, v2.station_id):
        for started, by, reason in group_stops(engine, station_id):
            assert FLEET_OF[by] == FLEET_OF[started]
            assert reason == "Local"
    # The operator's master pass ended it, at the 2.x station only: MasterPass.
    assert {reason for _, _, reason in master_pass_stops(engine, v2.station_id)} == {"MasterPass"}
    assert master_pass_stops(engine, v16.station_id) == []
    # The operator gave the 2.x station the group once, as SetVariables, and it took it;
    # the 1.6 station, which has no master pass, was asked nothing.
    [(sent, answer)] = master_pass_sets(engine, v2.station_id)
    [item] = sent["setVariableData"]
    assert item["attributeValue"] == MASTER_PASS_GROUP
    assert answer["setVariableResult"][0]["attributeStatus"] == "Accepted"
    assert station_2.master_pass_group == MASTER_PASS_GROUP
    assert master_pass_sets(engine, v16.station_id) == []
    assert station_16.master_pass_group is None


@pytest.mark.timeout(60)
async def test_the_demo_knows_the_groups_and_gives_its_2x_stations_the_master_pass(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, stations=2, seed=7, speed=40.0, concurrent_tx=True)
    demo = DemoRun(settings)
    await demo.start()
    try:
        assert demo.fleet is not None
        station_16, station_2 = demo.fleet.stations
        assert (station_16.spec.protocol, station_2.spec.protocol) == (V16.name, V201.name)
        known = {t.tag: t.parent for t in demo.store.id_tags()}
        assert (
            known.items() >= {**FLEET_OF, **dict.fromkeys(MASTER_PASSES, MASTER_PASS_GROUP)}.items()
        )
        await wait_for(lambda: station_2.master_pass_group == MASTER_PASS_GROUP, timeout=20)
        # Its people are at work: a colleague ends a session within a minute of the demo.
        await wait_for(
            lambda: any(group_stops(demo, s.spec.station_id) for s in demo.fleet.stations),
            timeout=40,
        )
    finally:
        await demo.close()
    assert station_16.master_pass_group is None
    assert master_pass_sets(demo, station_16.spec.station_id) == []
