"""The command journal: a queued command is on disk before the console says "queued".

The store (TinyDB) is written whole, in batches, off the event loop; a command
queued between two of its writes would die with a kill -9. So each new
command is also appended here as one JSON line, fsync'd, before `submit`
returns. Once a store write holds it, its line goes (the file is emptied, or
rewritten with the lines still unsaved). A run that starts puts back the
commands the journal holds and the store does not.

Each line starts with a newline instead of ending with one: a line torn by a
full disk or a kill stays alone on its line and is skipped on reading; its
command was never reported queued.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import orjson

from ..disk import files

MAX_UNSAVED = 10_000  # commands waiting for a store write before new ones are refused


class JournalFull(OSError):
    """Too many commands wait for a store write that keeps failing."""


class CommandJournal:
    """New commands, each fsync'd, until a store write holds them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._unsaved: dict[int, dict[str, Any]] = {}  # journaled, in no store write yet
        self._last_id = 0

    @property
    def mark(self) -> int:
        """The newest command journaled: a store serialized now holds it and all before it."""
        return self._last_id

    def read(self) -> dict[int, dict[str, Any]]:
        """The commands a previous run journaled, by id (torn lines skipped)."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        found: dict[int, dict[str, Any]] = {}
        for line in data.split(b"\n"):
            if not line.strip():
                continue
            try:
                entry = orjson.loads(line)
                found[int(entry["id"])] = dict(entry["command"])
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                continue
        self._unsaved.update(found)
        self._last_id = max(found, default=self._last_id)
        return found

    def append(self, command_id: int, record: dict[str, Any]) -> None:
        """Put a new command on disk (written and fsync'd); OSError when the disk refuses."""
        if len(self._unsaved) >= MAX_UNSAVED:
            waiting = len(self._unsaved)
            raise JournalFull(f"{waiting} queued commands wait for the store to be written")
        line = b"\n" + orjson.dumps({"id": command_id, "command": record})
        if self._fd is None:
            self._fd = files.open_append(self.path)
        files.write_all(self._fd, line)
        files.sync(self._fd)
        self._unsaved[command_id] = record
        self._last_id = max(self._last_id, command_id)

    def check(self) -> None:
        """Append a blank line (skipped on reading) and sync it: OSError while the disk
        still refuses the journal."""
        if self._fd is None:
            self._fd = files.open_append(self.path)
        files.write_all(self._fd, b"\n")
        files.sync(self._fd)

    def saved(self, mark: int) -> None:
        """A store write holds every command up to `mark`: drop their lines."""
        self._unsaved = {i: r for i, r in self._unsaved.items() if i > mark}
        if not self._unsaved:
            if self._fd is not None:
                files.empty(self._fd)
            return
        # Should this fail, the old file stays with lines the store holds too: harmless,
        # a restart puts back only what the store does not have.
        lines = b"".join(
            b"\n" + orjson.dumps({"id": i, "command": r}) for i, r in sorted(self._unsaved.items())
        )
        files.write_atomic(self.path, lines)
        self.close()  # the old descriptor is of the file just replaced

    def close(self) -> None:
        """Let go of the file (what is in it stays)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
