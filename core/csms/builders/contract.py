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
from typing import TYPE_CHECKING, Any, Protocol

from ...model.state import VariableKey

if TYPE_CHECKING:
    from ...model.charging_schedule import Purpose
    from ..authorization import ListedTag
    from .charging_profile import ProfilePlan
    from .display import NewDisplayMessage
    from .jobs import FirmwareUpdate, LogUpload
    from .monitoring import CustomerQuery, NewMonitor


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


@dataclass(frozen=True, slots=True)
class CertificateHash:
    """Which installed certificate: the certificateHashData of 1.6 and 2.x."""

    hash_algorithm: str  # SHA256, SHA384 or SHA512
    issuer_name_hash: str
    issuer_key_hash: str
    serial_number: str

    @classmethod
    def parse(cls, text: str) -> CertificateHash:
        """From `ALGORITHM:NAMEHASH:KEYHASH:SERIAL` (as the console's list shows it)."""
        parts = [part.strip() for part in text.strip().split(":")]
        if len(parts) != 4 or not all(parts):
            raise CommandUnavailable("name a certificate as ALGORITHM:NAMEHASH:KEYHASH:SERIAL")
        if parts[0] not in ("SHA256", "SHA384", "SHA512"):
            raise CommandUnavailable("the hash algorithm is SHA256, SHA384 or SHA512")
        return cls(*parts)

    def fields(self) -> dict[str, str]:
        """The call's certificate_hash_data (snake_case, as the library takes it)."""
        return {
            "hash_algorithm": self.hash_algorithm,
            "issuer_name_hash": self.issuer_name_hash,
            "issuer_key_hash": self.issuer_key_hash,
            "serial_number": self.serial_number,
        }


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

    def send_local_list(self, version: int, entries: list[ListedTag], full: bool) -> Any:
        """Send the local authorization list: each tag with its idTagInfo / idTokenInfo."""
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

    def charging_profile(self, plan: ProfilePlan) -> Any:
        """Set a charging profile (core/csms/builders/charging_profile.py)."""
        ...

    def charging_profiles(self, request_id: int, evse: int | None) -> Any:
        """Ask which profiles a station holds (2.x; None: on every EVSE)."""
        ...

    def clear_profile(
        self, profile_id: int | None, evse: int | None, purpose: Purpose | None
    ) -> Any:
        """Clear profiles by id, or by EVSE and purpose (none given: every one)."""
        ...

    def composite_schedule(self, evse: int, duration: int, unit: str) -> Any:
        """Ask for the limit an EVSE (0: the station) will keep over `duration` seconds."""
        ...

    def set_password(self, password: str) -> Any:
        """Give the station a new HTTP Basic password (security profiles 1 and 2)."""
        ...

    log_types: tuple[str, ...]  # the logs `get_log` may ask for (1.6: its diagnostics too)

    def update_firmware(self, job: FirmwareUpdate) -> Any:
        """Fetch and install firmware (signed: 1.6 SignedUpdateFirmware)."""
        ...

    def get_log(self, job: LogUpload) -> Any:
        """Upload a log (1.6's diagnostics: GetDiagnostics)."""
        ...

    certificate_types: tuple[str, ...]  # the root certificates InstallCertificate takes

    def sign_certificate_trigger(self) -> Any:
        """Ask the station for a CSR now (1.6 ExtendedTriggerMessage, 2.x TriggerMessage)."""
        ...

    def install_certificate(self, certificate_type: str, certificate: str) -> Any:
        """Install a root certificate (PEM) of one of `certificate_types`."""
        ...

    def installed_certificates(self, certificate_type: str) -> Any:
        """Ask which certificates of a type the station holds."""
        ...

    def delete_certificate(self, which: CertificateHash) -> Any:
        """Delete an installed certificate."""
        ...

    def security_profile(self, profile: int, url: str, moving: bool) -> list[Any]:
        """The calls that move the station to a security profile at `url`, in order
        (`moving`: the URL is not the one it connects to now)."""
        ...

    # Monitoring (N), customer information and display messages (O): 2.x only.
    def set_variable_monitoring(self, monitor: NewMonitor) -> Any:
        """Set one monitor on a variable."""
        ...

    def set_monitoring_base(self, base: str) -> Any:
        """Choose which preconfigured monitors the station keeps."""
        ...

    def set_monitoring_level(self, severity: int) -> Any:
        """Report events of this severity or worse."""
        ...

    def monitoring_report(self, request_id: int) -> Any:
        """Ask for every monitor (NotifyMonitoringReport parts follow)."""
        ...

    def clear_variable_monitoring(self, monitor_ids: list[int]) -> Any:
        """Remove monitors by id."""
        ...

    def customer_information(self, query: CustomerQuery) -> Any:
        """Report or clear what the station holds of a customer (parts follow)."""
        ...

    def set_display_message(self, message: NewDisplayMessage) -> Any:
        """Put a message on the station's display."""
        ...

    def display_messages(self, request_id: int) -> Any:
        """Ask for the messages the station holds (NotifyDisplayMessages parts follow)."""
        ...

    def clear_display_message(self, message_id: int) -> Any:
        """Remove a display message."""
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
