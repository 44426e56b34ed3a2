"""Smart charging in the console (Pilot): the profile editor on a live engine, and the limit
drawn in the live meter pane.

Real engine, real 1.6 `ocpp` station or simulated station on 127.0.0.1.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Label, OptionList

from ocppdeck.core.dialects import V16, V201
from ocppdeck.core.model.charging_schedule import PHASES, VOLTS
from ocppdeck.core.wire.frame import Kind
from ocppdeck.tui.screens.command_form import CommandForm
from ocppdeck.tui.widgets.meter_plot import MeterPlot
from tests.helpers.command_stations import station16
from tests.helpers.engine import frames_of, wait_for
from tests.helpers.simulated import simulated
from tests.helpers.tui import live_app, plain, select_live_connector


async def open_editor(app: object, pilot: object) -> CommandForm:
    await pilot.press("P")  # type: ignore[attr-defined]
    await wait_for(lambda: isinstance(app.screen, CommandForm))  # type: ignore[attr-defined]
    return app.screen  # type: ignore[attr-defined,no-any-return]


@pytest.mark.timeout(30)
async def test_the_editor_names_the_field_the_schema_refuses_and_sends_nothing(
    tmp_path: Path,
) -> None:
    async with live_app(tmp_path) as (app, engine, pilot, _), station16(engine, "CP-K") as cp:
        await select_live_connector(app, "CP-K")
        form = await open_editor(app, pilot)
        # 1.6 limits are multiples of 0.1.
        form.query_one("#field-periods", Input).value = "0:16, 600:7.25"
        form.query_one("#field-periods", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        error = plain(form.query_one("#error-periods", Label).content)
        assert "chargingSchedulePeriod[1].limit" in error and "multiple of 0.1" in error
        assert app.screen is form and cp.of("SetChargingProfile") == []

        # Periods that do not rise are the form's own error, under the same field.
        form.query_one("#field-periods", Input).value = "0:16, 0:8"
        await pilot.press("enter")
        await pilot.pause()
        assert "starts after the one before" in plain(
            form.query_one("#error-periods", Label).content
        )

        form.query_one("#field-periods", Input).value = "0:16, 600:7.5"
        form.query_one("#field-recurrency", OptionList).highlighted = 1  # Daily
        form.query_one("#field-periods", Input).focus()
        await pilot.press("enter")
        await wait_for(lambda: cp.of("SetChargingProfile"))
        [sent] = [
            f.payload
            for f in frames_of(engine, "CP-K")
            if f.kind is Kind.CALL and f.action == "SetChargingProfile"
        ]
        profile = sent["csChargingProfiles"]
        assert sent["connectorId"] == 1
        assert profile["chargingProfilePurpose"] == "TxDefaultProfile"
        assert (profile["chargingProfileKind"], profile["recurrencyKind"]) == ("Recurring", "Daily")
        periods = profile["chargingSchedule"]["chargingSchedulePeriod"]
        assert periods == [{"startPeriod": 0, "limit": 16.0}, {"startPeriod": 600, "limit": 7.5}]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("protocol", [V16.name, V201.name])
async def test_the_meter_pane_draws_the_limit_a_profile_set(tmp_path: Path, protocol: str) -> None:
    async with (
        live_app(tmp_path) as (app, engine, pilot, _),
        simulated(engine, protocol) as station,
    ):
        sid = station.spec.station_id
        await select_live_connector(app, sid)
        form = await open_editor(app, pilot)
        form.query_one("#field-periods", Input).value = "0:6"
        form.query_one("#field-periods", Input).focus()
        await pilot.press("enter")
        await wait_for(lambda: app.screen is not form)
        await wait_for(lambda: engine.state.stations[sid].charging)
        outcome = await engine.commands.remote_start(sid, 1, "TAG-0001").future
        assert outcome.status == "Accepted"

        plot = app.query_one(MeterPlot)
        cap_kw = 6 * VOLTS * PHASES / 1000
        await wait_for(lambda: len(plot.limits) >= 2, timeout=15)
        assert {kw for _, kw in plot.limits} == {cap_kw}
        assert "limit 4.1 kW" in plain(plot.border_subtitle)
