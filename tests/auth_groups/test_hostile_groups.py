"""Oversize or garbage tags and groups never crash a handler: the CSMS answers a station that
sends them (even one listed unvalidated, whose bytes reach the handlers as they are), and
a simulated station answers a CSMS that sends them and keeps what it had."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect

from ocppdeck.core.clock import to_iso
from ocppdeck.core.dialects import V16, V201
from ocppdeck.core.sim.local_list import LocalList, UpdateStatus
from ocppdeck.core.sim.tag_verdict import TagVerdict, from_id_tag_info, from_id_token_info
from tests.helpers.engine import own_engine
from tests.helpers.tag_groups import FLEET_A, grouped_station

HUGE = "G" * 5000
NOW = to_iso(1_700_000_000.0)


async def ask(ws: ClientConnection, uid: str, action: str, payload: Any) -> list[Any]:
    """Send a CALL and return its answer (the CSMS's own calls meanwhile go unanswered)."""
    await ws.send(orjson.dumps([2, uid, action, payload]).decode())
    while True:
        message = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
        if message[1] == uid:
            return message


@pytest.mark.timeout(30)
@pytest.mark.parametrize("station_id", ["STRICT", "LAX"])
async def test_a_16_station_sending_garbage_tags_is_answered_and_served_on(
    tmp_path: Path, station_id: str
) -> None:
    async with (
        own_engine(tmp_path, unvalidated_stations=("LAX",)) as engine,
        connect(f"{engine.csms.url}/{station_id}", subprotocols=[V16.name]) as ws,
    ):
        boot = {"chargePointVendor": "ACME", "chargePointModel": "M"}
        assert (await ask(ws, "b", "BootNotification", boot))[0] == 3
        long_tag = await ask(ws, "a1", "Authorize", {"idTag": HUGE})
        stop = {"transactionId": 1, "meterStop": 0, "timestamp": NOW, "idTag": {"x": [HUGE]}}
        garbage = await ask(ws, "s1", "StopTransaction", stop)
        if station_id == "STRICT":  # the schema refuses both before any handler
            assert long_tag[0] == 4 and garbage[0] == 4
        else:  # no card carries such a tag: Invalid, never a crash
            assert long_tag == [3, "a1", {"idTagInfo": {"status": "Invalid"}}]
            assert garbage == [3, "s1", {"idTagInfo": {"status": "Invalid"}}]
        assert (await ask(ws, "h", "Heartbeat", {}))[0] == 3


@pytest.mark.timeout(30)
async def test_a_2x_station_sending_garbage_tokens_is_answered_and_served_on(
    tmp_path: Path,
) -> None:
    async with (
        own_engine(tmp_path, unvalidated_stations=("LAX",)) as engine,
        connect(f"{engine.csms.url}/LAX", subprotocols=[V201.name]) as ws,
    ):
        boot = {"chargingStation": {"model": "M", "vendorName": "ACME"}, "reason": "PowerUp"}
        assert (await ask(ws, "b", "BootNotification", boot))[0] == 3
        not_an_object = await ask(ws, "a1", "Authorize", {"idToken": "garbage"})
        assert not_an_object == [3, "a1", {"idTokenInfo": {"status": "Invalid"}}]
        oversize = await ask(ws, "a2", "Authorize", {"idToken": {"idToken": HUGE, "type": 7}})
        assert oversize == [3, "a2", {"idTokenInfo": {"status": "Invalid"}}]
        ended = {
            "eventType": "Ended",
            "timestamp": NOW,
            "triggerReason": "StopAuthorized",
            "seqNo": 0,
            "transactionInfo": {"transactionId": "T-1", "stoppedReason": "MasterPass"},
            "idToken": {"idToken": HUGE, "type": "ISO14443", "additionalInfo": HUGE},
        }
        answer = await ask(ws, "t1", "TransactionEvent", ended)
        assert answer[0] == 3 and answer[2]["idTokenInfo"] == {"status": "Invalid"}
        assert (await ask(ws, "h", "Heartbeat", {}))[0] == 3


@pytest.mark.timeout(40)
async def test_a_simulated_station_keeps_its_list_when_a_group_is_oversize(
    tmp_path: Path,
) -> None:
    async with own_engine(tmp_path) as engine, grouped_station(engine, V201.name) as booted:
        sid, commands = booted.sid, engine.commands
        assert (await commands.send_local_list(sid, 1, ["A-1"]).future).status == "Accepted"
        entry = {
            "idToken": {"idToken": "A-2", "type": "Central"},
            "idTokenInfo": {"status": "Accepted", "groupIdToken": {"idToken": HUGE, "type": "x"}},
        }
        payload = {"versionNumber": 2, "updateType": "Full", "localAuthorizationList": [entry]}
        sent = await commands.craft(sid, "SendLocalList", payload, check=False).future
        assert sent.status != "Accepted"
        assert booted.station.local_list.groups == {"A-1": FLEET_A}
        version = await commands.get_local_list_version(sid).future
        assert version.response.version_number == 1


def test_the_local_list_refuses_a_group_no_idtoken_can_be_and_changes_nothing() -> None:
    kept = LocalList()
    assert kept.update(1, True, [("A-1", "Accepted", FLEET_A)]) == UpdateStatus.ACCEPTED
    for group in (HUGE, "", 7, {"id_token": "x"}):
        assert kept.update(2, True, [("A-2", "Accepted", group)]) == UpdateStatus.FAILED
    assert (kept.version, kept.entries, kept.groups) == (1, {"A-1": "Accepted"}, {"A-1": FLEET_A})
    assert kept.verdict("A-1") == TagVerdict("Accepted", FLEET_A)


def test_an_answer_with_a_garbage_group_gives_the_tag_no_group() -> None:
    assert from_id_tag_info({"status": "Accepted", "parent_id_tag": HUGE}) == TagVerdict("Accepted")
    assert from_id_token_info({"status": "Accepted", "group_id_token": "x"}) == TagVerdict(
        "Accepted"
    )
    assert from_id_token_info({"status": "Accepted", "group_id_token": {"id_token": 7}}) == (
        TagVerdict("Accepted")
    )
    assert from_id_token_info("garbage") is None and from_id_tag_info(None) is None
