"""A tag of the group of the tag that started a transaction may stop it; a tag of another
group may not (OCPP 1.6 parentIdTag, 2.x C09 groupIdToken). The simulated station decides
from the CSMS's answers, or offline from its local list. Real engine and simulated
stations on 127.0.0.1, for 1.6 and 2.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ocppdeck.core.dialects import V16, V201
from ocppdeck.core.engine import Engine
from ocppdeck.core.sim.tag_reader import Presented, present_tag
from tests.helpers.engine import own_engine, wait_for
from tests.helpers.tag_groups import (
    FLEET_A,
    FLEET_B,
    authorized,
    exchanged,
    grouped_station,
    stops,
)

VERSIONS = [V16.name, V201.name]


def told(answer: dict[str, Any]) -> tuple[str, str | None]:
    """The status and group a CSMS answer gives the tag (1.6 idTagInfo and parentIdTag,
    2.x idTokenInfo and groupIdToken)."""
    info = answer.get("idTagInfo") or answer["idTokenInfo"]
    group = info.get("parentIdTag") or info.get("groupIdToken")
    return info["status"], group["idToken"] if isinstance(group, dict) else group


def stop_tag(call: dict[str, Any]) -> str | None:
    """The tag a station's call names (1.6 idTag, 2.x idToken)."""
    token = call.get("idToken")
    return token["idToken"] if isinstance(token, dict) else call.get("idTag")


def stop_reason(stop: dict[str, Any]) -> str:
    """Why a stop message says the transaction ended (1.6 reason, 2.x stoppedReason)."""
    return stop.get("reason") or stop["transactionInfo"]["stoppedReason"]


def closed(engine: Engine, station_id: str) -> list[str]:
    """The stop reasons of the station's closed transactions, as the projection has them."""
    return [
        tx.stop_reason
        for (sid, _), tx in engine.state.transactions.items()
        if sid == station_id and not tx.is_open
    ]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("protocol", VERSIONS)
async def test_a_tag_of_the_group_stops_the_transaction_and_one_of_another_group_cannot(
    tmp_path: Path, protocol: str
) -> None:
    async with own_engine(tmp_path) as engine, grouped_station(engine, protocol) as booted:
        station, sid = booted.station, booted.sid
        assert await present_tag(station, 1, "A-1") == Presented.STARTED
        await wait_for(lambda: 1 in station.transactions)
        assert station.connectors[1].group == FLEET_A  # from the CSMS's Authorize answer

        # Another fleet's card: the station asks, learns its group, and keeps charging.
        assert await present_tag(station, 1, "B-1") == Presented.REFUSED
        assert 1 in station.transactions and stops(engine, sid) == []
        asked = {stop_tag(call): told(answer) for call, answer in _authorizes(engine, sid)}
        assert asked == {"A-1": ("Accepted", FLEET_A), "B-1": ("Accepted", FLEET_B)}

        # A card of the same fleet ends it, and the stop names that card.
        assert await present_tag(station, 1, "A-2") == Presented.STOPPED
        await wait_for(lambda: stops(engine, sid))
        [stop] = stops(engine, sid)
        assert (stop_tag(stop), stop_reason(stop)) == ("A-2", "Local")
        # The CSMS answers the stop with that card's info, its group with it.
        action = "StopTransaction" if protocol == V16.name else "TransactionEvent"
        await wait_for(lambda: all(a is not None for _, a in exchanged(engine, sid, action)))
        answers = [told(a) for c, a in exchanged(engine, sid, action) if stop_tag(c) == "A-2"]
        assert answers == [("Accepted", FLEET_A)]
        await wait_for(lambda: closed(engine, sid) == ["Local"])


@pytest.mark.timeout(60)
@pytest.mark.parametrize("protocol", VERSIONS)
async def test_offline_the_local_lists_groups_decide_without_asking(
    tmp_path: Path, protocol: str
) -> None:
    async with own_engine(tmp_path) as engine, grouped_station(engine, protocol) as booted:
        station, sid = booted.station, booted.sid
        listed = await engine.commands.send_local_list(sid, 1, ["A-1", "A-2", "B-1"]).future
        assert listed.status == "Accepted"
        assert await present_tag(station, 1, "A-1") == Presented.STARTED
        await wait_for(lambda: 1 in station.transactions)

        await booted.offline()
        assert await present_tag(station, 1, "B-1") == Presented.REFUSED
        assert await present_tag(station, 1, "UNLISTED") == Presented.REFUSED  # none to ask
        assert await present_tag(station, 1, "A-2") == Presented.STOPPED
        await booted.online()

        # Back online, the transaction is closed as it was stopped: by A-2, Local.
        await wait_for(lambda: stops(engine, sid))
        [stop] = stops(engine, sid)
        assert (stop_tag(stop), stop_reason(stop)) == ("A-2", "Local")
        await wait_for(lambda: closed(engine, sid) == ["Local"])
        assert authorized(engine, sid) == []  # the list said it all


def _authorizes(engine: Engine, sid: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(c, a) for c, a in exchanged(engine, sid, "Authorize") if a is not None]
