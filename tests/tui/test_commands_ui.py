"""Station commands from keys, forms, the command palette and the configuration screen (Pilot).

Live tests run the console on a real Engine with a real `ocpp` station on 127.0.0.1
that records what it receives.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ocpp.v16 import call_result
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.widgets import DataTable, Input, Label, OptionList, Static

from ocppdeck.core.csms.builders.v2 import COMMON_VARIABLES
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.screens.command_form import CommandForm
from ocppdeck.tui.screens.configuration import ConfigurationScreen
from ocppdeck.tui.screens.help import HelpScreen
from ocppdeck.tui.screens.prompt import PromptScreen
from ocppdeck.tui.screens.queue import QueueScreen
from ocppdeck.tui.station_commands import STATION_COMMANDS
from ocppdeck.tui.widgets.stations_table import StationsTable
from tests.helpers.command_stations import REPORT_2X, station16, station201
from tests.helpers.engine import wait_for
from tests.helpers.scenario import scenario_app
from tests.helpers.tui import (
    SIZE,
    Toasts,
    frame_log_has,
    live_app,
    screen_statics_text,
    select_live_connector,
)


async def palette_run(app: OcppDeckApp, pilot: object, text: str) -> None:
    """Open the palette, type `text`, wait for a hit and take the first one."""
    await pilot.press("ctrl+p")  # type: ignore[attr-defined]
    await wait_for(lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*text)  # type: ignore[attr-defined]
    await wait_for(lambda: app.screen.query_one(CommandList).option_count > 0)
    await pilot.press("enter")  # type: ignore[attr-defined]
    await wait_for(lambda: not isinstance(app.screen, CommandPalette))


@pytest.mark.timeout(20)
async def test_reset_form_choose_hard_and_the_station_gets_reset_hard(tmp_path: Path) -> None:
    async with (
        live_app(tmp_path) as (app, engine, pilot, toasts),
        station16(engine, "CP-UI") as cp,
    ):
        await select_live_connector(app, "CP-UI")
        await pilot.press("R")
        await wait_for(lambda: isinstance(app.screen, CommandForm))
        await pilot.press("down", "enter")
        await wait_for(lambda: cp.of("Reset") == [{"type": "Hard"}])
        assert len(app.screen_stack) == 1
        await wait_for(lambda: toasts.having("Reset: Accepted"))
        (note,) = toasts.having("Reset: Accepted")
        assert note.title == "Reset Hard CP-UI" and note.severity == "information"
        await wait_for(lambda: frame_log_has(app, "CP-UI", "Reset"))


@pytest.mark.timeout(20)
async def test_form_shows_errors_against_the_field_and_esc_cancels(tmp_path: Path) -> None:
    async with (
        live_app(tmp_path) as (app, engine, pilot, _),
        station16(engine, "CP-UI") as cp,
    ):
        await select_live_connector(app, "CP-UI")
        await pilot.press("m")
        await wait_for(lambda: isinstance(app.screen, CommandForm))
        app.screen.query_one("#field-limit", Input).value = "lots"
        app.screen.query_one("#field-duration", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CommandForm)
        error = app.screen.query_one("#error-limit", Label)
        assert "a number" in str(error.content)
        assert app.screen.focused is app.screen.query_one("#field-limit")
        await pilot.press("escape")
        await wait_for(lambda: len(app.screen_stack) == 1)
        # Fixed, it goes: 10 A for the default hour on the selected connector.
        await pilot.press("m")
        await wait_for(lambda: isinstance(app.screen, CommandForm))
        app.screen.query_one("#field-limit", Input).value = "10"
        app.screen.query_one("#field-limit", Input).focus()
        await pilot.press("enter")
        await wait_for(lambda: cp.of("SetChargingProfile"))
        [profile] = cp.of("SetChargingProfile")
        assert profile["connector_id"] == 1
        schedule = profile["cs_charging_profiles"]["charging_schedule"]
        assert schedule["charging_schedule_period"] == [{"start_period": 0, "limit": 10}]
        assert schedule["duration"] == 3600


@pytest.mark.timeout(20)
async def test_keys_without_a_form_send_at_once(tmp_path: Path) -> None:
    async with (
        live_app(tmp_path) as (app, engine, pilot, toasts),
        station16(engine, "CP-UI") as cp,
    ):
        await select_live_connector(app, "CP-UI")
        await pilot.press("u", "C", "L")
        await wait_for(lambda: cp.of("GetLocalListVersion"))
        assert cp.of("UnlockConnector") == [{"connector_id": 1}]
        assert cp.of("ClearCache") == [{}]
        await wait_for(lambda: toasts.having("(list version 3)"))


@pytest.mark.timeout(20)
async def test_palette_runs_a_command_and_opens_a_form(tmp_path: Path) -> None:
    async with (
        live_app(tmp_path) as (app, engine, pilot, toasts),
        station201(engine, "CS-UI") as cp,
    ):
        await select_live_connector(app, "CS-UI")
        await palette_run(app, pilot, "Clear cache")
        await wait_for(lambda: cp.of("ClearCache"))
        await wait_for(lambda: toasts.having("ClearCache: Accepted"))
        await palette_run(app, pilot, "Trigger message")
        assert isinstance(app.screen, CommandForm)
        # 2.x offers its own triggers; pick TransactionEvent and send.
        options = app.screen.query_one("#field-message", OptionList)
        options.focus()
        options.highlighted = options.get_option_index("TransactionEvent")
        await pilot.press("enter")
        await wait_for(lambda: cp.of("TriggerMessage"))
        assert cp.of("TriggerMessage") == [
            {"requested_message": "TransactionEvent", "evse": {"id": 1}}
        ]


@pytest.mark.timeout(20)
async def test_palette_goes_to_a_station() -> None:
    app = scenario_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.query_one(StationsTable).selected == "CP-ALPHA"
        await palette_run(app, pilot, "Go to station CP-CHARLIE")
        assert app.query_one(StationsTable).selected == "CP-CHARLIE"


@pytest.mark.timeout(20)
async def test_configuration_lists_keys_and_changes_a_writable_one(tmp_path: Path) -> None:
    async with (
        live_app(tmp_path) as (app, engine, pilot, toasts),
        station16(engine, "CP-UI") as cp,
    ):
        await select_live_connector(app, "CP-UI")
        await pilot.press("K")
        await wait_for(lambda: isinstance(app.screen, ConfigurationScreen))
        table = app.screen.query_one(DataTable)
        await wait_for(lambda: table.row_count == 3)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(3)]
        assert rows == [
            ["", "NumberOfConnectors", "1", "read-only"],
            ["", "HeartbeatInterval", "300", "read-write"],
            ["", "MeterValueSampleInterval", "60", "read-write"],
        ]
        await pilot.press("enter")  # read-only: refused in the console
        await wait_for(lambda: toasts.having("NumberOfConnectors is read-only"))
        assert isinstance(app.screen, ConfigurationScreen)
        await pilot.press("down", "enter")
        await wait_for(lambda: isinstance(app.screen, PromptScreen))
        app.screen.query_one(Input).value = "120"
        await pilot.press("enter")
        await wait_for(lambda: cp.of("ChangeConfiguration"))
        assert cp.of("ChangeConfiguration") == [{"key": "HeartbeatInterval", "value": "120"}]
        await wait_for(lambda: toasts.having("ChangeConfiguration: Accepted"))
        # Accepted: the screen asks again and shows the new value.
        await wait_for(lambda: str(table.get_row_at(1)[2]) == "120")
        await pilot.press("escape")
        await wait_for(lambda: len(app.screen_stack) == 1)


def table_rows(table: DataTable[object]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


@pytest.mark.timeout(20)
async def test_2x_configuration_lists_the_reported_variables_and_sets_one(tmp_path: Path) -> None:
    async with (
        live_app(tmp_path) as (app, engine, pilot, toasts),
        station201(engine, "CS-UI", REPORT_2X) as cp,
    ):
        await wait_for(lambda: len(engine.state.stations["CS-UI"].variables) == 4)
        await select_live_connector(app, "CS-UI")
        await pilot.press("K")
        await wait_for(lambda: isinstance(app.screen, ConfigurationScreen))
        table = app.screen.query_one(DataTable)
        await wait_for(lambda: table.row_count == 4)
        assert table_rows(table) == [
            ["Connector EVSE 1/1", "Enabled", "true", "read-write"],
            ["OCPPCommCtrlr", "HeartbeatInterval", "300", "read-write"],
            ["SecurityCtrlr", "BasicAuthPassword", "write-only", "read-write"],
            ["SecurityCtrlr", "SecurityProfile", "1", "read-only"],
        ]
        assert not cp.of("GetVariables")  # listed from the report: nothing asked
        await pilot.press("down", "down", "down", "enter")
        await wait_for(lambda: toasts.having("SecurityProfile is read-only"))
        await pilot.press("up", "up", "enter")
        await wait_for(lambda: isinstance(app.screen, PromptScreen))
        app.screen.query_one(Input).value = "120"
        await pilot.press("enter")
        await wait_for(lambda: cp.of("SetVariables"))
        assert cp.of("SetVariables") == [
            {
                "set_variable_data": [
                    {
                        "attribute_value": "120",
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "HeartbeatInterval"},
                    }
                ]
            }
        ]
        # Accepted: the screen asks a new full report (boot's one was the first).
        await wait_for(lambda: len(cp.of("GetBaseReport")) == 2)
        assert cp.of("GetBaseReport")[-1]["report_base"] == "FullInventory"


@pytest.mark.timeout(20)
async def test_2x_configuration_without_a_report_asks_the_common_variables(
    tmp_path: Path,
) -> None:
    async with (
        live_app(tmp_path) as (app, engine, pilot, _),
        station201(engine, "CS-UI") as cp,
    ):
        await select_live_connector(app, "CS-UI")
        await pilot.press("K")
        await wait_for(lambda: isinstance(app.screen, ConfigurationScreen))
        table = app.screen.query_one(DataTable)
        await wait_for(lambda: table.row_count == len(COMMON_VARIABLES))
        assert len(cp.of("GetVariables")) == 1
        note = app.screen.query_one("#configuration-note", Static)
        assert "No report from the station" in str(note.render())


@pytest.mark.timeout(20)
async def test_custom_trigger_from_the_form_reaches_a_v21_station(tmp_path: Path) -> None:
    async with (
        live_app(tmp_path) as (app, engine, pilot, _),
        station201(engine, "CS-21", protocol="ocpp2.1") as cp,
    ):
        await select_live_connector(app, "CS-21")
        await pilot.press("t")
        await wait_for(lambda: isinstance(app.screen, CommandForm))
        options = app.screen.query_one("#field-message", OptionList)
        options.focus()
        options.highlighted = options.get_option_index("CustomTrigger")
        await pilot.press("enter")  # no name yet: the form says so and stays
        error = app.screen.query_one("#error-custom", Label)
        await wait_for(lambda: "required for CustomTrigger" in str(error.render()))
        assert isinstance(app.screen, CommandForm)
        app.screen.query_one("#field-custom", Input).value = "VendorStatus"
        await pilot.press("enter")
        await wait_for(lambda: cp.of("TriggerMessage"))
        assert cp.of("TriggerMessage") == [
            {
                "requested_message": "CustomTrigger",
                "evse": {"id": 1},
                "custom_trigger": "VendorStatus",
            }
        ]


@pytest.mark.timeout(20)
@pytest.mark.parametrize("key", [c.key for c in STATION_COMMANDS.values()])
async def test_station_commands_are_off_in_replay(key: str) -> None:
    toasts = Toasts()
    app = scenario_app()
    async with app.run_test(size=SIZE, message_hook=toasts) as pilot:
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
        assert len(app.screen_stack) == 1
        assert toasts.having("Replay: commands are off")


@pytest.mark.timeout(20)
async def test_help_lists_every_station_command() -> None:
    app = scenario_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)

        text = screen_statics_text(app)
        for command in STATION_COMMANDS.values():
            assert command.title in text, command.title


# --- answers that refuse inside a CALLRESULT --------------------------------------
def queue_row(app: OcppDeckApp, action: str) -> list[Text]:
    """The queue pane's row of the last `action` command."""
    table = app.screen.query_one(DataTable)
    rows = [table.get_row_at(i) for i in range(table.row_count)]
    return [row for row in rows if str(row[2]) == action][-1]


