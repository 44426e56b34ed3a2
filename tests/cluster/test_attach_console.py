"""`ocppdeck attach nats://…`: the console itself on a two-node cluster."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from ocppdeck.core.cluster.console_source import ClusterConsole
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.header import HeaderBar
from ocppdeck.tui.widgets.stations_table import StationsTable
from tests.helpers.cluster_load import run_load
from tests.helpers.engine import make_settings, own_engine, wait_for
from tests.helpers.tui import SIZE, shown_frames


@pytest.mark.timeout(60)
async def test_the_console_shows_every_node_s_stations_and_frames(tmp_path: Path, bus: str) -> None:
    async with (
        own_engine(tmp_path / "a", bus=bus, node="a") as a,
        own_engine(tmp_path / "b", bus=bus, node="b") as b,
        AsyncExitStack() as stack,
    ):
        await run_load(stack, [(a, "CP-A", True), (b, "CP-B", False)])
        source = ClusterConsole(bus, make_settings(tmp_path / "console"))
        app = OcppDeckApp(source)
        async with app.run_test(size=SIZE) as pilot:
            try:
                stations = app.query_one(StationsTable)
                await wait_for(lambda: stations.border_subtitle == "2/2 online", 20)
                header = app.query_one(HeaderBar).render().plain
                assert "cluster nats://" in header and "2 nodes" in header
                shown = {f.station for f in shown_frames(app)}
                assert {"CP-A", "CP-B"} <= shown
                await pilot.pause()
            finally:
                await source.close()
