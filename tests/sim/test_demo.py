"""The demo: a simulated fleet over loopback websockets into the live engine."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ocppdeck.core.demo import DemoRun
from ocppdeck.core.model.state import CountVerdict, Topic, connector_count
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
