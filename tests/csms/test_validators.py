"""Schema validation we own (core/csms/validators.py) beside the `ocpp` library's: the same
verdict from the same schema files, the library's own errors, and no thread hop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from ocpp.exceptions import OCPPError
from ocpp.messages import Call, CallResult, MessageType, _validate_payload
from ocpp.messages import validate_payload as library_validate
from websockets.asyncio.client import connect

from ocppdeck.core.csms import schemas, validators
from ocppdeck.core.csms.outbound_queue import CallState
from ocppdeck.core.dialects import DIALECTS, Dialect
from ocppdeck.tui.widgets.stations_table import station_row
from tests.helpers.engine import own_engine

NOW = "2025-01-01T00:00:00Z"


def version_of(dialect: Dialect) -> str:
    """The library's name of the version (which schema folder it reads)."""
    return str(dialect.charge_point._ocpp_version)


def requests(dialect: Dialect) -> Iterator[tuple[str, Any]]:
    """Every request the CSMS may send in this version: a minimal valid one, one with a
    field no schema allows, and one with its first field of the wrong type."""
    for action in dialect.csms_actions():
        valid = orjson.loads(orjson.dumps(schemas.template(dialect, action), default=float))
        yield action, valid
        yield action, {**valid, "notAField": 1}
        if valid:
            first = next(iter(valid))
            yield action, {**valid, first: [valid[first]]}


def library_verdict(message: Call | CallResult, version: str) -> bool:
    """Whether the library's own validation lets the message through."""
    try:
        _validate_payload(message, version)
    except OCPPError:
        return False
    return True


@pytest.mark.parametrize("dialect", DIALECTS.values(), ids=list(DIALECTS))
def test_our_verdict_is_the_librarys_on_every_request_of_every_version(dialect: Dialect) -> None:
    version, checked, refused = version_of(dialect), 0, 0
    for action, payload in requests(dialect):
        theirs = library_verdict(Call("m1", action, payload), version)
        ours = validators.is_valid(MessageType.Call, action, version, payload)
        assert ours == theirs, (action, payload)
        checked, refused = checked + 1, refused + (not ours)
    assert checked > 2 * len(dialect.csms_actions()) > 20
    assert refused >= len(dialect.csms_actions())  # the broken ones were refused, by both


STATION_MESSAGES = [
    ("ocpp1.6", Call, "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}),
    ("ocpp1.6", Call, "BootNotification", {"chargePointVendor": "V" * 21, "chargePointModel": "M"}),
    ("ocpp1.6", Call, "StatusNotification", {"connectorId": 1, "errorCode": "NoError"}),
    (
        "ocpp1.6",
        Call,
        "MeterValues",
        {"connectorId": 1, "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": "1"}]}]},
    ),
    ("ocpp1.6", Call, "MeterValues", {"connectorId": 1, "meterValue": [{"timestamp": NOW}]}),
    ("ocpp1.6", CallResult, "GetConfiguration", {"configurationKey": []}),
    ("ocpp1.6", CallResult, "GetConfiguration", {"configurationKey": "all of them"}),
    ("ocpp2.0.1", Call, "Heartbeat", {}),
    (
        "ocpp2.0.1",
        Call,
        "TransactionEvent",
        {
            "eventType": "Started",
            "timestamp": NOW,
            "triggerReason": "Authorized",
            "seqNo": 0,
            "transactionInfo": {"transactionId": "t1"},
        },
    ),
    ("ocpp2.0.1", Call, "TransactionEvent", {"eventType": "Begun", "timestamp": NOW}),
    ("ocpp2.0.1", CallResult, "GetBaseReport", {"status": "Accepted"}),
    ("ocpp2.0.1", CallResult, "GetBaseReport", {"status": "Fine"}),
    ("ocpp2.1", Call, "Heartbeat", {"extra": 1}),
]


@pytest.mark.parametrize(("protocol", "kind", "action", "payload"), STATION_MESSAGES)
def test_what_stations_send_gets_the_librarys_verdict_and_error(
    protocol: str, kind: type, action: str, payload: dict[str, Any]
) -> None:
    version = version_of(DIALECTS[protocol])
    message = kind("m1", action, payload) if kind is Call else kind("m1", payload)
    message.action = action

    def outcome(check: Any) -> tuple[type, str] | None:
        try:
            check(message, version)
        except OCPPError as exc:
            return type(exc), str(exc)
        return None

    assert outcome(validators.validate) == outcome(_validate_payload)


