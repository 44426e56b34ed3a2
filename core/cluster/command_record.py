"""One queued command as the key-value bucket holds it: what to send, and where it is.

A record is QUEUED while no node holds it (`holder` empty) or while the node that
holds its station has taken it into its own outbound queue; it ends with the
station's answer, a failure, a timeout or a cancel, as on one node.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import orjson

from ..csms.outbound_queue import CallState, QueuedCallRecord

MAX_RECORD_BYTES = 256 * 1024  # a record larger than this is not read (the bucket is shared)


@dataclass(frozen=True, slots=True)
class CommandRecord:
    """A command to a station, queued on the bus."""

    id: int
    station: str
    action: str
    payload: dict[str, Any]  # core/csms/outbound_queue.payload_to_json's form
    created_at: float
    validate: bool = True
    state: str = CallState.QUEUED.value
    holder: str = ""  # the node that took it into its queue
    status: str = ""
    detail: str = ""
    finished_at: float | None = None

    @property
    def finished(self) -> bool:
        """Whether the command has ended (no node will send it again)."""
        return CallState(self.state).finished

    def to_bytes(self) -> bytes:
        """The record as the bucket stores it."""
        return orjson.dumps(dataclasses.asdict(self))

    def overview(self) -> QueuedCallRecord:
        """The record as the queue pane shows it."""
        detail = self.detail
        if not self.finished and self.holder:
            detail = f"at node {self.holder}"
        return QueuedCallRecord(
            self.id,
            self.station,
            self.action,
            CallState(self.state),
            self.created_at,
            self.status,
            detail,
        )


def read_record(data: bytes) -> CommandRecord | None:
    """The record in a bucket value; None for anything that is not one."""
    if len(data) > MAX_RECORD_BYTES:
        return None
    try:
        raw = orjson.loads(data)
        record = CommandRecord(
            id=int(raw["id"]),
            station=str(raw["station"]),
            action=str(raw["action"]),
            payload=dict(raw["payload"]),
            created_at=float(raw["created_at"]),
            validate=bool(raw.get("validate", True)),
            state=str(raw.get("state", CallState.QUEUED.value)),
            holder=str(raw.get("holder", "")),
            status=str(raw.get("status", "")),
            detail=str(raw.get("detail", "")),
            finished_at=None if raw.get("finished_at") is None else float(raw["finished_at"]),
        )
        CallState(record.state)
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None
    return record
