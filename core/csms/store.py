"""The store: TinyDB for low-rate durable data (id tags, the outbound queue, the registry).

TinyDB rewrites its whole file on every write, so the store keeps the
database in memory and writes it atomically (temp file, fsync, rename) when
asked: a crash leaves the last good file, never a torn one. High-rate data
(frames, meter samples) never comes here; it goes to the recording, and
what the frames say (stations, transactions) is the projection's alone.

Two small files beside it carry what cannot wait for the next batched
write: the command journal (a queued command is on disk before `submit`
returns) and the transaction-id reservation (an id is on disk before it is
handed out).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB
from tinydb.storages import Storage
from tinydb.table import Document

from ..disk import files
from ..disk.health import DiskHealth, Part, describe
from .command_journal import CommandJournal
from .transaction_ids import NoTransactionId, TransactionIds

JOURNAL_NAME = "store-journal.jsonl"
TRANSACTION_IDS_NAME = "transaction-ids.json"


def store_files(path: Path) -> tuple[Path, ...]:
    """The store's file and the two beside it: what a fresh start removes."""
    return path, path.with_name(JOURNAL_NAME), path.with_name(TRANSACTION_IDS_NAME)


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


@dataclass(frozen=True, slots=True)
class PendingWrite:
    """The serialized database, and the newest journaled command it holds."""

    data: bytes
    journal_mark: int


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

    def __init__(self, path: Path, health: DiskHealth | None = None) -> None:
        self.path = path
        self.health = health or DiskHealth()
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
        _, journal_path, ids_path = store_files(path)
        self._journal = CommandJournal(journal_path)
        self._put_back(self._journal.read())
        # An older data dir kept its reservation in the store: start past it too.
        counters = self.db.table("counters").get(Query().name == "transaction_id")
        legacy = int(counters["reserved"]) if counters else 0  # type: ignore[index]
        self.transaction_ids = TransactionIds(ids_path, floor=legacy)

    def _put_back(self, journaled: dict[int, dict[str, Any]]) -> None:
        """Commands a killed run journaled but never wrote to the store (which wins when
        it has them: its copy is newer)."""
        outbound = self.db.table("outbound")
        for command_id, record in sorted(journaled.items()):
            if not outbound.contains(doc_id=command_id):
                outbound.insert(Document(record, doc_id=command_id))

    # --- flushing ---------------------------------------------------------
    def pending_write(self) -> PendingWrite | None:
        """The database serialized now, if it changed; write it with `write` (off the
        loop), then tell `saved` (on the loop)."""
        data = self._storage.snapshot()
        return None if data is None else PendingWrite(data, self._journal.mark)

    def write(self, pending: PendingWrite) -> None:
        """Write a `pending_write` result atomically; on failure it stays pending."""
        try:
            files.write_atomic(self.path, pending.data)
        except OSError:
            self._storage.mark_dirty()
            raise

    def saved(self, pending: PendingWrite) -> None:
        """`pending` is on disk: the journal lets go of the commands it holds."""
        self._journal.saved(pending.journal_mark)

    def check_journal(self) -> None:
        """After a refused command: whether the journal takes writes again (OSError if not)."""
        self._journal.check()

    def flush(self) -> None:
        """Write pending changes now."""
        pending = self.pending_write()
        if pending is not None:
            self.write(pending)
            self.saved(pending)

    def close(self) -> None:
        """Write pending changes and close the database (OSError when the disk refuses:
        the journal keeps the queued commands for the next run)."""
        try:
            self.flush()
        finally:
            self._journal.close()
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
        """A transaction id never handed out before, even across a full disk and a crash.

        NoTransactionId when none is reserved on disk and none can be (see
        core/csms/transaction_ids.py for why the start is then refused).
        """
        exhausted = self.transaction_ids.left <= 0
        try:
            tx_id = self.transaction_ids.take()
        except OSError as exc:
            self.health.failed(Part.TRANSACTION_IDS, exc)
            raise NoTransactionId(f"no transaction id could be reserved: {describe(exc)}") from exc
        if exhausted:
            self.health.ok(Part.TRANSACTION_IDS)  # it just reserved a block
        return tx_id

    # --- outbound queue ---------------------------------------------------
    # One document per command in the "outbound" table, its TinyDB doc id the
    # command id: TinyDB hands out max(existing id) + 1, and the newest command
    # is never trimmed, so ids stay unique across restarts with no counter.
    # A command is updated in place as its state changes; finished ones (those
    # with `finished_at`) are kept as history, the newest OUTBOUND_HISTORY.
    OUTBOUND_HISTORY = 500

    def add_command(self, record: dict[str, Any]) -> int:
        """Persist a new command, on disk (journaled, fsync'd) before its id is returned.

        OSError when the disk refuses it: then it is not queued at all.
        """
        outbound = self.db.table("outbound")
        command_id = outbound.insert(record)
        try:
            self._journal.append(command_id, record)
        except OSError as exc:
            outbound.remove(doc_ids=[command_id])
            self.health.failed(Part.COMMAND_JOURNAL, exc)
            raise
        self.health.ok(Part.COMMAND_JOURNAL)
        return command_id

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
