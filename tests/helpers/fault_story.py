"""The fault story shipped in sample_data, recorded through the real CSMS.

A scripted OCPP 1.6 station (a real `ocpp` ChargePoint over loopback) talks to
a real Engine whose clock is a ManualClock, so every timestamp is fixed. Run
this module to re-record `sample_data/fault-story.jsonl`; the test suite runs
the same script and checks its answers against the shipped file.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action
from websockets.asyncio.client import connect

from ocppdeck.core.clock import ManualClock, to_iso
from ocppdeck.core.config import Settings
from ocppdeck.core.csms.store import IdTag
from ocppdeck.core.engine import Engine

START = 1_748_764_800.0  # 2025-06-01T08:00:00Z
STATION = "CP-FAULT"
ENERGY = "Energy.Active.Import.Register"


class _Station(ChargePoint):
    @on(Action.get_configuration)
    def on_get_configuration(self, **_: Any) -> call_result.GetConfiguration:
        return call_result.GetConfiguration(
            configuration_key=[{"key": "NumberOfConnectors", "readonly": True, "value": "2"}]
        )


async def _session(url: str, clock: ManualClock, ids: itertools.count[int], script: Any) -> None:
    async with connect(f"{url}/{STATION}", subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]
        cp = _Station(STATION, ws, response_timeout=5)
        cp._unique_id_generator = lambda: f"st-{next(ids)}"  # the library's hook for fixed ids
        receiver = asyncio.create_task(cp.start())
        try:
            await script(cp, ws)
            await asyncio.sleep(0.05)  # let the CSMS's GetConfiguration round trip finish
        finally:
            receiver.cancel()


async def record(data_dir: Path) -> Path:
    """Run the story against a fresh engine in `data_dir`; returns the recording's path."""
    clock = ManualClock(START)
    settings = Settings(port=0, data_dir=data_dir, heartbeat_interval=300)
    engine = Engine(settings, clock)
    engine.store.put_id_tag(IdTag("TAG-GOOD"))
    engine.store.put_id_tag(IdTag("TAG-BLOCKED", status="Blocked"))
    await engine.start()
    ids = itertools.count(1)

    def at(seconds: float) -> str:
        clock.set(START + seconds)
        return to_iso(clock.now())

    def status(connector: int, state: str, seconds: float, error: str = "NoError") -> Any:
        return call.StatusNotification(
            connector_id=connector, error_code=error, status=state, timestamp=at(seconds)
        )

    def meter(wh: int, seconds: float, tx: int) -> Any:
        value = [
            {"timestamp": at(seconds), "sampledValue": [{"value": str(wh), "measurand": ENERGY}]}
        ]
        return call.MeterValues(connector_id=1, transaction_id=tx, meter_value=value)

    async def before_reboot(cp: ChargePoint, ws: Any) -> None:
        at(1)
        await cp.call(
            call.BootNotification(charge_point_vendor="Voltaris", charge_point_model="VX-22")
        )
        for connector in (0, 1, 2):
            await cp.call(status(connector, "Available", 2))
        await cp.call(status(1, "Preparing", 60))
        at(61)
        await cp.call(call.Authorize(id_tag="TAG-GOOD"))
        started = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag="TAG-GOOD", meter_start=10_000, timestamp=at(62)
            )
        )
        cp.tx = started.transaction_id  # type: ignore[attr-defined]
        await cp.call(status(1, "Charging", 63))
        for minute in range(1, 4):
            await cp.call(meter(10_000 + 180 * minute, 62 + 60 * minute, cp.tx))  # type: ignore[attr-defined]
        await cp.call(status(2, "Faulted", 300, "GroundFailure"))
        at(320)
        await ws.send('[2,"st-broken","Heartbeat",{"unexpected":true}]')  # a schema violation
        await asyncio.sleep(0.05)
        at(400)  # power cut: the connection drops in the middle of the transaction

    async def after_reboot(cp: ChargePoint, ws: Any) -> None:
        at(460)
        await cp.call(
            call.BootNotification(charge_point_vendor="Voltaris", charge_point_model="VX-22")
        )
        await cp.call(status(0, "Available", 461))
        await cp.call(status(1, "Finishing", 461))
        await cp.call(status(2, "Available", 462))
        tx = cp_tx[0]
        await cp.call(
            call.StopTransaction(
                meter_stop=10_700, timestamp=at(463), transaction_id=tx, reason="Reboot"
            )
        )
        await cp.call(status(1, "Available", 464))
        at(600)
        await cp.call(call.Authorize(id_tag="TAG-BLOCKED"))
        at(660)
        await cp.call(call.Authorize(id_tag="TAG-STOLEN"))
        at(900)
        await cp.call(call.Heartbeat())

    cp_tx: list[int] = []

    async def first(cp: ChargePoint, ws: Any) -> None:
        await before_reboot(cp, ws)
        cp_tx.append(cp.tx)  # type: ignore[attr-defined]

    try:
        await _session(engine.csms.url, clock, ids, first)
        await asyncio.sleep(0.1)
        await _session(engine.csms.url, clock, ids, after_reboot)
        await asyncio.sleep(0.1)
        at(901)
    finally:
        await engine.close()
    return settings.recording_path


def main() -> None:
    """Re-record the shipped file."""
    target = Path(__file__).resolve().parents[1] / "sample_data" / "fault-story.jsonl"
    work = Path(tempfile.mkdtemp())
    try:
        shutil.copy(asyncio.run(record(work)), target)
    finally:
        shutil.rmtree(work)
    print(f"wrote {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
