"""The simulated fleet speaks the security profiles: the demo and tests run secured end to end."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ocppdeck.core.csms.tls import client_context
from ocppdeck.core.demo import DemoRun
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from tests.helpers.certs import make_pki
from tests.helpers.engine import make_settings, own_engine, wait_for
from tests.helpers.sim_csms import FAST

PASSWORD = "fleet-password-0123456789"


@pytest.mark.timeout(30)
async def test_a_fleet_with_passwords_over_tls_boots_on_profile_2(tmp_path: Path) -> None:
    pki = make_pki(tmp_path / "pki")
    async with own_engine(
        tmp_path / "data",
        security_profile=2,
        tls_cert=pki.cert,
        tls_key=pki.key,
        registration="closed",
    ) as engine:
        specs = fleet_specs(2, seed=3)
        for spec in specs:
            engine.csms.registry.add(spec.station_id, PASSWORD)
        settings = replace(FAST, password=PASSWORD, tls=client_context(pki.ca_file))
        fleet = Fleet(specs, engine.csms.url, settings)
        await fleet.start()
        try:
            await wait_for(lambda: all(s.booted for s in fleet.stations), timeout=10)
            assert sorted(engine.csms.connected()) == [s.station_id for s in specs]
        finally:
            await fleet.close()


@pytest.mark.timeout(30)
async def test_a_wrong_password_keeps_a_station_out(tmp_path: Path) -> None:
    async with own_engine(tmp_path, security_profile=1, registration="closed") as engine:
        [spec] = fleet_specs(1, seed=3)
        engine.csms.registry.add(spec.station_id, PASSWORD)
        fleet = Fleet([spec], engine.csms.url, replace(FAST, password="not-the-password-at-all"))
        await fleet.start()
        try:
            await wait_for(lambda: engine.metrics.refused.labels("password")._value.get() >= 2)
            assert engine.csms.connected() == []
        finally:
            await fleet.close()


@pytest.mark.timeout(30)
async def test_the_demo_registers_its_fleet_with_passwords_on_profile_1(tmp_path: Path) -> None:
    demo = DemoRun(
        make_settings(tmp_path, security_profile=1, registration="closed", stations=2, speed=20.0)
    )
    await demo.start()
    try:
        await wait_for(lambda: len(demo.csms.connected()) == 2, timeout=10)
        assert all(entry.password_hash for entry in demo.csms.registry.entries())
    finally:
        await demo.close()
