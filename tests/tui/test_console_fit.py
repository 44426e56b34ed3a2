"""The console as a new user meets it: on a small terminal and a wide one, the frame log's
words, and the small keys (issue 12, items 2, 4 and 8)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ocpp.v16 import call
from rich.text import Text
from textual import events
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList
from textual.widgets._footer import FooterKey

from ocppdeck.core.wire.frame import Kind
from ocppdeck.core.wire.frame_query import KIND_LABELS
from ocppdeck.tui.header import Part, fit_header
from ocppdeck.tui.screens.command_form import CommandForm
from ocppdeck.tui.screens.help import HelpScreen
from ocppdeck.tui.screens.id_tags import AddTagScreen, IdTagsScreen
from ocppdeck.tui.screens.prompt import PromptScreen
from ocppdeck.tui.widgets.connectors_table import ConnectorsTable
from ocppdeck.tui.widgets.fitted_table import Column, fit_columns
from ocppdeck.tui.widgets.frame_log_view import LEAD, FrameLogView, action_width
from ocppdeck.tui.widgets.meter_plot import MeterPlot
from ocppdeck.tui.widgets.stations_table import StationsTable
from tests.helpers.engine import wait_for
from tests.helpers.scenario import scenario_app
from tests.helpers.scenario_mixed import mixed_app
from tests.helpers.tui import (
    Toasts,
    live_app,
    live_station,
    log_lines,
    screen_statics_text,
    select_live_connector,
    shown_frames,
)
from tests.tui.test_tui_replay import loaded, replay_app

SMALL = (80, 24)


def _visible(widget: Widget, size: tuple[int, int]) -> bool:
    region = widget.region
    return region.height >= 3 and region.bottom <= size[1] and region.right <= size[0]


# --- item 2: small and wide terminals ----------------------------------------------
@pytest.mark.timeout(30)
async def test_at_80x24_all_four_panes_are_on_screen_and_the_page_does_not_scroll() -> None:
    app = scenario_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        panes = [app.query_one(t) for t in (StationsTable, ConnectorsTable, MeterPlot)]
        panes.append(app.query_one(FrameLogView))
        for pane in panes:
            assert _visible(pane, SMALL), (type(pane).__name__, pane.region)
        assert app.screen.max_scroll_y == 0
        # The stations keep their id and link; the connectors their status.
        assert [c.label.plain for c in app.query_one(StationsTable).ordered_columns][:2] == [
            "Station",
            "Link",
        ]
        assert "Status" in [c.label.plain for c in app.query_one(ConnectorsTable).ordered_columns]
        assert log_lines(app)[-1].rstrip()  # the newest frame is drawn


def test_the_header_drops_its_least_needed_parts_first() -> None:
    parts = [
        Part(Text("ocppdeck"), 6),
        Part(Text("demo"), 4),
        Part(Text("5 simulated stations → ws://127.0.0.1:9000/<station id>"), 5),
        Part(Text("5/5 online"), 0),
        Part(Text("2 open tx"), 1),
        Part(Text("10:41:07 UTC"), 2),
        Part(Text("data 12 MB, 40 GB free"), 7),
    ]
    wide = fit_header(parts, 200).plain
    assert wide.startswith("ocppdeck · demo · 5 simulated") and wide.endswith("40 GB free")
    assert fit_header(parts, 78).plain == "ocppdeck · demo · 5/5 online · 2 open tx · 10:41:07 UTC"
    assert fit_header(parts, 40).plain == "5/5 online · 2 open tx · 10:41:07 UTC"
    assert fit_header(parts, 16).plain == "5/5 online"
    assert fit_header(parts, 5).plain == "5/5 …"


def test_columns_leave_a_narrow_pane_by_rank_and_one_grows_on_a_wide_one() -> None:
    columns = (Column("Id", 10, 0), Column("Name", 10, 2, grows=True), Column("Link", 6, 1))
    # Each column takes a cell of padding either side: 12 + 12 + 8 = 32 cells.
    assert fit_columns(columns, 100) == [(0, 10), (1, 10 + 100 - 32), (2, 6)]
    assert fit_columns(columns, 32) == [(0, 10), (1, 10), (2, 6)]
    assert fit_columns(columns, 30) == [(0, 10), (2, 6)]  # the name goes before the link
    assert fit_columns(columns, 5) == [(0, 10)]  # the id stays whatever the width


@pytest.mark.timeout(30)
async def test_at_220x60_vendor_names_and_2x_transaction_ids_are_shown_whole() -> None:
    app = mixed_app()
    async with app.run_test(size=(220, 60)) as pilot:
        await pilot.press("down")  # CS-NOVA, 2.0.1, a transaction with a UUID id
        await pilot.pause()
        for table in (app.query_one(StationsTable), app.query_one(ConnectorsTable)):
            assert table.region.right <= 220
            for column in table.ordered_columns:
                longest = max(Text(str(c)).cell_len for c in table.get_column(column.key))
                assert column.width >= longest, (column.label.plain, column.width, longest)
        tx = str(app.query_one(ConnectorsTable).get_row("1/1")[5])
        assert len(tx.split(" ")[0]) == 36  # the whole UUID


# --- item 4: the frame log's words ---------------------------------------------------
@pytest.mark.timeout(30)
async def test_the_filter_takes_the_words_on_screen_in_any_case() -> None:
    app = scenario_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("slash", *"kind:Result", "enter")
        await pilot.pause()
        frames = shown_frames(app)
        assert frames and {f.kind for f in frames} == {Kind.RESULT}
        await pilot.press("slash", "ctrl+u", *"kind:close", "enter")
        await pilot.pause()
        assert [f.text for f in shown_frames(app)] == ["closed 1006"]
        assert "kind:CLOSE" in str(app.query_one(FrameLogView).border_title)


@pytest.mark.timeout(30)
async def test_an_unknown_kind_says_which_kinds_exist_and_the_box_stays_open() -> None:
    app = scenario_app()
    toasts = Toasts()
    async with app.run_test(size=SMALL, message_hook=toasts) as pilot:
        await pilot.press("slash", *"kind:RESPONSE", "enter")
        await pilot.pause()
        [said] = toasts.having("RESPONSE")
        assert said.severity == "error"
        for label in KIND_LABELS.values():
            assert label in said.message
        box = app.query_one("#filter", Input)
        assert box.has_class("visible") and box.value == "kind:RESPONSE"
        assert app.query_one(FrameLogView).query_filter.empty


@pytest.mark.timeout(30)
async def test_a_close_line_puts_its_text_in_the_wide_column() -> None:
    app = scenario_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        width = app.query_one(FrameLogView).scrollable_content_region.width
        [line] = [line for line in log_lines(app) if " CLOSE " in line]
        payload_at = LEAD + action_width(width) + 1
        assert line[LEAD:payload_at].strip() == ""  # nothing in the action column
        assert line[payload_at:].startswith("closed 1006")


# --- item 8: the small points ---------------------------------------------------------
@pytest.mark.timeout(30)
async def test_home_and_end_move_the_connectors_cursor_to_the_first_and_last_row() -> None:
    app = scenario_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("down", "tab")  # CP-BRAVO's three connectors
        await pilot.pause()
        table = app.query_one(ConnectorsTable)
        assert app.focused is table
        await pilot.press("end")
        assert table.cursor_row == 2
        await pilot.press("home")
        assert table.cursor_row == 0


@pytest.mark.timeout(30)
async def test_replay_footer_shows_its_own_keys_not_the_live_ones(tmp_path: Path) -> None:
    app = replay_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot, app)
        await pilot.pause()
        keys = {key.key for key in app.screen.query(FooterKey)}
        assert {"comma", "n", "p", "space", "full_stop", "g"} <= keys
        assert not keys & {"s", "x", "i", "w", "a", "e", "S"}
        await app.source.close()


@pytest.mark.timeout(30)
async def test_help_lists_the_command_palette() -> None:
    app = scenario_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_statics_text(app)
        assert "ctrl+p" in text and "Command palette" in text


@pytest.mark.timeout(30)
async def test_console_keys_do_nothing_over_the_id_tags_screen(tmp_path: Path) -> None:
    async with (
        live_app(tmp_path) as (app, engine, pilot, _toasts),
        live_station(engine, "CP-TAGS"),
    ):
        await select_live_connector(app, "CP-TAGS")
        await pilot.press("i")
        await wait_for(lambda: isinstance(app.screen, IdTagsScreen))
        footer = {key.key for key in app.screen.query(FooterKey)}
        assert "s" not in footer
        await pilot.press("s", "R", "slash")
        await pilot.pause()
        assert isinstance(app.screen, IdTagsScreen)
        assert len(app.screen_stack) == 2
        await pilot.press("x")  # the screen's own x: export
        await wait_for(lambda: isinstance(app.screen, PromptScreen))
        assert "Enter to export" in screen_statics_text(app)


@pytest.mark.timeout(30)
async def test_go_to_in_replay_does_not_say_send(tmp_path: Path) -> None:
    app = replay_app(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await loaded(pilot, app)
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        text = screen_statics_text(app)
        assert "Enter to go there" in text and "send" not in text
        await app.source.close()


@pytest.mark.timeout(30)
async def test_the_expiry_error_wraps_inside_the_dialog(tmp_path: Path) -> None:
    async with live_app(tmp_path) as (app, _engine, pilot, _toasts):
        await pilot.resize_terminal(*SMALL)
        await pilot.press("i")
        await wait_for(lambda: isinstance(app.screen, IdTagsScreen))
        await pilot.press("a")
        await wait_for(lambda: isinstance(app.screen, AddTagScreen))
        await pilot.press(*"TAG-1", "tab", "tab", *"next tuesday", "enter")
        await pilot.pause()
        error = app.screen.query_one("#error-expiry", Label)
        box = app.screen.query_one("#prompt")
        assert "next tuesday" in str(error.content)
        assert error.region.right <= box.content_region.right
        assert error.region.height >= 2  # wrapped, not cut at the dialog's edge


def _highlighted(app: object) -> str:
    choices = app.screen.query_one("#field-state", OptionList)  # type: ignore[attr-defined]
    assert choices.highlighted is not None
    return str(choices.get_option_at_index(choices.highlighted).id)


@pytest.mark.timeout(30)
async def test_change_availability_opens_on_the_opposite_and_does_not_wrap(
    tmp_path: Path,
) -> None:
    async with (
        live_app(tmp_path) as (app, engine, pilot, _toasts),
        live_station(engine, "CP-AV") as cp,
    ):
        await select_live_connector(app, "CP-AV")
        await pilot.press("v")
        await wait_for(lambda: isinstance(app.screen, CommandForm))
        assert _highlighted(app) == "Inoperative"  # it is Available
        await pilot.press("down", "down")
        assert _highlighted(app) == "Inoperative"  # no wrap round to Operative
        await pilot.press("escape")
        await cp.call(
            call.StatusNotification(connector_id=1, error_code="NoError", status="Unavailable")
        )
        await wait_for(lambda: engine.state.stations["CP-AV"].evses[1].status == "Unavailable")
        await pilot.press("v")
        await wait_for(lambda: isinstance(app.screen, CommandForm))
        assert _highlighted(app) == "Operative"
        await pilot.press("up")
        assert _highlighted(app) == "Operative"


@pytest.mark.timeout(30)
async def test_keys_typed_straight_after_a_form_opens_all_arrive(tmp_path: Path) -> None:
    async with (
        live_app(tmp_path) as (app, engine, pilot, _toasts),
        live_station(engine, "CP-FAST"),
    ):
        await select_live_connector(app, "CP-FAST")
        # No pause between the key that opens the form and the typing: "C" and "a" are
        # console keys too (clear cache, automations), so a lost focus would show.
        await pilot.press("D", *"ACME-Ca", "tab", *"aCx")
        await pilot.pause()
        assert isinstance(app.screen, CommandForm)
        assert app.screen.query_one("#field-vendor", Input).value == "ACME-Ca"
        assert app.screen.query_one("#field-message", Input).value == "aCx"
        assert len(app.screen_stack) == 2


@pytest.mark.timeout(30)
async def test_a_burst_of_keys_sent_at_once_opens_the_form_and_fills_it(tmp_path: Path) -> None:
    """Every key queued before any is handled, as a fast typist's are: the ones after "D"
    reach the form it opens ("C" is clear cache on the console: it must not go there)."""
    async with (
        live_app(tmp_path) as (app, engine, pilot, _toasts),
        live_station(engine, "CP-BURST"),
    ):
        await select_live_connector(app, "CP-BURST")
        for char in "DACME-Cable":
            app.post_message(events.Key("minus" if char == "-" else char, char))
        await wait_for(lambda: isinstance(app.screen, CommandForm))
        await pilot.pause()
        assert app.screen.query_one("#field-vendor", Input).value == "ACME-Cable"
        assert len(app.screen_stack) == 2
        assert not [c for c in engine.commands.queue_overview() if c.action == "ClearCache"]
