"""Commands: what an operator can ask of a station. The TUI calls these, never a socket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocpp.v16 import call

from .csms import Csms
from .outbound_queue import Command
from .state import State


class CommandUnavailable(Exception):
    """A command that cannot be sent now; the message says why, for the user."""


class Commands:
    """Remote operations on stations, queued per station, one in flight."""

    def __init__(self, csms: Csms | None, state: Callable[[], State]) -> None:
        self._csms = csms
        self._current_state = state  # a function: a restore may replace the state object

    @property
    def _state(self) -> State:
        return self._current_state()

    @property
    def enabled(self) -> bool:
        """False in replay: nothing is sent to a station."""
        return self._csms is not None

    def _submit(self, station_id: str, payload: Any) -> Command:
        if self._csms is None:
            raise CommandUnavailable("replay: commands are off, nothing is sent to stations")
        if station_id not in self._state.stations:
            raise CommandUnavailable(f"unknown station {station_id}")
        return self._csms.submit(station_id, payload)

    def is_connected(self, station_id: str) -> bool:
        """Whether a command would go out now rather than wait in the queue."""
        return self._csms is not None and self._csms.is_connected(station_id)

    def remote_start(self, station_id: str, connector_id: int, id_tag: str) -> Command:
        """Ask a station to start charging on a connector for an id tag."""
        id_tag = id_tag.strip()
        if not id_tag or len(id_tag) > 20:
            raise CommandUnavailable("an id tag is 1 to 20 characters")
        if connector_id < 1:
            raise CommandUnavailable("pick a connector (1 or higher) to start on")
        return self._submit(
            station_id, call.RemoteStartTransaction(id_tag=id_tag, connector_id=connector_id)
        )

    def remote_stop(self, station_id: str, connector_id: int) -> Command:
        """Ask a station to stop the open transaction on a connector."""
        tx = self._state.open_transaction_on(station_id, connector_id)
        if tx is None:
            raise CommandUnavailable(
                f"no open transaction on {station_id} connector {connector_id}"
            )
        try:
            tx_id = int(tx.transaction_id)
        except ValueError:
            raise CommandUnavailable(f"transaction id {tx.transaction_id!r} is not 1.6") from None
        return self._submit(station_id, call.RemoteStopTransaction(transaction_id=tx_id))
