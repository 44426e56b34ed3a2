"""The outbox: frames on their way to the stream, bounded in bytes.

The CSMS loop only appends here (never waits on NATS). Past the bound a new
frame is counted as dropped from the bus; the node's own recording still has it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One frame as it goes on the bus: subject, de-duplication id, recording line."""

    subject: str
    msg_id: str
    data: bytes


class Outbox:
    """Frames waiting for the stream's ack, oldest first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.dropped = 0
        self._items: deque[Outgoing] = deque()

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: Outgoing) -> bool:
        """Keep `item` unless the outbox is full; False (and counted) when it is dropped."""
        if self.bytes + len(item.data) > self.max_bytes:
            self.dropped += 1
            return False
        self._items.append(item)
        self.bytes += len(item.data)
        return True

    def head(self, count: int) -> list[Outgoing]:
        """The oldest `count` items, left in place until `done` says they were acked."""
        items = self._items
        return [items[i] for i in range(min(count, len(items)))]

    def done(self, count: int) -> None:
        """The oldest `count` items were acked by the stream."""
        for _ in range(count):
            self.bytes -= len(self._items.popleft().data)
