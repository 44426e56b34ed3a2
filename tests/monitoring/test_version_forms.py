"""The console's monitoring (N) and display-message (O) forms offer a station its own
version's choices, live on 127.0.0.1: a 2.1 station's list 2.1's monitor types and
message states and send one; a 2.0.1 station's list only 2.0.1's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import OptionList

from ocppdeck.core.dialects import V21, V201
from ocppdeck.core.engine import Engine
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from ocppdeck.core.sim.station import SimStation
from ocppdeck.core.wire.frame import Direction, Kind
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.screens.command_form import CommandForm
from ocppdeck.tui.screens.display_messages import DisplayMessagesScreen
from ocppdeck.tui.screens.monitoring import MonitoringScreen
from ocppdeck.tui.widgets.stations_table import StationsTable
from tests.helpers.engine import frames_of, wait_for
from tests.helpers.tui import live_app
from tests.monitoring.stations import STEADY

MONITORS_21 = (
    "UpperThreshold",
    "LowerThreshold",
    "Delta",
    "Periodic",
    "PeriodicClockAligned",
    "TargetDelta",
    "TargetDeltaRelative",
)
STATES_21 = (
    "(any state)",
    "Charging",
    "Faulted",
    "Idle",
    "Unavailable",
    "Suspended",
    "Discharging",
)


def choices(app: OcppDeckApp, field: str) -> tuple[str, ...]:
    """The options a form's choice field lists, as shown."""
    listed = app.screen.query_one(f"#field-{field}", OptionList)
    return tuple(str(listed.get_option_at_index(n).prompt) for n in range(listed.option_count))


async def open_form(pilot: object, app: OcppDeckApp, screen: str, screen_type: type) -> None:
    """Open the selected station's screen by its key, then its add form (a)."""
    await pilot.press(screen)  # type: ignore[attr-defined]
    await wait_for(lambda: isinstance(app.screen, screen_type))
    await pilot.press("a")  # type: ignore[attr-defined]
    await wait_for(lambda: isinstance(app.screen, CommandForm))


async def pick(pilot: object, app: OcppDeckApp, tabs: int, text: str, downs: int) -> None:
    """Tab to a field (typing `text` in the second), go down its choices, and send."""
    for n in range(tabs):
        await pilot.press("tab")  # type: ignore[attr-defined]
        if n == 0 and text:
            await pilot.press(*text)  # type: ignore[attr-defined]
    for _ in range(downs):
        await pilot.press("down")  # type: ignore[attr-defined]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await wait_for(lambda: not isinstance(app.screen, CommandForm))


async def booted(app: OcppDeckApp, fleet: Fleet, station_id: str) -> SimStation:
    """The fleet's one station, booted and selected in the stations table."""
    await fleet.start()
    [station] = fleet.stations
    await wait_for(lambda: station.booted, timeout=10)
    stations = app.query_one(StationsTable)
    await wait_for(lambda: stations.selected == station_id)
    stations.focus()
    return station


@pytest.mark.timeout(60)
async def test_a_21_station_forms_offer_and_send_21_choices(tmp_path: Path) -> None:
    async with live_app(tmp_path) as (app, engine, pilot, _toasts):
        [spec] = fleet_specs(1, seed=3, protocols=[V21.name])
        sid = spec.station_id
        fleet = Fleet([spec], engine.csms.url, STEADY)
        try:
            station = await booted(app, fleet, sid)
            await wait_for(lambda: engine.commands.reported_settings(sid) is not None)

            await open_form(pilot, app, "N", MonitoringScreen)
            assert choices(app, "type") == MONITORS_21
            await pick(pilot, app, 3, "", MONITORS_21.index("TargetDelta"))
            await wait_for(lambda: answered(engine, sid, "SetVariableMonitoring"), timeout=10)
            [(sent, result)] = answered(engine, sid, "SetVariableMonitoring")
            assert sent["setMonitoringData"][0]["type"] == "TargetDelta"
            assert result["setMonitoringResult"][0]["status"] == "Rejected"  # Power: no Target
            await pilot.press("escape")
            await wait_for(lambda: not isinstance(app.screen, MonitoringScreen))

            await open_form(pilot, app, "O", DisplayMessagesScreen)
            assert choices(app, "state") == STATES_21
            assert "QRCODE" in choices(app, "format")
            await pick(pilot, app, 3, "Back soon", STATES_21.index("Suspended"))
            await wait_for(lambda: station.display.messages)
            [shown] = station.display.messages.values()
            assert (shown["state"], shown["message"]["content"]) == ("Suspended", "Back soon")
        finally:
            await fleet.close()


@pytest.mark.timeout(60)
async def test_a_2_0_1_station_forms_offer_only_2_0_1_choices(tmp_path: Path) -> None:
    async with live_app(tmp_path) as (app, engine, pilot, _toasts):
        [spec] = fleet_specs(1, seed=3, protocols=[V201.name])
        sid = spec.station_id
        fleet = Fleet([spec], engine.csms.url, STEADY)
        try:
            await booted(app, fleet, sid)
            await wait_for(lambda: engine.commands.reported_settings(sid) is not None)
            await open_form(pilot, app, "N", MonitoringScreen)
            assert choices(app, "type") == MONITORS_21[:5]
            await pilot.press("escape", "escape")
            await wait_for(lambda: not isinstance(app.screen, MonitoringScreen))
            await open_form(pilot, app, "O", DisplayMessagesScreen)
            assert choices(app, "state") == STATES_21[:5]
            assert "QRCODE" not in choices(app, "format")
        finally:
            await fleet.close()


def answered(engine: Engine, sid: str, action: str) -> list[tuple[Any, Any]]:
    """Each `action` the console sent the station, with the station's answer."""
    frames = frames_of(engine, sid)
    calls = {
        f.unique_id: f.payload
        for f in frames
        if f.kind is Kind.CALL and f.direction is Direction.OUT and f.action == action
    }
    return [
        (calls[f.unique_id], f.payload)
        for f in frames
        if f.kind is Kind.RESULT and f.direction is Direction.IN and f.unique_id in calls
    ]
