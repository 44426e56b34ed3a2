"""The store: TinyDB for low-rate durable data (id tags, the outbound queue, counters).

TinyDB rewrites its whole file on every write, so the store keeps the
database in memory and writes it atomically (temp file, fsync, rename) when
asked: a crash leaves the last good file, never a torn one. High-rate data
(frames, meter samples) never comes here; it goes to the recording, and
what the frames say (stations, transactions) is the projection's alone.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB
from tinydb.storages import Storage

TX_ID_BLOCK = 100  # transaction ids reserved per durable write


class AtomicJSONStorage(Storage):
    """A TinyDB storage held in memory and written to disk atomically on `flush`."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self._data: dict[str, Any] | None = None
        self.dirty = False

    def read(self) -> dict[str, Any] | None:
        if self._data is None and self.path.exists():
            with open(self.path, encoding="utf-8") as fh:
                text = fh.read()
            self._data = json.loads(text) if text.strip() else None
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data
        self.dirty = True

    def snapshot(self) -> bytes | None:
        """The bytes to write if anything changed since the last flush, else None.

        The dirty mark is cleared here; a caller whose write fails calls
        `mark_dirty` so the next flush tries again.
        """
        if not self.dirty or self._data is None:
            return None
        self.dirty = False
        return json.dumps(self._data, separators=(",", ":")).encode()

    def mark_dirty(self) -> None:
        """A write of the last snapshot failed: write again next time."""
        self.dirty = True

    def close(self) -> None:
        """Write what is pending."""
        pending = self.snapshot()
        if pending is not None:
            write_atomic(self.path, pending)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so a crash leaves either the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make the rename itself durable
    finally:
        os.close(dir_fd)


@dataclass(frozen=True, slots=True)
class IdTag:
    """An id tag the CSMS knows, with its authorization status."""

    tag: str
    status: str = "Accepted"  # Accepted | Blocked | Expired | Invalid
    parent: str | None = None
    expiry: str | None = None
    token_type: str = ""  # a 2.x idToken type (ISO14443, eMAID…); "" matches any

    def to_record(self) -> dict[str, str | None]:
        """The tag as its TinyDB document."""
        return {
            "tag": self.tag,
            "status": self.status,
            "parent": self.parent,
            "expiry": self.expiry,
            "type": self.token_type,
        }


class Store:
    """Durable configuration and records, in one TinyDB file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = TinyDB(str(path), storage=AtomicJSONStorage)
        self._storage: AtomicJSONStorage = self.db.storage  # type: ignore[assignment]
        self._tags = self.db.table("id_tags")
        self._tag_index = {
            doc["tag"]: IdTag(
                doc["tag"],
                doc["status"],
                doc.get("parent"),
                doc.get("expiry"),
                doc.get("type") or "",
            )
            for doc in self._tags.all()
        }
        self._counters = self.db.table("counters")
        counters = self._counters.get(Query().name == "transaction_id")
        reserved = int(counters["reserved"]) if counters else 0  # type: ignore[index]
        # After a restart, start past everything that may have been handed out.
        self._next_tx = reserved + 1
        self._tx_reserved = reserved

    # --- flushing ---------------------------------------------------------
    def pending_write(self) -> bytes | None:
        """Serialized database if it changed; write it with `write_atomic` off the loop."""
        return self._storage.snapshot()

    def flush(self) -> None:
        """Write pending changes now."""
        pending = self.pending_write()
        if pending is not None:
            self.write(pending)

    def write(self, pending: bytes) -> None:
        """Write a `pending_write` result atomically; on failure it stays pending."""
        try:
            write_atomic(self.path, pending)
        except OSError:
            self._storage.mark_dirty()
            raise

    def close(self) -> None:
        """Write pending changes and close the database."""
        self.flush()
        self.db.close()

    # --- id tags ----------------------------------------------------------
    def put_id_tag(self, tag: IdTag) -> None:
        """Add or replace an id tag."""
        self._tags.upsert(
            tag.to_record(),
            Query().tag == tag.tag,
        )
        self._tag_index[tag.tag] = tag

    def put_id_tags(self, tags: list[IdTag]) -> None:
        """Add or replace many id tags (an import) in two table writes, not one per tag."""
        records = {tag.tag: tag for tag in tags}
        if not records:
            return
        self._tags.remove(Query().tag.one_of(list(records)))
        self._tags.insert_multiple(t.to_record() for t in records.values())
        self._tag_index.update(records)

    def delete_id_tag(self, tag: str) -> bool:
        """Forget an id tag; False when it was not known."""
        if self._tag_index.pop(tag, None) is None:
            return False
        self._tags.remove(Query().tag == tag)
        return True

    def id_tag(self, tag: str) -> IdTag | None:
        """The id tag, if known. Every Authorize asks: answered from memory, not a query."""
        return self._tag_index.get(tag)

    def id_tags(self) -> Iterator[IdTag]:
        """Every known id tag."""
        yield from self._tag_index.values()

    # --- transactions -----------------------------------------------------
    def next_transaction_id(self) -> int:
        """A transaction id never handed out before, even across a crash.

        Ids are reserved a block at a time and the reservation is written
        before any id of the block is used (hi-lo), so at most one durable
        write per TX_ID_BLOCK transactions; a crash wastes the rest of a block.
        """
        if self._next_tx > self._tx_reserved:
            self._tx_reserved = self._next_tx + TX_ID_BLOCK - 1
            self._counters.upsert(
                {"name": "transaction_id", "reserved": self._tx_reserved},
                Query().name == "transaction_id",
            )
            self.flush()
        tx_id = self._next_tx
        self._next_tx += 1
        return tx_id

    # --- outbound queue ---------------------------------------------------
    # One document per command in the "outbound" table, its TinyDB doc id the
    # command id: TinyDB hands out max(existing id) + 1, and the newest command
    # is never trimmed, so ids stay unique across restarts with no counter.
    # A command is updated in place as its state changes; finished ones (those
    # with `finished_at`) are kept as history, the newest OUTBOUND_HISTORY.
    OUTBOUND_HISTORY = 500

    def add_command(self, record: dict[str, Any]) -> int:
        """Persist a new command (written with the next flush); its id."""
        return self.db.table("outbound").insert(record)

    def update_command(self, command_id: int, **fields: Any) -> None:
        """Change a command's record; a finished one trims the oldest history past the bound."""
        outbound = self.db.table("outbound")
        outbound.update(fields, doc_ids=[command_id])
        if "finished_at" not in fields:
            return
        finished = sorted(doc.doc_id for doc in outbound.all() if "finished_at" in doc)
        excess = finished[: -self.OUTBOUND_HISTORY]
        if excess:
            outbound.remove(doc_ids=excess)

    def commands(self) -> list[dict[str, Any]]:
        """Every persisted command, oldest first, each with its `id`."""
        docs = sorted(self.db.table("outbound").all(), key=lambda doc: doc.doc_id)
        return [{**doc, "id": doc.doc_id} for doc in docs]
