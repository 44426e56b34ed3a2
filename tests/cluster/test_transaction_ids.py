"""1.6 transaction ids across a cluster: every node numbers from one counter in NATS, so no
two nodes hand out the same id, a node killed with SIGKILL never hands one out again,
and a station that moves to another node gets fresh ones (two transactions never merge)."""

from __future__ import annotations

import asyncio
import itertools
import signal
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from ocpp.v16 import call
from websockets.asyncio.client import connect

from ocppdeck.core.clock import to_iso
from ocppdeck.core.cluster.console_source import ClusterConsole
from ocppdeck.core.cluster.id_blocks import ClusterBlocks
from ocppdeck.core.csms import transaction_ids
from ocppdeck.core.csms.transaction_ids import REFUSED, TransactionIds
from ocppdeck.core.disk.health import Part
from ocppdeck.core.engine import Engine
from tests.helpers.cli_process import serving
from tests.helpers.cluster_load import T0
from tests.helpers.engine import make_settings, own_engine, wait_for
from tests.helpers.nats_server import free_port, nats_server
from tests.helpers.station16 import Station, boot, station

STARTS = 20  # transactions each node starts at once
# Each start a moment after the one before: the same start sent again is answered with
# the id it had (a repeat), and these are all new ones.
MOMENTS = itertools.count(T0)


async def start_transaction(cp: Station, connector: int = 1) -> int:
    """A StartTransaction; the id the CSMS gave it."""
    answer = await cp.call(
        call.StartTransaction(
            connector_id=connector,
            id_tag="TAG-1",
            meter_start=0,
            timestamp=to_iso(next(MOMENTS)),
        )
    )
    assert answer.id_tag_info["status"] == "Accepted"
    return int(answer.transaction_id)


async def starts_on(engine: Engine, stack: AsyncExitStack, prefix: str) -> list[int]:
    """STARTS stations on `engine`, each booted, then all starting a transaction at once."""
    stations = [
        await stack.enter_async_context(station(engine, f"{prefix}-{n}")) for n in range(STARTS)
    ]
    await asyncio.gather(*(boot(cp) for cp in stations))
    return list(await asyncio.gather(*(start_transaction(cp) for cp in stations)))


@pytest.mark.timeout(60)
async def test_two_nodes_starting_transactions_at_once_never_share_an_id(
    tmp_path: Path, bus: str
) -> None:
    async with (
        own_engine(tmp_path / "a", bus=bus, node="a") as a,
        own_engine(tmp_path / "b", bus=bus, node="b") as b,
        AsyncExitStack() as stack,
    ):
        on_a, on_b = await asyncio.gather(starts_on(a, stack, "A"), starts_on(b, stack, "B"))
    given = on_a + on_b
    assert REFUSED not in given
    assert len(set(given)) == len(given) == 2 * STARTS


@pytest.mark.timeout(60)
async def test_nodes_claiming_blocks_at_once_get_blocks_no_other_node_got(
    tmp_path: Path, bus: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tiny blocks and four nodes claiming in threads at once: the compare-and-set on the
    counter is contended on every claim, and every id is still handed out once."""
    monkeypatch.setattr(transaction_ids, "BLOCK", 3)
    sources = [ClusterBlocks(bus, f"n{n}") for n in range(4)]
    nodes = [TransactionIds(tmp_path / f"n{n}.json", source=s) for n, s in enumerate(sources)]
    for source in sources:
        source.start()

    def claim_many(ids: TransactionIds) -> list[int]:
        taken = []
        for _ in range(25):
            ids.reserve(1)
            taken += [ids.take() for _ in range(ids.left)]
        return taken

    try:
        taken = await asyncio.gather(*(asyncio.to_thread(claim_many, ids) for ids in nodes))
    finally:
        for source in sources:
            await source.close()
    every = [tx_id for node in taken for tx_id in node]
    assert len(every) == 4 * 25 * 3
    assert sorted(every) == list(range(1, len(every) + 1))  # none twice, none skipped
    assert all(node == sorted(node) for node in taken)  # each node's ids only go up


@pytest.mark.timeout(90)
async def test_a_node_killed_with_sigkill_never_hands_out_an_id_again(
    tmp_path: Path, bus: str
) -> None:
    data = tmp_path / "n1"
    given: list[int] = []

    async def one_start(port: int, station_id: str) -> int:
        async with connect(f"ws://127.0.0.1:{port}/{station_id}", subprotocols=["ocpp1.6"]) as ws:
            cp = Station(station_id, ws)
            task = asyncio.create_task(cp.start())
            try:
                await boot(cp)
                return await start_transaction(cp)
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    with serving(data, "--bus", bus, "--node", "n1", "--accept-unknown-tags") as n1:
        # A second node claims the block after n1's.
        async with own_engine(tmp_path / "n2", bus=bus, node="n2") as n2:
            given.append(await one_start(n1.port, "CP-1"))
            async with station(n2, "CP-2") as cp:
                await boot(cp)
                given.append(await start_transaction(cp))
            n1.proc.send_signal(signal.SIGKILL)  # the rest of n1's block dies with it
            n1.proc.wait(10)
    with serving(data, "--bus", bus, "--node", "n1", "--accept-unknown-tags") as n1:
        given.append(await one_start(n1.port, "CP-1"))
    assert REFUSED not in given
    assert len(set(given)) == len(given)
    # The restarted node claimed a block past every block any node held.
    assert given[2] > max(given[:2])


@pytest.mark.timeout(60)
async def test_a_station_that_moves_to_another_node_gets_a_fresh_id(
    tmp_path: Path, bus: str
) -> None:
    async with (
        own_engine(tmp_path / "a", bus=bus, node="a") as a,
        own_engine(tmp_path / "b", bus=bus, node="b") as b,
    ):
        console = ClusterConsole(bus, make_settings(tmp_path / "console"))
        await console.start()
        try:
            async with station(a, "CP-MOVE") as cp:
                await boot(cp)
                first = await start_transaction(cp, connector=1)
            async with station(b, "CP-MOVE") as moved:
                await boot(moved)
                second = await start_transaction(moved, connector=2)
            assert first != second
            # Two transactions of the station, each where it started: none merged.
            await wait_for(lambda: len(console.state.open_transactions()) == 2, 20)
            opened = {tx.transaction_id: tx for tx in console.state.open_transactions()}
            assert set(opened) == {str(first), str(second)}
            assert opened[str(first)].evse_id == 1
            assert opened[str(second)].evse_id == 2
        finally:
            await console.close()


@pytest.mark.timeout(60)
async def test_with_nats_away_a_start_is_refused_until_a_block_comes_from_the_cluster(
    tmp_path: Path,
) -> None:
    port = free_port()
    async with (
        own_engine(tmp_path / "node", bus=f"nats://127.0.0.1:{port}", node="n1") as node,
        station(node, "CP-AWAY") as cp,
    ):
        await boot(cp)
        refused = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag="TAG-1", meter_start=0, timestamp=to_iso(next(MOMENTS))
            )
        )
        # No id made up without the counter: the start is refused, and the node says why.
        assert refused.transaction_id == REFUSED
        assert refused.id_tag_info["status"] == "Invalid"
        assert node.disk is not None and node.disk.failing(Part.TRANSACTION_IDS)

        with nats_server(tmp_path / "nats", port=port):
            ids = node.store.transaction_ids
            await wait_for(lambda: ids.left > 0, 20)  # the background reservation
            assert await start_transaction(cp) >= 1
