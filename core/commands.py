"""Commands: what an operator can ask of a station. The TUI calls these, never a socket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocpp import v21, v201
from ocpp.v16 import call

from .csms import Csms
from .outbound_queue import CancelRefused, Command, CommandRecord
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

    def _calls_2x(self, station_id: str) -> Any:
        """The station's 2.x `call` module, or None when it speaks 1.6 (or is not known)."""
        station = self._state.stations.get(station_id)
        protocol = station.protocol if station is not None else ""
        return _CALLS_2X.get(protocol)

    def remote_start(self, station_id: str, connector_id: int, id_tag: str) -> Command:
        """Ask a station to start charging on a connector (a 2.x EVSE) for an id tag.

        1.6 gets RemoteStartTransaction; 2.x RequestStartTransaction with a Central
        idToken on that EVSE and a fresh remoteStartId.
        """
        id_tag = id_tag.strip()
        calls = self._calls_2x(station_id)
        longest = 36 if calls is not None else 20
        if not id_tag or len(id_tag) > longest:
            raise CommandUnavailable(f"an id tag is 1 to {longest} characters")
        if connector_id < 1:
            raise CommandUnavailable("pick a connector (1 or higher) to start on")
        if calls is not None and self._csms is not None:
            return self._submit(
                station_id,
                calls.RequestStartTransaction(
                    id_token={"id_token": id_tag, "type": "Central"},
                    remote_start_id=self._csms.next_request_id(),
                    evse_id=connector_id,
                ),
            )
        return self._submit(
            station_id, call.RemoteStartTransaction(id_tag=id_tag, connector_id=connector_id)
        )

    def remote_stop(self, station_id: str, connector_id: int) -> Command:
        """Ask a station to stop the open transaction on a connector (a 2.x EVSE)."""
        tx = self._state.open_transaction_on(station_id, connector_id)
        if tx is None:
            raise CommandUnavailable(
                f"no open transaction on {station_id} connector {connector_id}"
            )
        calls = self._calls_2x(station_id)
        if calls is not None:  # 2.x transaction ids are the station's strings
            return self._submit(
                station_id, calls.RequestStopTransaction(transaction_id=tx.transaction_id)
            )
        try:
            tx_id = int(tx.transaction_id)
        except ValueError:
            raise CommandUnavailable(f"transaction id {tx.transaction_id!r} is not 1.6") from None
        return self._submit(station_id, call.RemoteStopTransaction(transaction_id=tx_id))

    # --- the rest of the operator's calls, in each station's version ------------
    def reset(self, station_id: str, hard: bool = False) -> Command:
        """Restart a station: 1.6 Hard/Soft, 2.x Immediate/OnIdle."""
        calls = self._calls_2x(station_id)
        if calls is not None:
            return self._submit(station_id, calls.Reset(type="Immediate" if hard else "OnIdle"))
        return self._submit(station_id, call.Reset(type="Hard" if hard else "Soft"))

    def unlock(self, station_id: str, connector_id: int, plug: int = 1) -> Command:
        """Unlock a connector (2.x: connector `plug` of EVSE `connector_id`)."""
        calls = self._calls_2x(station_id)
        if calls is not None:
            return self._submit(
                station_id, calls.UnlockConnector(evse_id=connector_id, connector_id=plug)
            )
        return self._submit(station_id, call.UnlockConnector(connector_id=connector_id))

    def change_availability(self, station_id: str, connector_id: int, operative: bool) -> Command:
        """Make a connector (2.x: an EVSE; 0: the whole station) operative or not."""
        word = "Operative" if operative else "Inoperative"
        calls = self._calls_2x(station_id)
        if calls is not None:
            evse = {"id": connector_id} if connector_id > 0 else None
            return self._submit(
                station_id, calls.ChangeAvailability(operational_status=word, evse=evse)
            )
        return self._submit(
            station_id, call.ChangeAvailability(connector_id=connector_id, type=word)
        )

    def trigger_message(
        self, station_id: str, message: str, connector_id: int | None = None
    ) -> Command:
        """Ask a station to send a message now (e.g. StatusNotification, MeterValues)."""
        calls = self._calls_2x(station_id)
        if calls is not None:
            evse = {"id": connector_id} if connector_id else None
            return self._submit(
                station_id, calls.TriggerMessage(requested_message=message, evse=evse)
            )
        return self._submit(
            station_id, call.TriggerMessage(requested_message=message, connector_id=connector_id)
        )

    def get_variables(self, station_id: str, component: str, variable: str) -> Command:
        """Read a setting: 2.x GetVariables; 1.6 GetConfiguration of the key `variable`."""
        calls = self._calls_2x(station_id)
        if calls is not None:
            data = [{"component": {"name": component}, "variable": {"name": variable}}]
            return self._submit(station_id, calls.GetVariables(get_variable_data=data))
        return self._submit(station_id, call.GetConfiguration(key=[variable]))

    def set_variables(self, station_id: str, component: str, variable: str, value: str) -> Command:
        """Change a setting: 2.x SetVariables; 1.6 ChangeConfiguration of the key `variable`."""
        calls = self._calls_2x(station_id)
        if calls is not None:
            data = [
                {
                    "attribute_value": value,
                    "component": {"name": component},
                    "variable": {"name": variable},
                }
            ]
            return self._submit(station_id, calls.SetVariables(set_variable_data=data))
        return self._submit(station_id, call.ChangeConfiguration(key=variable, value=value))

    def get_base_report(self, station_id: str, report_base: str = "FullInventory") -> Command:
        """Ask a 2.x station for a device-model report (its NotifyReports follow)."""
        calls = self._calls_2x(station_id)
        if calls is None or self._csms is None:
            raise CommandUnavailable(f"{station_id} does not speak OCPP 2.x")
        return self._submit(
            station_id,
            calls.GetBaseReport(request_id=self._csms.next_request_id(), report_base=report_base),
        )

    # --- the outbound queue -------------------------------------------------
    def queue_overview(self) -> list[CommandRecord]:
        """Every station's queued, in-flight and recent commands, oldest first; none in replay."""
        return [] if self._csms is None else self._csms.commands_overview()

    def cancel(self, command_id: int) -> Command:
        """Withdraw a queued command before it is sent."""
        if self._csms is None:
            raise CommandUnavailable("replay: commands are off, nothing is queued")
        try:
            return self._csms.cancel(command_id)
        except CancelRefused as exc:
            raise CommandUnavailable(str(exc)) from None


_CALLS_2X: dict[str, Any] = {"ocpp2.0.1": v201.call, "ocpp2.1": v21.call}