async def change_in_configuration(app: OcppDeckApp, pilot: Any, down: int, value: str) -> None:
    """Open K, move `down` rows, and change that setting to `value`."""
    await pilot.press("K")
    await wait_for(lambda: isinstance(app.screen, ConfigurationScreen))
    await wait_for(lambda: app.screen.query_one(DataTable).row_count >= down + 1)
    await pilot.press(*["down"] * down, "enter")
    await wait_for(lambda: isinstance(app.screen, PromptScreen))
    app.screen.query_one(Input).value = value
    await pilot.press("enter")


async def open_queue(app: OcppDeckApp, pilot: Any, action: str) -> list[Text]:
    """Close the screens over the console, open the queue pane (w), return `action`'s row."""
    while len(app.screen_stack) > 1:
        await pilot.press("escape")
    await pilot.press("w")
    await wait_for(lambda: isinstance(app.screen, QueueScreen))
    await wait_for(
        lambda: any(str(r[2]) == action for r in table_rows(app.screen.query_one(DataTable)))
    )
    return queue_row(app, action)


@pytest.mark.timeout(30)
async def test_a_change_configuration_that_needs_a_reboot_says_so(tmp_path: Path) -> None:
    async with (
        live_app(tmp_path) as (app, engine, pilot, toasts),
        station16(engine, "CP-UI") as cp,
    ):
        # This station takes the new value only after a reboot.
        cp.route_map["ChangeConfiguration"]["_on_action"] = lambda **_: (
            call_result.ChangeConfiguration(status="RebootRequired")
        )
        await select_live_connector(app, "CP-UI")
        await change_in_configuration(app, pilot, 1, "120")
        await wait_for(lambda: toasts.having("ChangeConfiguration: RebootRequired"))
        (note,) = toasts.having("ChangeConfiguration: RebootRequired")
        assert note.severity == "warning"  # not the green "done" of an Accepted answer
        row = await open_queue(app, pilot, "ChangeConfiguration")
        assert "answered" in str(row[3]) and str(row[5]) == "RebootRequired"
        assert "green" not in str(row[5].style)
        assert "green" not in str(row[3].style)  # answered, but not done


