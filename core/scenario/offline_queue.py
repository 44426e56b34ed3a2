"""What a station keeps while its link is down, as real firmware does: transaction
messages (start, readings, stop) are queued and go out in order on reconnect;
heartbeats and statuses are dropped (the statuses after a reconnect say it all).

While offline the station acts on its own authority: a 1.6 StartTransaction gets a
stand-in transaction id until the CSMS numbers it on reconnect, and the queued
messages that name the stand-in are renumbered as they go out. A 2.x
TransactionEvent is marked `offline`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import fields, replace
from types import ModuleType
from typing import Any

QUEUED = frozenset({"StartTransaction", "StopTransaction", "MeterValues", "TransactionEvent"})
OFFLINE_TX_ID = -1  # 1.6: what a transaction started offline is called until answered
MAX_QUEUED = 10_000  # oldest dropped past this, as firmware with a full buffer does


class OfflineQueue:
    """Messages waiting for the link, oldest first."""

    def __init__(self, results: ModuleType) -> None:
        self._results = results
        self._held: deque[Any] = deque(maxlen=MAX_QUEUED)

    def __len__(self) -> int:
        return len(self._held)

    def hold(self, payload: Any) -> Any | None:
        """Queue a message sent while offline; the answer the station assumes for it
        (None: dropped, as it is no transaction message)."""
        action = type(payload).__name__
        if action not in QUEUED:
            return None
        if "offline" in {f.name for f in fields(payload)}:
            payload = replace(payload, offline=True)
        self._held.append(payload)
        if action == "StartTransaction":
            return self._results.StartTransaction(
                transaction_id=OFFLINE_TX_ID, id_tag_info={"status": "Accepted"}
            )
        return getattr(self._results, action)()

    def take(self) -> list[Any]:
        """Everything queued, oldest first; the queue is empty afterwards."""
        held = list(self._held)
        self._held.clear()
        return held


def renumbered(payload: Any, transaction_id: int) -> Any:
    """`payload` naming the CSMS's transaction id where it named the stand-in."""
    if getattr(payload, "transaction_id", None) == OFFLINE_TX_ID:
        return replace(payload, transaction_id=transaction_id)
    return payload
