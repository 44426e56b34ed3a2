"""What every dialect's command builder offers, and the values builders share.

`Commands` checks an operator's values and the station, then asks the
station's dialect for its builder (core/dialects.py) and queues the call it
builds. A builder turns operator terms (an EVSE, an id tag, a limit) into one
call of its version's `ocpp` library; it raises CommandUnavailable for what its
version cannot do.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

from ...model.state import VariableKey


class CommandUnavailable(Exception):
    """A command that cannot be sent now; the message says why, for the user."""


@dataclass(frozen=True, slots=True)
class Setting:
    """One configuration key (1.6) or device-model variable (2.x) as a station reported it."""

    component: str  # "" for 1.6 keys
    key: str
    value: str | None  # None: the station did not give a value (unknown or write-only)
    readonly: bool
    note: str = ""  # e.g. a 2.x attributeStatus other than Accepted
    where: VariableKey | None = None  # a reported 2.x variable: instances, EVSE and connector


class Builder(Protocol):
    """One version's calls for every operator command. EVSE ids are 1.6 connector ids."""

    device_model: bool  # settings are 2.x device-model variables, reported in NotifyReport

    def remote_start(self, evse: int, id_tag: str, request_id: int) -> Any:
        """Start charging on an EVSE for an id tag (`request_id`: 2.x remoteStartId)."""
        ...

    def remote_stop(self, transaction_id: str) -> Any:
        """Stop a transaction."""
        ...

    def reset(self, hard: bool) -> Any:
        """Restart the station: hard at once, soft when idle."""
        ...

    def unlock(self, evse: int, connector: int) -> Any:
        """Release a connector's cable."""
        ...

    def change_availability(self, evse: int, operative: bool) -> Any:
        """Make an EVSE (0: the station) operative or not."""
        ...

    def trigger(self, message: str, evse: int | None, custom: str) -> Any:
        """Ask for a message now; `custom` names a 2.1 CustomTrigger's message."""
        ...

    def get_variable(self, component: str, variable: str) -> Any:
        """Read one setting."""
        ...

    def set_variable(
        self, component: str, variable: str, value: str, where: VariableKey | None
    ) -> Any:
        """Change one setting (`where`: a reported 2.x variable's instances and EVSE)."""
        ...

    def get_settings(self) -> Any:
        """Read the station's settings: every 1.6 key, or common 2.x variables."""
        ...

    def read_settings(self, response: Any) -> list[Setting]:
        """The settings an answer to `get_settings` or `get_variable` lists."""
        ...

    def set_statuses(self, response: Any) -> list[str]:
        """Per-variable statuses of an answer to `set_variable` (none in 1.6)."""
        ...

    def base_report(self, request_id: int, report_base: str) -> Any:
        """Ask for a device-model report (2.x)."""
        ...

    def inventory(self, request_id: int) -> Any:
        """What the CSMS asks a freshly booted station: its connector count or inventory."""
        ...

    def clear_cache(self) -> Any:
        """Empty the authorization cache."""
        ...

    def data_transfer(self, vendor_id: str, message_id: str, data: str) -> Any:
        """A vendor's message."""
        ...

    def reserve_now(self, evse: int, id_tag: str, expiry: str, reservation_id: int) -> Any:
        """Reserve an EVSE (0: any) for an id tag until `expiry` (an OCPP timestamp)."""
        ...

    def cancel_reservation(self, reservation_id: int) -> Any:
        """Withdraw a reservation."""
        ...

    def send_local_list(self, version: int, id_tags: list[str], full: bool) -> Any:
        """Send the local authorization list, every tag Accepted."""
        ...

    def local_list_version(self) -> Any:
        """Ask which local list version the station holds."""
        ...

    def set_charging_limit(
        self, evse: int, limit: float, unit: str, duration: int, start: str, profile_id: int
    ) -> Any:
        """A one-period profile: the default of an EVSE's transactions, or (0) the station's
        maximum, from `start` for `duration` seconds."""
        ...

    def clear_charging_limit(self, evse: int) -> Any:
        """Clear what `set_charging_limit` set on an EVSE (0: the station)."""
        ...

    def set_password(self, password: str) -> Any:
        """Give the station a new HTTP Basic password (security profiles 1 and 2)."""
        ...


class SameInEveryVersion:
    """The calls whose fields are the same in every version, built from a `call` module."""

    def __init__(self, calls: ModuleType) -> None:
        self.calls = calls

    def clear_cache(self) -> Any:
        """ClearCache."""
        return self.calls.ClearCache()

    def data_transfer(self, vendor_id: str, message_id: str, data: str) -> Any:
        """DataTransfer (message id and data optional)."""
        return self.calls.DataTransfer(
            vendor_id=vendor_id, message_id=message_id or None, data=data or None
        )

    def cancel_reservation(self, reservation_id: int) -> Any:
        """CancelReservation."""
        return self.calls.CancelReservation(reservation_id=reservation_id)

    def local_list_version(self) -> Any:
        """GetLocalListVersion."""
        return self.calls.GetLocalListVersion()