@pytest.mark.timeout(30)
async def test_a_set_variables_rejected_inside_its_result_is_shown_rejected(
    tmp_path: Path,
) -> None:
    async with (
        live_app(tmp_path) as (app, engine, pilot, toasts),
        station201(engine, "CS-UI", REPORT_2X) as cp,
    ):

        def refuse(set_variable_data: list[dict[str, Any]]) -> Any:
            results = [
                {
                    "attribute_status": "Rejected",
                    "attribute_status_info": {"reason_code": "ValueTooLow"},
                    "component": d["component"],
                    "variable": d["variable"],
                }
                for d in set_variable_data
            ]
            return cp.lib.call_result.SetVariables(set_variable_result=results)

        cp.route_map["SetVariables"]["_on_action"] = refuse
        await wait_for(lambda: len(engine.state.stations["CS-UI"].variables) == 4)
        await select_live_connector(app, "CS-UI")
        await change_in_configuration(app, pilot, 1, "5")  # OCPPCommCtrlr.HeartbeatInterval
        said = "SetVariables: Rejected (OCPPCommCtrlr.HeartbeatInterval Rejected (ValueTooLow))"
        await wait_for(lambda: toasts.having(said))
        assert [n.severity for n in toasts.having(said)] == ["warning"]
        row = await open_queue(app, pilot, "SetVariables")
        assert str(row[5]) == "Rejected"
        assert str(row[6]) == "OCPPCommCtrlr.HeartbeatInterval Rejected (ValueTooLow)"
        assert "green" not in str(row[5].style)


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("key", "required"),
    [
        ("B", {"reservation": "Reservation id: required"}),
        (
            "b",
            {
                "tag": "Id tag: required",
                "connector": "Connector (2.x: EVSE; 0 = any): required",
                "minutes": "Minutes until it expires: required",
                "reservation": "Reservation id: required",
            },
        ),
        ("m", {"limit": "Limit: required", "duration": "For seconds: required"}),
        ("D", {"vendor": "Vendor id: required"}),
    ],
)
async def test_a_form_refuses_an_empty_value_the_call_needs_and_names_the_field(
    tmp_path: Path, key: str, required: dict[str, str]
) -> None:
    async with (
        live_app(tmp_path) as (app, engine, pilot, _),
        station16(engine, "CP-UI") as cp,
    ):
        await select_live_connector(app, "CP-UI")
        queued_before = len(engine.commands.queue_overview())
        await pilot.press(key)
        await wait_for(lambda: isinstance(app.screen, CommandForm))
        for name in required:
            app.screen.query_one(f"#field-{name}", Input).value = "  "
        app.screen.query_one(f"#field-{next(iter(required))}", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CommandForm)  # still open: nothing was sent
        for name, said in required.items():
            assert str(app.screen.query_one(f"#error-{name}", Label).content) == said
        assert len(engine.commands.queue_overview()) == queued_before
        assert not [a for a, _ in cp.asked if a not in ("GetConfiguration",)]
