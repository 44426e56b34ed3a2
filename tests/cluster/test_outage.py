"""NATS away: the node serves its stations as ever, keeps their frames in the outbox and
shows the outage; when NATS comes, the frames go to the stream."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from ocppdeck.core.cluster.outbox import Outbox, Outgoing
from ocppdeck.core.cluster.stream_frames import stream_frames
from ocppdeck.core.disk.formats import ImportReport
from tests.helpers.cluster_load import run_load
from tests.helpers.engine import frames_of, own_engine, wait_for
from tests.helpers.nats_server import free_port, nats_server


def sample(metrics: str, name: str) -> float:
    line = next(x for x in metrics.splitlines() if x.startswith(f"{name} "))
    return float(line.split()[1])


@pytest.mark.timeout(60)
async def test_frames_wait_for_nats_and_reach_the_stream_when_it_comes(tmp_path: Path) -> None:
    port = free_port()
    bus = f"nats://127.0.0.1:{port}"
    async with own_engine(tmp_path / "node", bus=bus, node="n1") as node, AsyncExitStack() as st:
        await run_load(st, [(node, "CP-1", True)])  # answered with no NATS at all
        metrics = node.metrics.render().decode()
        waiting = sample(metrics, "ocppdeck_bus_outbox_frames")
        assert sample(metrics, "ocppdeck_bus_connected") == 0
        expected = frames_of(node, "CP-1")
        assert waiting == len(expected) > 0

        with nats_server(tmp_path / "nats", port=port):
            cluster = node.cluster
            assert cluster is not None and cluster.publisher is not None
            publisher = cluster.publisher
            await wait_for(lambda: not publisher.outbox, 20)
            streamed = await asyncio.to_thread(list, stream_frames(bus, ImportReport()))
        metrics = node.metrics.render().decode()
        assert sample(metrics, "ocppdeck_bus_published_total") == waiting
    assert streamed == expected  # a first start's SERVER_START stays off the bus (no station)


def test_a_full_outbox_drops_new_frames_and_counts_them() -> None:
    outbox = Outbox(max_bytes=10)
    assert outbox.put(Outgoing("s", "n:1", b"12345"))
    assert outbox.put(Outgoing("s", "n:2", b"12345"))
    assert not outbox.put(Outgoing("s", "n:3", b"1"))
    assert (len(outbox), outbox.dropped) == (2, 1)
    assert [i.msg_id for i in outbox.head(5)] == ["n:1", "n:2"]
    outbox.done(1)
    assert outbox.put(Outgoing("s", "n:4", b"12345"))
    assert [i.msg_id for i in outbox.head(5)] == ["n:2", "n:4"]
