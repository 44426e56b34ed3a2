"""A master pass (OCPP 2.x C16): the operator sets AuthCtrlr.MasterPassGroupId on a station;
a tag of that group ends every transaction with stoppedReason MasterPass, the projection
shows that reason, and the tag never starts one. Real engine and a simulated 2.0.1 station
on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocppdeck.core.dialects import V201
from ocppdeck.core.engine import Engine
from ocppdeck.core.sim.tag_reader import Presented, present_tag
from tests.helpers.engine import own_engine, wait_for
from tests.helpers.simulated import calls_in
from tests.helpers.tag_groups import MASTERS, authorized, grouped_station, stops


def stop_reasons(engine: Engine, station_id: str) -> list[str]:
    """The stop reasons of the station's closed transactions, as the projection has them."""
    return sorted(
        tx.stop_reason
        for (sid, _), tx in engine.state.transactions.items()
        if sid == station_id and not tx.is_open
    )


@pytest.mark.timeout(60)
async def test_a_master_pass_ends_every_transaction_and_never_starts_one(tmp_path: Path) -> None:
    async with own_engine(tmp_path) as engine, grouped_station(engine, V201.name) as booted:
        station, sid, commands = booted.station, booted.sid, engine.commands
        # The operator's SetVariables (the console's configuration screen sends it).
        answer = await commands.set_variables(sid, "AuthCtrlr", "MasterPassGroupId", MASTERS).future
        assert commands.set_statuses(sid, answer.response) == ["Accepted"]
        read = await commands.get_variables(sid, "AuthCtrlr", "MasterPassGroupId").future
        [setting] = commands.read_settings(sid, read.response)
        assert (setting.component, setting.key, setting.value) == (
            "AuthCtrlr",
            "MasterPassGroupId",
            MASTERS,
        )

        assert await present_tag(station, 1, "A-1") == Presented.STARTED
        assert await present_tag(station, 2, "B-1") == Presented.STARTED
        await wait_for(lambda: {1, 2} <= set(station.transactions))
        assert await present_tag(station, 1, "MASTER-1") == Presented.MASTER_PASS

        await wait_for(lambda: len(stops(engine, sid)) == 2)
        for stop in stops(engine, sid):
            assert stop["transactionInfo"]["stoppedReason"] == "MasterPass"
            assert stop["triggerReason"] == "StopAuthorized"
            assert stop["idToken"]["idToken"] == "MASTER-1"
        await wait_for(lambda: stop_reasons(engine, sid) == ["MasterPass", "MasterPass"])

        # It starts nothing: presented at a free connector, nor asked for remotely.
        await wait_for(lambda: station.connectors[1].accepts_remote_start())
        assert await present_tag(station, 1, "MASTER-1") == Presented.MASTER_PASS
        remote = await commands.remote_start(sid, 1, "MASTER-1").future
        assert remote.status == "Accepted"  # the station answers before it authorizes
        await wait_for(lambda: authorized(engine, sid).count("MASTER-1") == 3)
        await wait_for(lambda: station.connectors[1].accepts_remote_start())
        assert station.transactions == {}
        started = [
            p["idToken"]["idToken"]
            for p in calls_in(engine, sid, "TransactionEvent")
            if p["eventType"] == "Started"
        ]
        assert sorted(started) == ["A-1", "B-1"]


@pytest.mark.timeout(60)
async def test_the_master_pass_group_acts_offline_from_the_local_list(tmp_path: Path) -> None:
    async with own_engine(tmp_path) as engine, grouped_station(engine, V201.name) as booted:
        station, sid, commands = booted.station, booted.sid, engine.commands
        await commands.set_variables(sid, "AuthCtrlr", "MasterPassGroupId", MASTERS).future
        listed = await commands.send_local_list(sid, 1, ["A-1", "MASTER-1"]).future
        assert listed.status == "Accepted"
        assert await present_tag(station, 1, "A-1") == Presented.STARTED
        await wait_for(lambda: 1 in station.transactions)

        await booted.offline()
        assert await present_tag(station, 2, "MASTER-1") == Presented.MASTER_PASS
        await booted.online()

        await wait_for(lambda: stop_reasons(engine, sid) == ["MasterPass"])
        assert authorized(engine, sid) == []
