"""Message crafter: any CSMS-initiated call of a station's version, as raw JSON, with a history.

A crafted message is sent through `Commands.craft`, so it goes through the
station's outbound queue like every other command; with validation off it is
sent as written, to see how a charger copes with bad input. Templates and
validation come from the `ocpp` library's schemas (core/csms/schemas.py). Sent
messages are kept as a history, persisted as JSONL, that can be sent again.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..clock import Clock
from ..dialects import dialect
from .commands import Commands
from .outbound_queue import CallState, Outcome, QueuedCall
from .schemas import parse_payload, template, wire_json

log = logging.getLogger("ocppdeck.crafter")

HISTORY_SIZE = 50
HISTORY_FILE = "crafter.jsonl"

# Failures of ours, not answers of the station's: they have no answer payload to show.
_LOCAL_FAILURES = frozenset({"NotSent", "ConnectionLost"})


@dataclass(slots=True)
class Crafted:
    """One crafted message in the history: what was sent where, and how it ended."""

    station: str
    protocol: str
    action: str
    payload: dict[str, Any]
    validate: bool
    sent_at: float = 0.0
    state: str = CallState.QUEUED.value
    status: str = ""
    detail: str = ""
    answer: dict[str, Any] | None = None

    @property
    def finished(self) -> bool:
        """Whether the answer (or its failure) is in."""
        return CallState(self.state).finished

    def settle(self, outcome: Outcome) -> None:
        """Record how the message ended; a CallError becomes the answer shown."""
        self.state = outcome.state.value
        self.status = outcome.status
        self.detail = outcome.detail
        if outcome.response is not None:
            self.answer = wire_json(outcome.response)
        elif outcome.state is CallState.FAILED and outcome.status not in _LOCAL_FAILURES:
            self.answer = {"errorCode": outcome.status, "errorDescription": outcome.detail}

    def to_json(self) -> dict[str, Any]:
        """Plain values for the JSONL history."""
        return dataclasses.asdict(self)


class Crafter:
    """Crafted messages: the actions and templates of a version, sending, and the history.

    The history file, when given, gets one line per finished message and is
    read back (its newest HISTORY_SIZE lines) on the next run.
    """

    def __init__(self, commands: Commands, clock: Clock, history_file: Path | None = None) -> None:
        self.commands = commands
        self.clock = clock
        self.history_file = history_file
        self.history: deque[Crafted] = deque(maxlen=HISTORY_SIZE)
        self._load()

    @staticmethod
    def actions(protocol: str) -> list[str]:
        """The calls a CSMS may send a station of this version, sorted by name."""
        return dialect(protocol).csms_actions()

    @staticmethod
    def template(protocol: str, action: str) -> dict[str, Any]:
        """A payload of the action with every required field filled with a placeholder."""
        return template(dialect(protocol), action)

    @staticmethod
    def parse(text: str) -> dict[str, Any]:
        """The editor's JSON as a payload object; CraftError says where it is broken."""
        return parse_payload(text)

    def _load(self) -> None:
        if self.history_file is None or not self.history_file.is_file():
            return
        try:
            lines = self.history_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            log.warning("crafter history not read: %s", exc)
            return
        for line in lines[-HISTORY_SIZE:]:
            try:
                crafted = Crafted(**json.loads(line))
                CallState(crafted.state)
            except (ValueError, TypeError) as exc:  # a torn last line, or another version's
                log.warning("crafter history line skipped: %s", exc)
                continue
            self.history.append(crafted)
        if len(lines) > 2 * HISTORY_SIZE:
            # Appended to on every send: cut back to what is kept, now and then.
            try:
                self.history_file.write_text(
                    "".join(json.dumps(c.to_json()) + "\n" for c in self.history),
                    encoding="utf-8",
                )
            except OSError as exc:
                log.warning("crafter history not trimmed: %s", exc)

    def _save(self, crafted: Crafted) -> None:
        if self.history_file is None:
            return
        try:
            self.history_file.parent.mkdir(parents=True, exist_ok=True)
            with self.history_file.open("a", encoding="utf-8") as out:
                out.write(json.dumps(crafted.to_json()) + "\n")
        except OSError as exc:  # the history is a convenience: never fail a send over it
            log.warning("crafter history not written: %s", exc)

    def send(
        self, station: str, action: str, payload: dict[str, Any], check: bool = True
    ) -> tuple[Crafted, QueuedCall]:
        """Queue a crafted call through `Commands.craft`; CraftError (InvalidPayload when
        `check`ed) or CommandUnavailable say why not.

        The entry is in the history at once; `finish` records its outcome.
        """
        queued = self.commands.craft(station, action, payload, check)
        protocol = self.commands.protocol_of(station)
        crafted = Crafted(
            station,
            protocol,
            action,
            wire_json(queued.payload),
            check,
            sent_at=self.clock.now(),
        )
        self.history.append(crafted)
        return crafted, queued

    async def finish(self, crafted: Crafted, queued: QueuedCall) -> Crafted:
        """Wait for the answer (or the failure) and record it in the history."""
        crafted.settle(await queued.future)
        self._save(crafted)
        return crafted
