"""A station that reconnects through the load balancer to another node keeps its history
and the commands queued for it."""

from __future__ import annotations

from pathlib import Path

import pytest
from ocpp.v16 import call

from ocppdeck.core.clock import to_iso
from ocppdeck.core.cluster.console_source import ClusterConsole
from ocppdeck.core.csms.outbound_queue import CallState
from ocppdeck.core.model.state import State
from tests.helpers.cluster_load import T0, charge
from tests.helpers.engine import make_settings, out_calls, own_engine, wait_for
from tests.helpers.station16 import station


def online(state: State, station_id: str) -> bool:
    found = state.stations.get(station_id)
    return found is not None and state.is_online(found)


@pytest.mark.timeout(60)
async def test_a_command_queued_while_offline_goes_out_through_the_next_node(
    tmp_path: Path, bus: str
) -> None:
    async with (
        own_engine(tmp_path / "a", bus=bus, node="a") as a,
        own_engine(tmp_path / "b", bus=bus, node="b") as b,
    ):
        console = ClusterConsole(bus, make_settings(tmp_path / "console"))
        await console.start()
        try:
            async with station(a, "CP-M") as cp:
                await charge(cp, with_tx=True)
                await wait_for(lambda: len(console.state.open_transactions()) == 1, 20)
                tx_id = console.state.open_transactions()[0].transaction_id
            await wait_for(lambda: "CP-M" in console.state.stations, 20)
            await wait_for(lambda: not online(console.state, "CP-M"), 20)

            queued = console.commands.remote_start("CP-M", 2, "TAG-M")
            overview = console.commands.queue_overview
            await wait_for(lambda: [r.state for r in overview()] == [CallState.QUEUED], 10)
            assert not queued.future.done()

            async with station(b, "CP-M") as moved:
                await moved.call(call.Heartbeat())  # a node sends nothing before it is heard
                outcome = await queued.future
                assert outcome.state is CallState.ANSWERED and outcome.status == "Accepted"
                assert moved.remote_starts == [(2, "TAG-M")]
                # The transaction started on node a ends on node b, as one history.
                await moved.call(
                    call.StopTransaction(
                        transaction_id=int(tx_id), meter_stop=2500, timestamp=to_iso(T0 + 120)
                    )
                )
                await wait_for(lambda: not console.state.open_transactions(), 20)
            assert out_calls(a, "CP-M", "RemoteStartTransaction") == []
            assert len(out_calls(b, "CP-M", "RemoteStartTransaction")) == 1
            closed = console.state.transactions[("CP-M", tx_id)]
            assert (closed.meter_start, closed.meter_stop) == (1000, 2500)
        finally:
            await console.close()


@pytest.mark.timeout(60)
async def test_a_cancelled_command_never_reaches_the_station(tmp_path: Path, bus: str) -> None:
    async with own_engine(tmp_path / "a", bus=bus, node="a") as a:
        console = ClusterConsole(bus, make_settings(tmp_path / "console"))
        await console.start()
        try:
            async with station(a, "CP-C") as cp:
                await charge(cp, with_tx=False)
            await wait_for(lambda: "CP-C" in console.state.stations, 20)
            await wait_for(lambda: not online(console.state, "CP-C"), 20)
            queued = console.commands.remote_start("CP-C", 1, "TAG-C")
            overview = console.commands.queue_overview
            await wait_for(lambda: [r.state for r in overview()] == [CallState.QUEUED], 10)
            console.commands.cancel(queued.id)
            outcome = await queued.future
            assert outcome.state is CallState.CANCELLED
            async with station(a, "CP-C") as back:
                await charge(back, with_tx=False)
                await wait_for(lambda: online(console.state, "CP-C"), 20)
            assert back.remote_starts == []
        finally:
            await console.close()
