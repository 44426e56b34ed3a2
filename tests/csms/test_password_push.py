"""A new password pushed to a connected station: kept once it took it, never when it refused.

Real simulated stations of each version on 127.0.0.1 under security profile 1;
a station that took its new password logs in again with it at once.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action
from websockets.asyncio.client import connect

from ocppdeck.core.csms.password_change import push_password
from ocppdeck.core.csms.passwords import verify_password
from ocppdeck.core.dialects import DIALECTS
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from ocppdeck.core.sim.station import basic_auth
from tests.helpers.engine import own_engine, wait_for
from tests.helpers.sim_csms import QUIET

OLD = "old-password-0123456789"
NEW = "new-password-9876543210"


@pytest.mark.timeout(40)
@pytest.mark.parametrize("protocol", list(DIALECTS))
async def test_a_pushed_password_is_kept_and_the_station_logs_in_with_it(
    tmp_path: Path, protocol: str
) -> None:
    async with own_engine(tmp_path, security_profile=1, registration="closed") as engine:
        [spec] = fleet_specs(1, seed=5, protocols=[protocol])
        engine.csms.registry.add(spec.station_id, OLD)
        fleet = Fleet([spec], engine.csms.url, replace(QUIET, password=OLD))
        await fleet.start()
        try:
            [station] = fleet.stations
            await wait_for(lambda: station.booted, timeout=10)
            change = await push_password(
                engine.commands, engine.csms.registry, spec.station_id, NEW
            )
            assert change.done and change.password == NEW
            entry = engine.csms.registry.get(spec.station_id)
            assert entry is not None and entry.password_hash is not None
            assert verify_password(NEW, entry.password_hash)
            assert not verify_password(OLD, entry.password_hash)
            # The station dropped its link and came back, booted, on the new password.
            await wait_for(lambda: station.password == NEW and station.booted, timeout=10)
            assert engine.csms.connected() == [spec.station_id]
            assert engine.metrics.refused.labels("password")._value.get() == 0
        finally:
            await fleet.close()


@pytest.mark.timeout(40)
async def test_a_password_the_station_refuses_is_not_kept(tmp_path: Path) -> None:
    class Refuses(ChargePoint):
        @on(Action.change_configuration)
        def on_change_configuration(self, **_: object) -> call_result.ChangeConfiguration:
            return call_result.ChangeConfiguration(status="Rejected")

    async with own_engine(tmp_path, security_profile=1, registration="closed") as engine:
        engine.csms.registry.add("CP-R", OLD)
        headers = {"Authorization": basic_auth("CP-R", OLD)}
        async with connect(
            f"{engine.csms.url}/CP-R", subprotocols=["ocpp1.6"], additional_headers=headers
        ) as ws:
            cp = Refuses("CP-R", ws)
            task = asyncio.create_task(cp.start())
            try:
                await cp.call(
                    call.BootNotification(charge_point_vendor="V", charge_point_model="M")
                )
                change = await push_password(engine.commands, engine.csms.registry, "CP-R", NEW)
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        assert not change.done and change.outcome.status == "Rejected"
        entry = engine.csms.registry.get("CP-R")
        assert entry is not None and entry.password_hash is not None
        assert verify_password(OLD, entry.password_hash)
