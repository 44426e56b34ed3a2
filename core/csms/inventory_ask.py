"""The question the CSMS asks after a boot, asked again when it went unanswered.

After an accepted boot the CSMS asks a station what it has (GetConfiguration of
NumberOfConnectors on 1.6, GetBaseReport on 2.x), so the console can check the
connector count. A station that drops its connection (or stays silent until
the call times out) before answering would otherwise never be asked again
until it reboots, and a 1.6 station does not boot on a mere reconnect: the
question goes again on its next connection.
"""

from __future__ import annotations

from collections.abc import Callable

from ..wire.join import bounded_put
from .outbound_queue import CallState, Outcome, QueuedCall

_REMEMBERED = 100_000  # stations owed a question; the oldest are forgotten first


def unanswered(outcome: Outcome) -> bool:
    """The station never answered: it left while the call was out, or it timed out."""
    return outcome.state is CallState.TIMED_OUT or outcome.status == "ConnectionLost"


class InventoryAsks:
    """Tracks each station's after-boot question; `ask(station)` queues a fresh one
    (None when it could not), `connected(station)` says if the station is connected."""

    def __init__(
        self, ask: Callable[[str], QueuedCall | None], connected: Callable[[str], bool]
    ) -> None:
        self._ask = ask
        self._connected = connected
        self._pending: dict[str, QueuedCall] = {}  # queued or in flight, by station
        self._owed: dict[str, None] = {}  # stations whose last question went unanswered

    def booted(self, station_id: str) -> None:
        """An accepted boot: ask, unless a question is already on its way."""
        if station_id not in self._pending:
            self._send(station_id)

    def reconnected(self, station_id: str) -> None:
        """A new connection: ask again if the last question went unanswered."""
        if station_id in self._owed and station_id not in self._pending:
            self._send(station_id)

    def _send(self, station_id: str) -> None:
        self._owed.pop(station_id, None)
        command = self._ask(station_id)
        if command is None:  # not sent (gone, or not queued): the next connection asks
            bounded_put(self._owed, station_id, None, _REMEMBERED)
            return
        self._pending[station_id] = command
        command.future.add_done_callback(lambda _: self._ended(station_id, command))

    def _ended(self, station_id: str, command: QueuedCall) -> None:
        if self._pending.get(station_id) is command:
            del self._pending[station_id]
        if command.future.cancelled():
            return
        outcome = command.future.result()
        if not unanswered(outcome):
            return
        if outcome.status == "ConnectionLost" and self._connected(station_id):
            # The connection it went out on is gone and a new one is up already: that one
            # is the next connection.
            self._send(station_id)
        else:
            bounded_put(self._owed, station_id, None, _REMEMBERED)