@pytest.mark.parametrize(("limit", "valid"), [(21.4, True), (16.0, True), (4.11, False)])
def test_1_6_tenths_are_judged_in_decimal_as_the_library_does(limit: float, valid: bool) -> None:
    period = {"startPeriod": 0, "limit": limit}
    profile = {
        "chargingProfileId": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [period]},
    }
    payload = {"connectorId": 1, "csChargingProfiles": profile}
    message = Call("m1", "SetChargingProfile", payload)
    if valid:
        validators.validate(message, "1.6")
    else:
        with pytest.raises(OCPPError):
            validators.validate(message, "1.6")


@pytest.mark.timeout(30)
async def test_a_session_validates_inline_where_the_library_hops_to_a_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = asyncio.get_running_loop()
    hops: list[Any] = []
    run_in_executor = loop.run_in_executor

    def counted(executor: Any, func: Any, *args: Any) -> Any:
        hops.append(func)
        return run_in_executor(executor, func, *args)

    monkeypatch.setattr(loop, "run_in_executor", counted)
    # The library alone: one thread hop for one payload.
    await library_validate(Call("m0", "Heartbeat", {}), "1.6")
    assert hops == [_validate_payload]
    hops.clear()
    # A whole exchange with ocppdeck's CSMS, from a raw station (no library on this side):
    # its boot, the CSMS's GetConfiguration and its answer, a reading, a bad answer.
    async with (
        own_engine(tmp_path) as engine,
        connect(f"{engine.csms.url}/RAW", subprotocols=["ocpp1.6"]) as ws,
    ):
        boot = {"chargePointVendor": "V", "chargePointModel": "M"}
        await ws.send(orjson.dumps([2, "b1", "BootNotification", boot]).decode())
        answered = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
        assert answered[:2] == [3, "b1"] and answered[2]["status"] == "Accepted"
        asked = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
        assert asked[2] == "GetConfiguration"
        await ws.send(orjson.dumps([3, asked[1], {"configurationKey": []}]).decode())
        reading = {
            "connectorId": 1,
            "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": "5"}]}],
        }
        await ws.send(orjson.dumps([2, "r1", "MeterValues", reading]).decode())
        assert orjson.loads(await asyncio.wait_for(ws.recv(), 5)) == [3, "r1", {}]
        # An answer its schema refuses fails the command, with the library's own error.
        command = engine.commands.get_configuration("RAW")
        asked = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
        await ws.send(orjson.dumps([3, asked[1], {"configurationKey": "all"}]).decode())
        outcome = await asyncio.wait_for(command.future, 5)
        assert outcome.state is CallState.FAILED
        assert "TypeConstraintViolation" in f"{outcome.status} {outcome.detail}"
    assert _validate_payload not in hops  # (the disk's own work may use threads)


@pytest.mark.timeout(30)
async def test_a_station_listed_unvalidated_is_served_as_it_is_and_marked(tmp_path: Path) -> None:
    # A vendor name over 1.6's 20 characters: firmware that does not comply.
    boot = {"chargePointVendor": "V" * 30, "chargePointModel": "M"}
    text = orjson.dumps([2, "b1", "BootNotification", boot]).decode()
    async with own_engine(tmp_path, unvalidated_stations=("LAX",)) as engine:
        for station_id in ("STRICT", "LAX"):
            async with connect(f"{engine.csms.url}/{station_id}", subprotocols=["ocpp1.6"]) as ws:
                await ws.send(text)
                answer = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
                if station_id == "STRICT":
                    assert answer[0] == 4 and answer[2] == "TypeConstraintViolation"
                else:
                    assert answer[0] == 3 and answer[2]["status"] == "Accepted"
        state = engine.state
        assert not state.stations["STRICT"].unvalidated
        assert state.stations["LAX"].unvalidated
        assert state.stations["LAX"].vendor == "V" * 30
        [link] = [
            cell for cell in station_row(state, state.stations["LAX"]) if "online" in str(cell)
        ]
        assert "⚑" in str(link)
        assert all("⚑" not in str(c) for c in station_row(state, state.stations["STRICT"]))


@pytest.mark.timeout(30)
async def test_an_answer_that_breaks_its_schema_never_leaves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with own_engine(tmp_path) as engine:
        # A clock gone wrong: the Heartbeat answer's currentTime would not be a string.
        monkeypatch.setattr(engine.csms, "now_iso", lambda: 1_700_000_000)
        async with connect(f"{engine.csms.url}/RAW", subprotocols=["ocpp1.6"]) as ws:
            await ws.send(orjson.dumps([2, "h1", "Heartbeat", {}]).decode())
            answer = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
    assert answer[:3] == [4, "h1", "TypeConstraintViolation"]
