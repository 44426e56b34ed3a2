"""The station registry from a console attached through the API: the same screen as on the
CSMS, every change made by the CSMS (which alone hashes passwords), and the CSMS enforces
it. A real engine under pending registration and security profile 1, its API on
127.0.0.1, a simulated 1.6 station and raw ones over real websockets."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import DataTable, Label
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from ocppdeck.core.csms.passwords import verify_password
from ocppdeck.core.csms.registry import Standing
from ocppdeck.core.engine import Engine
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.screens.prompt import PromptScreen
from ocppdeck.tui.screens.registry import RegistryScreen, SecretScreen
from tests.helpers.engine import own_engine, wait_for
from tests.helpers.sim_csms import QUIET
from tests.helpers.station16 import Station, boot
from tests.helpers.tui import plain
from tests.helpers.web import attached_app

FIRST = "first-password-0123456789"
WRONG = "not-the-password-0123456789"


def standing(engine: Engine, station_id: str) -> Standing | None:
    entry = engine.csms.registry.get(station_id)
    return entry.standing if entry is not None else None


def registry_row(app: OcppDeckApp, station_id: str) -> list[str]:
    """A row of the registry screen as text; none while it does not show it yet."""
    table = app.screen.query_one("#registry-table", DataTable)
    if station_id not in table.rows:
        return []
    return [plain(cell).strip() for cell in table.get_row(station_id)]


def shown_secret(app: OcppDeckApp) -> str:
    return plain(app.screen.query_one("#secret", Label).render()).strip()


async def boots_with(engine: Engine, station_id: str, password: str) -> str:
    """Connect as the station with this password and boot: the boot's status (InvalidStatus
    when the handshake is refused)."""
    basic = base64.b64encode(f"{station_id}:{password}".encode()).decode()
    async with connect(
        f"{engine.csms.url}/{station_id}",
        subprotocols=["ocpp1.6"],
        additional_headers={"Authorization": f"Basic {basic}"},
    ) as ws:
        cp = Station(station_id, ws)
        task = asyncio.create_task(cp.start())
        try:
            return str((await boot(cp)).status)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


@pytest.mark.timeout(90)
async def test_the_attached_console_accepts_pushes_adds_and_the_csms_enforces_it(
    tmp_path: Path,
) -> None:
    async with (
        own_engine(
            tmp_path / "csms",
            api_port=0,
            security_profile=1,
            registration="pending",
            # A Pending boot is retried after 3000 simulated s: the accept's TriggerMessage
            # is what boots the station within the test's seconds.
            heartbeat_interval=3000,
        ) as engine,
        attached_app(engine, tmp_path / "console") as (app, _, pilot, toasts),
    ):
        [spec] = fleet_specs(1, seed=11, protocols=["ocpp1.6"])
        sid = spec.station_id
        fleet = Fleet([spec], engine.csms.url, replace(QUIET, password=FIRST))
        await fleet.start()
        try:
            [station] = fleet.stations
            await wait_for(lambda: standing(engine, sid) is Standing.PENDING)
            await pilot.press("S")
            await wait_for(lambda: isinstance(app.screen, RegistryScreen))
            await wait_for(lambda: registry_row(app, sid)[1:3] == ["pending", "set"], 10)

            # Accepted at the CSMS, which asks the station to boot again.
            await pilot.press("a")
            await wait_for(lambda: standing(engine, sid) is Standing.ACCEPTED)
            await wait_for(lambda: toasts.having("asked to boot again"))
            await wait_for(lambda: station.booted, timeout=10)
            await wait_for(lambda: registry_row(app, sid)[1] == "accepted", 10)

            # A password pushed by the CSMS, kept once the station took it, shown here once.
            await wait_for(lambda: registry_row(app, sid)[3] == "● online", 10)
            await pilot.press("P")
            await wait_for(lambda: isinstance(app.screen, SecretScreen), timeout=15)
            pushed = shown_secret(app)
            assert pushed == station.password != FIRST
            entry = engine.csms.registry.get(sid)
            assert entry is not None and entry.password_hash is not None
            assert verify_password(pushed, entry.password_hash)
            await pilot.press("enter")
            await wait_for(lambda: isinstance(app.screen, RegistryScreen))
        finally:
            await fleet.close()

        # A station added here: its password made by the CSMS and shown once.
        await pilot.press("n")
        await wait_for(lambda: isinstance(app.screen, PromptScreen))
        await pilot.press(*"CP-NEW", "enter")
        await wait_for(lambda: isinstance(app.screen, SecretScreen), timeout=10)
        made = shown_secret(app)
        added = engine.csms.registry.get("CP-NEW")
        assert added is not None and added.password_hash is not None
        assert verify_password(made, added.password_hash)
        await pilot.press("escape")
        await wait_for(lambda: registry_row(app, "CP-NEW")[1:3] == ["accepted", "set"])

        # The CSMS enforces it: the wrong password is refused at the handshake, the right
        # one boots Accepted.
        with pytest.raises(InvalidStatus) as refused:
            await boots_with(engine, "CP-NEW", WRONG)
        assert refused.value.response.status_code == 401
        assert await boots_with(engine, "CP-NEW", made) == "Accepted"

        # Rejected here: the CSMS refuses the station from now on.
        table = app.screen.query_one("#registry-table", DataTable)
        table.move_cursor(row=table.get_row_index("CP-NEW"))
        await pilot.press("r")
        await wait_for(lambda: standing(engine, "CP-NEW") is Standing.REJECTED)
        with pytest.raises(InvalidStatus):
            await boots_with(engine, "CP-NEW", made)
