"""The demo: a simulated fleet over loopback websockets into the live engine."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ocppdeck.core.csms.profile_upgrade import upgrade_profile
from ocppdeck.core.demo import DemoRun
from ocppdeck.core.model.state import CountVerdict, Topic, connector_count
from tests.helpers.certs import make_pki
from tests.helpers.engine import make_settings, wait_for


@pytest.mark.timeout(30)
async def test_demo_fleet_boots_charges_and_stops_cleanly(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, stations=3, seed=7, speed=40.0, meter_interval=2.0)
    demo = DemoRun(settings)
    before = set(asyncio.all_tasks())
    await demo.start()
    try:
        state = demo.state
        await wait_for(
            lambda: (
                len(state.stations) == 3
                and all(state.is_online(s) for s in state.stations.values())
            ),
            timeout=10,
        )
        # The CSMS asks every station for NumberOfConnectors after its boot.
        await wait_for(
            lambda: all(
                connector_count(s).verdict is CountVerdict.OK for s in state.stations.values()
            ),
            timeout=10,
        )
        await wait_for(lambda: any(s.last_tx_start for s in state.stations.values()), timeout=10)
        tx = state.open_transactions()[0] if state.open else None
        if tx is not None:
            start = state.energy_so_far(tx) or 0.0
            await wait_for(lambda: (state.energy_so_far(tx) or 0.0) > start, timeout=10)
        await wait_for(lambda: any(s.last_tx_stop for s in state.stations.values()), timeout=15)
        # Each station reported its start-up as chargers do: a critical security event.
        for station in state.stations.values():
            [event] = station.noticed(Topic.SECURITY)
            assert (event.status, event.flag) == ("StartupOfTheDevice", True)
    finally:
        await demo.close()
    leftover = {t for t in asyncio.all_tasks() - before if not t.done()}
    assert leftover == {asyncio.current_task()} or not leftover
    assert all(not state.is_online(s) for s in state.stations.values())


@pytest.mark.timeout(10)
async def test_demo_starts_afresh_but_leaves_other_files(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, stations=1)
    settings.recording_path.write_text('{"old": "run"}\n')
    keep = tmp_path / "notes.txt"
    keep.write_text("mine")
    DemoRun(settings)
    assert not settings.recording_path.exists()
    assert keep.read_text() == "mine"


@pytest.mark.timeout(60)
async def test_a_secured_demo_trusts_its_own_csms_certificate_even_one_a_ca_signed(
    tmp_path: Path,
) -> None:
    """The demo at profile 2 (a certificate signed by a CA the fleet was never given), and
    on a plain port with a TLS port beside it, where an upgrade moves a station to 2."""
    pki = make_pki(tmp_path / "pki")
    secured = make_settings(
        tmp_path / "p2", stations=1, security_profile=2, tls_cert=pki.cert, tls_key=pki.key
    )
    demo = DemoRun(secured)
    await demo.start()
    try:
        await wait_for(lambda: demo.csms.connected() == ["SIM-001"], timeout=15)
    finally:
        await demo.close()
    beside = make_settings(
        tmp_path / "beside",
        stations=1,
        security_profile=1,
        tls_cert=pki.cert,
        tls_key=pki.key,
        tls_port=0,
    )
    demo = DemoRun(beside)
    await demo.start()
    try:
        await wait_for(lambda: demo.csms.connected() == ["SIM-001"], timeout=15)
        upgrade = await upgrade_profile(demo.commands, "SIM-001")
        assert (upgrade.before, upgrade.after) == (1, 2)
        await wait_for(lambda: demo.csms.secure("SIM-001"), timeout=15)
    finally:
        await demo.close()
