"""The console attached to a running CSMS through its API (`ocppdeck attach`): a real engine
with its API on 127.0.0.1, a real 1.6 station, and the console in the same event loop."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from ocpp.v16 import call
from textual.widgets import DataTable, Input

from ocppdeck.core.api.attached import AttachedSource
from ocppdeck.core.csms.outbound_queue import CallState
from ocppdeck.core.csms.store import IdTag
from ocppdeck.core.wire.frame import Kind
from ocppdeck.tui.screens.id_tags import AddTagScreen, IdTagsScreen
from ocppdeck.tui.screens.prompt import PromptScreen
from ocppdeck.tui.screens.queue import QueueScreen
from ocppdeck.tui.widgets.stations_table import StationsTable
from tests.helpers.api import api_url
from tests.helpers.engine import make_settings, own_engine, wait_for
from tests.helpers.tui import frame_log_has, live_station, select_live_connector, shown_frames
from tests.helpers.web import attached_app, free_port, title


@pytest.mark.timeout(60)
async def test_the_attached_console_shows_the_station_and_its_remote_start_reaches_it(
    tmp_path: Path,
) -> None:
    async with (
        own_engine(tmp_path / "csms", api_port=0) as engine,
        live_station(engine, "CP-ATT") as cp,
        attached_app(engine, tmp_path / "console") as (app, source, pilot, toasts),
    ):
        assert source.mode == "attached"
        await wait_for(lambda: "CP-ATT" in app.query_one(StationsTable).rows)
        assert "1/1 online" in title(app)
        await select_live_connector(app, "CP-ATT")
        await pilot.press("s")
        await wait_for(lambda: isinstance(app.screen, PromptScreen))
        assert app.screen.query_one("#prompt-input", Input).value == "TAG-0001"
        await pilot.press("enter")
        await wait_for(lambda: cp.remote_starts == [(1, "TAG-0001")])
        # The station's answer comes back to the console that asked...
        await wait_for(lambda: toasts.having("RemoteStartTransaction: Accepted"))
        # ...and the frames and the transaction it started, through the frame stream.
        await wait_for(lambda: frame_log_has(app, "CP-ATT", "RemoteStartTransaction"))
        await wait_for(lambda: len(source.state.open) == 1)
        assert "1 open tx" in title(app)
        assert [source.state.transactions[k].id_tag for k in source.state.open] == ["TAG-0001"]
        # What stays with the CSMS's own console says so.
        await pilot.press("a")
        await wait_for(lambda: toasts.having("automations run with the CSMS"))


@pytest.mark.timeout(60)
async def test_a_lost_api_shows_in_the_title_and_the_console_resumes_after_its_last_frame(
    tmp_path: Path,
) -> None:
    async with (
        own_engine(tmp_path / "csms", api_port=free_port()) as engine,
        live_station(engine, "CP-GAP") as cp,
        attached_app(engine, tmp_path / "console") as (app, source, _, _),
    ):
        await wait_for(lambda: "CP-GAP" in source.state.stations)
        api = engine.api
        assert api is not None
        await api.close()
        await wait_for(lambda: "API LOST" in title(app), timeout=15)
        # While the API is away the station goes on: its connector becomes Faulted.
        await cp.call(
            call.StatusNotification(connector_id=1, error_code="GroundFailure", status="Faulted")
        )
        await api.start()
        await wait_for(lambda: "API LOST" not in title(app), timeout=15)
        assert f"attached · {source.url}" in title(app)
        await wait_for(
            lambda: source.state.stations["CP-GAP"].evses[1].status == "Faulted", timeout=15
        )
        # Resumed after the last frame: the missed frames once each, nothing twice.
        seqs = [f.seq for f in shown_frames(app)]
        assert len(seqs) == len(set(seqs))
        faulted = [
            f
            for f in shown_frames(app)
            if f.kind is Kind.CALL
            and f.action == "StatusNotification"
            and f.payload.get("status") == "Faulted"
        ]
        assert len(faulted) == 1


@pytest.mark.timeout(60)
async def test_id_tags_added_and_blocked_in_the_attached_console_are_the_csms_tags(
    tmp_path: Path,
) -> None:
    async with own_engine(tmp_path / "csms", api_port=0) as engine:
        assert engine.id_tags is not None
        engine.id_tags.add("KNOWN-1")
        async with attached_app(engine, tmp_path / "console") as (app, _, pilot, toasts):
            await pilot.press("i")
            await wait_for(lambda: isinstance(app.screen, IdTagsScreen))
            # The CSMS's tags are listed...
            table = app.screen.query_one(DataTable)
            await wait_for(lambda: "KNOWN-1" in table.rows)
            # ...and one added here is the CSMS's, as is blocking it.
            await pilot.press("a")
            await wait_for(lambda: isinstance(app.screen, AddTagScreen))
            await pilot.press(*"ATT-2", "enter")
            await wait_for(lambda: toasts.having("Added ATT-2"))
            await wait_for(lambda: engine.store.id_tag("ATT-2") is not None)
            assert engine.store.id_tag("ATT-2") == IdTag("ATT-2")
            table.move_cursor(row=table.get_row_index("ATT-2"))
            await pilot.press("b")
            await wait_for(lambda: engine.store.id_tag("ATT-2") == IdTag("ATT-2", "Blocked"))


@pytest.mark.timeout(60)
async def test_a_command_for_an_offline_station_waits_in_the_csms_queue_and_reports_its_end(
    tmp_path: Path,
) -> None:
    async with (
        own_engine(tmp_path / "csms", api_port=0) as engine,
        attached_app(engine, tmp_path / "console") as (app, source, pilot, _),
    ):
        async with live_station(engine, "CP-OFF"):
            await wait_for(lambda: "CP-OFF" in source.state.stations)
        await wait_for(lambda: "0/1 online" in title(app))
        queued = source.commands.remote_start("CP-OFF", 1, "TAG-0001")
        # The CSMS holds it in its queue, and the attached console's queue lists it.
        await wait_for(lambda: queued.id != 0)
        await pilot.press("w")
        await wait_for(lambda: isinstance(app.screen, QueueScreen))
        table = app.screen.query_one(DataTable)
        await wait_for(lambda: str(queued.id) in table.rows, timeout=10)
        assert "queued" in [str(c) for c in table.get_row(str(queued.id))]
        async with live_station(engine, "CP-OFF") as cp:
            await wait_for(lambda: cp.remote_starts == [(1, "TAG-0001")])
            outcome = await asyncio.wait_for(queued.future, 30)
        assert outcome.state is CallState.ANSWERED and outcome.status == "Accepted"


@pytest.mark.timeout(60)
async def test_a_csms_started_anew_behind_the_same_api_is_taken_from_its_snapshot(
    tmp_path: Path,
) -> None:
    token = tmp_path / "token"
    token.write_text("shared-token\n")
    same_api = {"api_port": free_port(), "api_token_file": token}
    async with own_engine(tmp_path / "first", **same_api) as first:
        async with live_station(first, "CP-FIRST"):
            await wait_for(lambda: "CP-FIRST" in first.state.stations)
        source = AttachedSource(api_url(first), token.read_text().strip(), make_settings(tmp_path))
        await source.start()
    try:
        await wait_for(lambda: source.lost is not None, timeout=15)
        # A new run in a data dir of its own: its frames are numbered from 1 again.
        async with (
            own_engine(tmp_path / "second", **same_api) as second,
            live_station(second, "CP-SECOND") as cp,
        ):
            await wait_for(lambda: source.lost is None, timeout=15)
            # Its next frame is not the one the console folded last under that number.
            await cp.call(call.Heartbeat())
            await wait_for(lambda: "CP-SECOND" in source.state.stations, timeout=15)
            assert "CP-FIRST" not in source.state.stations
    finally:
        await source.close()
