"""A `serve --bus` node killed with SIGKILL: what it had on the stream stays there, and
its restart tells the cluster its stations left."""

from __future__ import annotations

import asyncio
import json
import signal
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from ocpp.v16 import call
from websockets.asyncio.client import connect

from ocppdeck.core.cluster.stream_frames import stream_frames
from ocppdeck.core.disk.formats import ImportReport, read_frames
from ocppdeck.core.model.projection import Projection, fold
from ocppdeck.core.wire.frame import Frame, Kind
from tests.helpers.cli_process import run, serving
from tests.helpers.cluster_load import charge
from tests.helpers.engine import wait_for
from tests.helpers.station16 import Station

HEARTBEATS = 30


def metric(port: int, name: str) -> float:
    """One sample of the node's /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        for line in answer.read().decode().splitlines():
            if line.startswith(f"{name} ") or line.startswith(f"{name}_total "):
                return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


def on_stream(bus: str) -> list[Frame]:
    return list(stream_frames(bus, ImportReport()))


@pytest.mark.timeout(90)
async def test_a_killed_node_loses_no_frame_the_stream_had_acked(tmp_path: Path, bus: str) -> None:
    data = tmp_path / "node"
    with serving(data, "--bus", bus, "--node", "n1") as node:
        async with connect(f"ws://127.0.0.1:{node.port}/CP-K", subprotocols=["ocpp1.6"]) as ws:
            cp = Station("CP-K", ws)
            task = asyncio.create_task(cp.start())
            try:
                await charge(cp, with_tx=True)
                for _ in range(HEARTBEATS):
                    await cp.call(call.Heartbeat())

                def drained() -> bool:
                    return metric(node.port, "ocppdeck_bus_outbox_frames") == 0

                await wait_for(drained, 20)
                acked = metric(node.port, "ocppdeck_bus_published")
                node.proc.send_signal(signal.SIGKILL)
                node.proc.wait(10)
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    recorded = {f.seq: f for f in read_frames(data, "recording", ImportReport())}
    streamed = await asyncio.to_thread(on_stream, bus)
    assert len(streamed) >= acked > HEARTBEATS
    # Every frame on the stream is the node's recorded frame of that seq, each once.
    assert all(recorded[f.seq] == f for f in streamed)
    assert max(Counter(f.seq for f in streamed).values()) == 1

    # The node starts again on its data dir: the cluster learns its station is gone.
    with serving(data, "--bus", bus, "--node", "n1") as node:

        def restarted() -> bool:
            return any(
                f.kind is Kind.DISCONNECTED and f.text == "node restarted" for f in on_stream(bus)
            )

        await wait_for(lambda: restarted(), 20)
    streamed = await asyncio.to_thread(on_stream, bus)
    projection = Projection()
    fold(streamed, projection)
    station = projection.state.stations["CP-K"]
    assert not projection.state.is_online(station)
    assert len(projection.state.open_transactions()) == 1

    shown = await asyncio.to_thread(run, "project", bus, "--json")
    assert shown.returncode == 0, shown.stderr
    answers = json.loads(shown.stdout)
    assert answers["stationCount"] == 1
    assert answers["openTransactions"][0]["energyWh"] == 500.0

    reported = await asyncio.to_thread(run, "report", bus)
    assert reported.returncode == 0, reported.stderr
    document = json.loads(reported.stdout)
    assert document["source"]["format"] == "cluster stream"
    assert document["source"]["frames"] == len(streamed)
