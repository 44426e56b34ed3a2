"""The local list the CSMS sends carries what the id tags say of each tag: its status (as
Authorize would answer it now), expiry and group; the simulated station keeps the groups.
Real engine and simulated stations of each version on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocppdeck.core.csms.authorization import KeptTags
from ocppdeck.core.csms.builders.contract import CommandUnavailable
from ocppdeck.core.csms.commands import Commands
from ocppdeck.core.csms.store import IdTag
from ocppdeck.core.dialects import DIALECTS, V16
from tests.helpers.engine import own_engine
from tests.helpers.tag_groups import FLEET_A, FLEET_B, grouped_station, last_local_list

EXPIRY = "2031-01-01T00:00:00Z"


@pytest.mark.timeout(40)
@pytest.mark.parametrize("protocol", list(DIALECTS))
async def test_the_local_list_sent_carries_each_tags_status_expiry_and_group(
    tmp_path: Path, protocol: str
) -> None:
    async with (
        own_engine(tmp_path, accept_unknown_tags=False) as engine,
        grouped_station(engine, protocol) as booted,
    ):
        engine.store.put_id_tags(
            [
                IdTag("A-3", parent=FLEET_A, expiry=EXPIRY),
                IdTag("B-2", status="Blocked", parent=FLEET_B),
                IdTag("C-1", parent="FLEET-C"),
                IdTag("FLEET-C", status="Blocked"),  # a blocked group blocks its members
                IdTag("OLD-1", expiry="2020-01-01T00:00:00Z"),
                IdTag("RFID-1", token_type="ISO14443"),
            ]
        )
        tags = ["A-1", "A-3", "B-2", "C-1", "OLD-1", "RFID-1", "NOBODY"]
        sent = await engine.commands.send_local_list(booted.sid, 1, tags).future
        assert sent.status == "Accepted"

        if protocol == V16.name:
            listed = {
                e["idTag"]: e["idTagInfo"]
                for e in last_local_list(engine, booted.sid)["localAuthorizationList"]
            }
            assert listed == {
                "A-1": {"status": "Accepted", "parentIdTag": FLEET_A},
                "A-3": {"status": "Accepted", "parentIdTag": FLEET_A, "expiryDate": EXPIRY},
                "B-2": {"status": "Blocked", "parentIdTag": FLEET_B},
                "C-1": {"status": "Blocked", "parentIdTag": "FLEET-C"},
                "OLD-1": {"status": "Expired", "expiryDate": "2020-01-01T00:00:00Z"},
                "RFID-1": {"status": "Accepted"},
                "NOBODY": {"status": "Invalid"},  # as Authorize answers an unknown tag here
            }
        else:
            entries = last_local_list(engine, booted.sid)["localAuthorizationList"]
            listed = {e["idToken"]["idToken"]: e["idTokenInfo"] for e in entries}
            types = {e["idToken"]["idToken"]: e["idToken"]["type"] for e in entries}

            def group(name: str) -> dict[str, str]:
                return {"idToken": name, "type": "Central"}

            assert listed == {
                "A-1": {"status": "Accepted", "groupIdToken": group(FLEET_A)},
                "A-3": {
                    "status": "Accepted",
                    "groupIdToken": group(FLEET_A),
                    "cacheExpiryDateTime": EXPIRY,
                },
                "B-2": {"status": "Blocked", "groupIdToken": group(FLEET_B)},
                "C-1": {"status": "Blocked", "groupIdToken": group("FLEET-C")},
                "OLD-1": {"status": "Expired", "cacheExpiryDateTime": "2020-01-01T00:00:00Z"},
                "RFID-1": {"status": "Accepted"},
                "NOBODY": {"status": "Invalid"},
            }
            assert types["RFID-1"] == "ISO14443" and types["A-1"] == "Central"

        # The station keeps each tag's status and group.
        kept = booted.station.local_list
        assert kept.entries["B-2"] == "Blocked" and kept.entries["NOBODY"] == "Invalid"
        assert kept.groups == {"A-1": FLEET_A, "A-3": FLEET_A, "B-2": FLEET_B, "C-1": "FLEET-C"}


@pytest.mark.timeout(40)
async def test_a_tag_or_group_longer_than_the_version_takes_is_refused_before_sending(
    tmp_path: Path,
) -> None:
    async with own_engine(tmp_path) as engine, grouped_station(engine, V16.name) as booted:
        engine.store.put_id_tags([IdTag("M-1", parent="G" * 30)])  # 1.6 ids are 20 at most
        with pytest.raises(CommandUnavailable, match="20 characters"):
            engine.commands.send_local_list(booted.sid, 1, ["A-1", "M-1"])


@pytest.mark.timeout(40)
async def test_a_console_lists_only_the_tags_it_keeps(tmp_path: Path) -> None:
    async with own_engine(tmp_path) as engine, grouped_station(engine, V16.name) as booted:
        # An attached console's copy of the tags: an unknown tag is not guessed at.
        copy = Commands(
            engine.csms,
            lambda: engine.state,
            engine.clock,
            tags=KeptTags(engine.store, engine.clock),
        )
        with pytest.raises(CommandUnavailable, match="NOBODY is not among the id tags"):
            copy.send_local_list(booted.sid, 1, ["A-1", "NOBODY"])
        sent = await copy.send_local_list(booted.sid, 1, ["A-1"]).future
        assert sent.status == "Accepted"
        [entry] = last_local_list(engine, booted.sid)["localAuthorizationList"]
        assert entry == {
            "idTag": "A-1",
            "idTagInfo": {"status": "Accepted", "parentIdTag": FLEET_A},
        }
        # A cluster's console keeps none: it says where to send the list from.
        bare = Commands(engine.csms, lambda: engine.state, engine.clock)
        with pytest.raises(CommandUnavailable, match="where the CSMS runs"):
            bare.send_local_list(booted.sid, 1, ["A-1"])
