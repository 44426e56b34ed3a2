"""Two `serve` nodes on one NATS: the attached console sees what one node would have."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from ocppdeck.core.cluster.console_source import ClusterConsole
from ocppdeck.core.csms.outbound_queue import CallState
from ocppdeck.core.engine import Engine
from ocppdeck.core.model.answers import answers
from ocppdeck.core.model.state import State
from tests.helpers.cluster_load import run_load
from tests.helpers.engine import make_settings, own_engine, wait_for

# Station ids with characters a NATS subject cannot hold as they are.
STATIONS = [("CP-A1", True), ("CP.A2", True), ("CP*B=1:", False)]


def online(state: State) -> set[str]:
    return {sid for sid, s in state.stations.items() if state.is_online(s)}


def open_count(state: State) -> int:
    return len(state.open_transactions())


@pytest.mark.timeout(60)
async def test_the_attached_console_folds_the_cluster_as_one_node_would(
    tmp_path: Path, bus: str
) -> None:
    async with own_engine(tmp_path / "single") as single, AsyncExitStack() as stack:
        await run_load(stack, [(single, sid, tx) for sid, tx in STATIONS])
        expected = answers(single.state)
        expected_online = online(single.state)

    async with (
        own_engine(tmp_path / "a", bus=bus, node="a") as a,
        own_engine(tmp_path / "b", bus=bus, node="b") as b,
        AsyncExitStack() as stack,
    ):
        # The 1.6 transactions on one node, so their ids are numbered as on one node.
        nodes: list[Engine] = [a, a, b]
        await run_load(stack, [(n, sid, tx) for n, (sid, tx) in zip(nodes, STATIONS, strict=True)])
        console = ClusterConsole(bus, make_settings(tmp_path / "console"))
        await console.start()
        try:
            await wait_for(lambda: answers(console.state) == expected, 20)
            assert online(console.state) == expected_online == {s for s, _ in STATIONS}
            assert open_count(console.state) == 2
            assert console.reader.nodes == {"a", "b"}
        finally:
            await console.close()


@pytest.mark.timeout(60)
async def test_a_command_from_the_console_reaches_the_station_on_its_node(
    tmp_path: Path, bus: str
) -> None:
    async with (
        own_engine(tmp_path / "a", bus=bus, node="a") as a,
        own_engine(tmp_path / "b", bus=bus, node="b") as b,
        AsyncExitStack() as stack,
    ):
        stations = await run_load(stack, [(a, "CP-A", False), (b, "CP-B", False)])
        console = ClusterConsole(bus, make_settings(tmp_path / "console"))
        await console.start()
        try:
            await wait_for(lambda: online(console.state) == {"CP-A", "CP-B"}, 20)
            queued = console.commands.remote_start("CP-B", 1, "TAG-9")
            outcome = await queued.future
            assert outcome.state is CallState.ANSWERED and outcome.status == "Accepted"
            assert stations["CP-B"].remote_starts == [(1, "TAG-9")]
            assert stations["CP-A"].remote_starts == []
            # The node that sent it recorded it, and the console saw its answer on the stream.
            sent = [
                f
                for f in b.frames.positions()
                if (fr := b.frames.get(f)) and fr.action == "RemoteStartTransaction"
            ]
            assert sent
            await wait_for(
                lambda: any(
                    r.state is CallState.ANSWERED for r in console.commands.queue_overview()
                ),
                10,
            )
        finally:
            await console.close()
