"""The console's monitoring (N) and display-message (O) screens on a live engine and a
simulated 2.0.1 station over 127.0.0.1: keys and forms send each command, and the tables
show what the station reported: its monitors, the event a crossed threshold raised, a
customer's information assembled, and its display messages as text, never markup."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from ocppdeck.core.csms.builders.monitoring import NewMonitor
from ocppdeck.core.dialects import V16
from ocppdeck.core.engine import Engine
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.screens.command_form import CommandForm
from ocppdeck.tui.screens.display_messages import DisplayMessagesScreen
from ocppdeck.tui.screens.monitoring import MonitoringScreen
from ocppdeck.tui.widgets.stations_table import StationsTable
from tests.helpers.engine import make_settings, wait_for
from tests.helpers.tui import SIZE, Toasts, plain
from tests.monitoring.stations import DEVICE_MODEL_VERSIONS, STEADY

MARKUP = "[reverse]Welcome[/reverse] to bay 3"


def rows(app: OcppDeckApp, table_id: str) -> list[list[str]]:
    table = app.screen.query_one(table_id, DataTable)
    return [[plain(c).strip() for c in table.get_row_at(n)] for n in range(table.row_count)]


async def fill(pilot: object, app: OcppDeckApp, *steps: str) -> None:
    """Answer the form that just opened: keys and text, then Enter to send."""
    await wait_for(lambda: isinstance(app.screen, CommandForm))
    for step in steps:
        if step in ("tab", "down"):
            await pilot.press(step)  # type: ignore[attr-defined]
        else:
            await pilot.press(*step)  # type: ignore[attr-defined]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await wait_for(lambda: not isinstance(app.screen, CommandForm))


@pytest.mark.timeout(60)
async def test_monitoring_screen_sets_reports_clears_and_shows_events(tmp_path: Path) -> None:
    engine = Engine(make_settings(tmp_path / "data"))
    app = OcppDeckApp(engine)
    [spec] = fleet_specs(1, seed=3, protocols=[DEVICE_MODEL_VERSIONS[0]])
    sid = spec.station_id
    async with app.run_test(size=SIZE, message_hook=Toasts()) as pilot:
        await wait_for(lambda: engine.csms.listening)
        fleet = Fleet([spec], engine.csms.url, STEADY)
        await fleet.start()
        try:
            [station] = fleet.stations
            await wait_for(lambda: station.booted, timeout=10)
            await wait_for(lambda: sid in engine.state.stations)
            stations = app.query_one(StationsTable)
            await wait_for(lambda: stations.selected == sid)
            stations.focus()
            await pilot.press("N")
            await wait_for(lambda: isinstance(app.screen, MonitoringScreen))

            # a: the form's defaults watch EVSE 1's power above 7000 W.
            await pilot.press("a")
            await fill(pilot, app)
            await wait_for(lambda: station.monitors.monitors)
            await pilot.press("r")
            await wait_for(lambda: rows(app, "#monitoring-monitors"), timeout=10)
            [monitor] = rows(app, "#monitoring-monitors")
            assert monitor[:3] == ["1", "UpperThreshold", "EVSE/Power EVSE 1, 7000.0, severity 4"]

            # x on the selected monitor clears it: the station's answer drops the row.
            await pilot.press("x")
            await wait_for(lambda: not rows(app, "#monitoring-monitors"), timeout=10)
            assert not station.monitors.monitors

            # A monitor that a charge crosses: the event lists by component and variable.
            low = NewMonitor("EVSE", "Power", "UpperThreshold", 1.0, 2, 1)
            assert (await engine.commands.set_monitor(sid, low).future).accepted
            assert (await engine.commands.remote_start(sid, 1, "TAG-M").future).accepted
            await wait_for(lambda: rows(app, "#monitoring-events"), timeout=15)
            [event] = rows(app, "#monitoring-events")
            assert event[1:5] == ["1", "EVSE/Power", "Alerting", "alert"]

            # c: a customer's information, assembled from its parts.
            await pilot.press("c")
            await fill(pilot, app, "CUST-9")
            await wait_for(lambda: rows(app, "#monitoring-customers"), timeout=10)
            await wait_for(lambda: rows(app, "#monitoring-customers")[0][2] == "yes")
            [customer] = rows(app, "#monitoring-customers")
            assert customer[1] == "3"
            assert customer[3].startswith(f"Customer CUST-9 at {sid}.")
        finally:
            await fleet.close()


@pytest.mark.timeout(60)
async def test_display_messages_screen_adds_lists_and_clears(tmp_path: Path) -> None:
    engine = Engine(make_settings(tmp_path / "data"))
    app = OcppDeckApp(engine)
    [spec] = fleet_specs(1, seed=3, protocols=[DEVICE_MODEL_VERSIONS[0]])
    sid = spec.station_id
    async with app.run_test(size=SIZE, message_hook=Toasts()) as pilot:
        await wait_for(lambda: engine.csms.listening)
        fleet = Fleet([spec], engine.csms.url, STEADY)
        await fleet.start()
        try:
            [station] = fleet.stations
            await wait_for(lambda: station.booted, timeout=10)
            await wait_for(lambda: sid in engine.state.stations)
            stations = app.query_one(StationsTable)
            await wait_for(lambda: stations.selected == sid)
            stations.focus()
            await pilot.press("O")
            await wait_for(lambda: isinstance(app.screen, DisplayMessagesScreen))

            await pilot.press("a")  # id 1 by default; the text is the station's to show
            await fill(pilot, app, "tab", MARKUP)
            await wait_for(lambda: station.display.messages)
            await pilot.press("r")
            await wait_for(lambda: rows(app, "#display-messages-table"), timeout=10)
            [shown] = rows(app, "#display-messages-table")
            assert shown[:3] == ["1", "NormalCycle, valid " + shown[1].split("valid ")[1], MARKUP]
            assert shown[1].endswith("to …")  # valid from now until cleared

            await pilot.press("x")
            await wait_for(lambda: not rows(app, "#display-messages-table"), timeout=10)
            assert not station.display.messages
        finally:
            await fleet.close()


@pytest.mark.timeout(60)
async def test_a_16_station_has_neither_screen_and_the_console_says_why(tmp_path: Path) -> None:
    engine = Engine(make_settings(tmp_path / "data"))
    app = OcppDeckApp(engine)
    [spec] = fleet_specs(1, seed=3, protocols=[V16.name])
    sid = spec.station_id
    toasts = Toasts()
    async with app.run_test(size=SIZE, message_hook=toasts) as pilot:
        await wait_for(lambda: engine.csms.listening)
        fleet = Fleet([spec], engine.csms.url, STEADY)
        await fleet.start()
        try:
            await wait_for(lambda: fleet.stations[0].booted, timeout=10)
            stations = app.query_one(StationsTable)
            await wait_for(lambda: stations.selected == sid)
            stations.focus()
            await pilot.press("N", "O")
            await wait_for(lambda: len(toasts.having("OCPP 1.6 has no")) == 2)
            said = " ".join(n.message for n in toasts.having("OCPP 1.6 has no"))
            assert "monitoring" in said and "display messages" in said
            assert len(app.screen_stack) == 1  # no screen opened
        finally:
            await fleet.close()
