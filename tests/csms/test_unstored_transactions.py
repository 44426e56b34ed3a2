"""While the data dir refuses the recording, a transaction-related call is refused with
InternalError, so the station keeps it and sends it again (and a kill -9 meanwhile loses
nothing the station was told was taken); every other call is answered as before.

The full disk is an OSError ENOSPC injected at the file layer the recorder writes through
(tests/helpers/disk_full.py).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect

from ocppdeck.core.clock import to_iso
from ocppdeck.core.dialects import V16, V201
from ocppdeck.core.engine import Engine
from ocppdeck.core.sim import station as sim_station
from ocppdeck.core.sim.tag_reader import Presented, present_tag
from ocppdeck.core.wire.frame import Direction, Kind
from ocppdeck.core.wire.transaction_messages import UNSTORED
from tests.helpers.disk_full import FullDisk
from tests.helpers.engine import frames_of, own_engine, wait_for
from tests.helpers.simulated import simulated

IDS = (f"m{n}" for n in itertools.count())


@asynccontextmanager
async def wire(engine: Engine, station_id: str, protocol: str) -> AsyncIterator[ClientConnection]:
    """A raw connection of a station, booted."""
    async with connect(f"{engine.csms.url}/{station_id}", subprotocols=[protocol]) as ws:
        if protocol == "ocpp1.6":
            boot = {"chargePointVendor": "ACME", "chargePointModel": "X"}
        else:
            boot = {"chargingStation": {"vendorName": "ACME", "model": "X"}, "reason": "PowerUp"}
        assert (await ask(ws, "BootNotification", boot))[0] == 3
        yield ws


async def ask(ws: ClientConnection, action: str, payload: dict[str, Any]) -> list[Any]:
    """Send one CALL and return the CSMS's answer to it (the CSMS's own calls after the
    boot are left unanswered)."""
    unique_id = next(IDS)
    await ws.send(orjson.dumps([2, unique_id, action, payload]).decode())
    while (answer := orjson.loads(await ws.recv()))[0] == 2:
        pass
    assert answer[1] == unique_id
    return answer


def start_1_6(meter: int) -> dict[str, Any]:
    return {
        "connectorId": 1,
        "idTag": "TAG-1",
        "meterStart": meter,
        "timestamp": to_iso(time.time()),
    }


def started_2x(seq_no: int) -> dict[str, Any]:
    return {
        "eventType": "Started",
        "timestamp": to_iso(time.time()),
        "triggerReason": "Authorized",
        "seqNo": seq_no,
        "transactionInfo": {"transactionId": "TX-1"},
        "evse": {"id": 1, "connectorId": 1},
        "idToken": {"idToken": "TAG-1", "type": "ISO14443"},
    }


def refused_unstored(answer: list[Any]) -> bool:
    return answer[0] == 4 and answer[2] == "InternalError" and answer[4] == {"cause": UNSTORED}


@pytest.mark.timeout(20)
async def test_a_1_6_station_is_told_to_send_its_transaction_messages_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = FullDisk(monkeypatch)
    async with own_engine(tmp_path) as engine, wire(engine, "CP1", "ocpp1.6") as ws:
        disk.full = True
        assert refused_unstored(await ask(ws, "StartTransaction", start_1_6(100)))
        meter = {"timestamp": to_iso(time.time()), "sampledValue": [{"value": "5"}]}
        values = {"connectorId": 1, "transactionId": 7, "meterValue": [meter]}
        assert refused_unstored(await ask(ws, "MeterValues", values))
        stop = {"transactionId": 7, "meterStop": 200, "timestamp": to_iso(time.time())}
        assert refused_unstored(await ask(ws, "StopTransaction", stop))
        # What a station does not keep for a retry is answered as before.
        assert (await ask(ws, "Heartbeat", {}))[0] == 3
        assert (await ask(ws, "MeterValues", {"connectorId": 1, "meterValue": [meter]}))[0] == 3
        assert (await ask(ws, "Authorize", {"idTag": "TAG-1"}))[0] == 3
        assert not engine.state.open_transactions("CP1")
        disk.full = False  # space returns: the station's next attempt is taken
        answer = await ask(ws, "StartTransaction", start_1_6(100))
        assert answer[0] == 3 and answer[2]["idTagInfo"]["status"] == "Accepted"
        await wait_for(lambda: engine.state.open_transactions("CP1"))
        [tx] = engine.state.open_transactions("CP1")
        assert tx.transaction_id == str(answer[2]["transactionId"])


@pytest.mark.timeout(20)
@pytest.mark.parametrize("protocol", ["ocpp2.0.1", "ocpp2.1"])
async def test_a_2x_transaction_event_is_refused_then_taken_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, protocol: str
) -> None:
    disk = FullDisk(monkeypatch)
    async with own_engine(tmp_path) as engine, wire(engine, "CS1", protocol) as ws:
        disk.full = True
        assert refused_unstored(await ask(ws, "TransactionEvent", started_2x(0)))
        assert (await ask(ws, "Heartbeat", {}))[0] == 3
        disk.full = False
        assert (await ask(ws, "TransactionEvent", started_2x(0)))[0] == 3  # the same, again
        [tx] = engine.state.open_transactions("CS1")
        assert tx.transaction_id == "TX-1"
    # Both attempts are in the recording; the restored state holds one transaction.
    restored = Engine(engine.settings)
    try:
        restored.restore()
        assert [t.transaction_id for t in restored.state.open_transactions("CS1")] == ["TX-1"]
    finally:
        await restored.close()


@pytest.mark.timeout(30)
@pytest.mark.parametrize("protocol", [V16.name, V201.name])
async def test_a_simulated_station_sends_a_refused_start_again_and_charges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, protocol: str
) -> None:
    """The simulator keeps a refused transaction-related message and sends it again after
    its retry interval (10 simulated s per attempt so far; here 1 s of wall time)."""
    monkeypatch.setattr(sim_station, "TX_MESSAGE_RETRY_S", 100.0)  # at speed 100
    disk = FullDisk(monkeypatch)
    async with own_engine(tmp_path) as engine, simulated(engine, protocol) as station:
        sid = station.spec.station_id
        action = "StartTransaction" if protocol == V16.name else "TransactionEvent"

        def refusals() -> list[str]:
            return [
                f.unique_id
                for f in frames_of(engine, sid)
                if f.kind is Kind.ERROR and f.direction is Direction.OUT
            ]

        disk.full = True
        assert await present_tag(station, 1, "TAG-9") is Presented.STARTED
        await wait_for(refusals, timeout=10)
        disk.full = False
        connector = station.connectors[1]
        await wait_for(lambda: connector.transaction_id is not None, timeout=10)
        [tx] = engine.state.open_transactions(sid)
        assert tx.transaction_id == str(connector.transaction_id)
        first, again = [
            f
            for f in frames_of(engine, sid)
            if f.kind is Kind.CALL and f.direction is Direction.IN and f.action == action
        ][:2]
        assert refusals() == [first.unique_id]  # the first attempt was refused, not the next
        assert first.payload == again.payload  # the same message came again
