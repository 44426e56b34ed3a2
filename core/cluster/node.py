"""A CSMS node of a cluster: its frames to the stream, its stations' commands from
the bucket, its 1.6 transaction ids from the cluster's counter. The engine holds one
when `--bus` is given, and nothing else changes.
"""

from __future__ import annotations

import logging
import socket

from ..clock import Clock
from ..csms.metrics import Metrics
from ..csms.transaction_ids import TransactionIds
from ..model.state import State
from ..wire.bus import FrameBus
from .id_blocks import ClusterBlocks
from .link import Link
from .node_commands import LocalQueues, NodeCommands
from .publisher import BusMetrics, Publisher

log = logging.getLogger("ocppdeck.cluster")

CLOSE_FLUSH_S = 5.0  # how long closing waits for the outbox to reach the stream


def node_name(given: str, port: int) -> str:
    """The node's name: as given, else this host and its CSMS port (unique on one machine)."""
    return given or f"{socket.gethostname()}-{port}"


class ClusterNode:
    """What one `ocppdeck serve --bus URL` adds to its engine."""

    def __init__(self, url: str, node: str, clock: Clock) -> None:
        self.node = node
        self.clock = clock
        self.link = Link(url, f"ocppdeck node {node}")
        self.publisher: Publisher | None = None
        self.commands: NodeCommands | None = None
        self.id_blocks = ClusterBlocks(url, node)

    def start_ids(self, ids: TransactionIds) -> None:
        """Take `ids`' blocks from the cluster's counter; call before its first reservation."""
        self.id_blocks.start()
        ids.source = self.id_blocks

    def start(self, bus: FrameBus, state: State, csms: LocalQueues, metrics: Metrics) -> None:
        """Publish every frame from now on (the engine hands `publisher` each frame with its
        recording line, encoded once), and take the commands of stations as they connect.

        Call before the engine's SERVER_START: `state` is then the restored state, whose
        online stations are those this node held when it last stopped.
        """
        held = sorted(sid for sid, s in state.stations.items() if state.is_online(s))
        self.publisher = Publisher(self.link, self.node, held)
        self.commands = NodeCommands(self.link, self.node, csms, self.clock)
        metrics.registry.register(BusMetrics(self.publisher))
        bus.subscribe(self.commands.on_frame)
        self.link.start()
        self.publisher.start()
        log.info("node %s publishing to %s", self.node, self.link.shown)

    async def close(self) -> None:
        """Give the outbox a moment to reach the stream, then stop."""
        publisher = self.publisher
        up = self.link.up.is_set()
        if (
            publisher is not None
            and publisher.outbox
            and not (up and await publisher.flush(CLOSE_FLUSH_S))
        ):
            log.warning(
                "%d frames not on the bus at close (they are in the recording)",
                len(publisher.outbox),
            )
        if self.commands is not None:
            await self.commands.close()
        if self.publisher is not None:
            await self.publisher.close()
        await self.link.close()
        await self.id_blocks.close()
