"""The station registry screen, on a live engine under pending registration.

A simulated 1.6 station with a password connects unknown: the console shows it
pending, the operator accepts it (it boots), pushes it a new password (shown
once; the station logs in again with it), then rejects it (it is put out and
refused). All of it over real websockets on 127.0.0.1.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import DataTable, Label

from ocppdeck.core.csms.passwords import verify_password
from ocppdeck.core.csms.registry import Standing
from ocppdeck.core.engine import Engine
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.screens.prompt import PromptScreen
from ocppdeck.tui.screens.registry import RegistryScreen, SecretScreen
from ocppdeck.tui.widgets.stations_table import StationsTable
from tests.helpers.engine import make_settings, wait_for
from tests.helpers.sim_csms import QUIET
from tests.helpers.tui import SIZE, Toasts, plain

FIRST = "first-password-0123456789"


def standing(engine: Engine, station_id: str) -> Standing | None:
    entry = engine.csms.registry.get(station_id)
    return entry.standing if entry is not None else None


def row(table: DataTable[object], key: str) -> list[str]:
    """A row's cells as text; none while the table does not show it yet."""
    if key not in table.rows:
        return []
    return [plain(cell).strip() for cell in table.get_row(key)]


def registry_row(app: OcppDeckApp, station_id: str) -> list[str]:
    return row(app.screen.query_one("#registry-table", DataTable), station_id)


@pytest.mark.timeout(60)
async def test_accept_push_a_password_and_reject_a_pending_station(tmp_path: Path) -> None:
    settings = make_settings(
        # A Pending boot is retried after 3000 simulated s (30 s here): the accept's
        # TriggerMessage is what boots the station within the test's seconds.
        tmp_path,
        security_profile=1,
        registration="pending",
        heartbeat_interval=3000,
    )
    engine = Engine(settings)
    app = OcppDeckApp(engine)
    toasts = Toasts()
    [spec] = fleet_specs(1, seed=11, protocols=["ocpp1.6"])
    sid = spec.station_id
    async with app.run_test(size=SIZE, message_hook=toasts) as pilot:
        await wait_for(lambda: engine.csms.listening)
        fleet = Fleet([spec], engine.csms.url, replace(QUIET, password=FIRST))
        await fleet.start()
        try:
            [station] = fleet.stations
            # Unknown under pending registration: in, but its boot is Pending.
            await wait_for(lambda: standing(engine, sid) is Standing.PENDING)
            stations = app.query_one(StationsTable)
            await wait_for(lambda: "◐ pending" in row(stations, sid))
            assert not station.booted

            await pilot.press("S")
            await wait_for(lambda: isinstance(app.screen, RegistryScreen))
            await wait_for(lambda: registry_row(app, sid)[1:3] == ["pending", "set"])
            await pilot.press("a")
            assert standing(engine, sid) is Standing.ACCEPTED
            await wait_for(lambda: station.booted, timeout=8)
            assert toasts.having("asked to boot again")
            await wait_for(lambda: registry_row(app, sid)[3] == "● online")

            # A new password, sent to the station, kept once it took it, shown once.
            await pilot.press("P")
            await wait_for(lambda: isinstance(app.screen, SecretScreen), timeout=15)
            secret = plain(app.screen.query_one("#secret", Label).render()).strip()
            assert secret == station.password != FIRST
            entry = engine.csms.registry.get(sid)
            assert entry is not None and entry.password_hash is not None
            assert verify_password(secret, entry.password_hash)
            await pilot.press("enter")
            await wait_for(lambda: isinstance(app.screen, RegistryScreen))
            await wait_for(lambda: station.booted, timeout=15)  # back in, on the new password

            await pilot.press("r")
            assert standing(engine, sid) is Standing.REJECTED
            await wait_for(lambda: not engine.csms.is_connected(sid))
            await wait_for(lambda: engine.metrics.refused.labels("rejected")._value.get() >= 1)
            assert not engine.csms.is_connected(sid)
            assert toasts.having("rejected")

            # Register one by hand: its password is made off the loop and shown once.
            await pilot.press("n")
            await wait_for(lambda: isinstance(app.screen, PromptScreen))
            await pilot.press(*"CP-NEW", "enter")
            await wait_for(lambda: isinstance(app.screen, SecretScreen), timeout=10)
            made = plain(app.screen.query_one("#secret", Label).render()).strip()
            added = engine.csms.registry.get("CP-NEW")
            assert added is not None and added.password_hash is not None
            assert verify_password(made, added.password_hash)
            await pilot.press("escape")
            await wait_for(lambda: registry_row(app, "CP-NEW")[1:3] == ["accepted", "set"])
            await pilot.press("escape")
            assert not isinstance(app.screen, RegistryScreen)
        finally:
            await fleet.close()
            await app.source.close()
