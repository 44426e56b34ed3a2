"""Commands: what an operator can ask of a station. The TUI calls these, never a socket.

`Commands` checks the operator's values and the station, asks the station's
dialect to build the call in its version (core/csms/builders), and queues it
on the station's outbound queue. A crafted message goes the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..clock import Clock, to_iso
from ..dialects import DIALECTS, Dialect, UnknownDialect, dialect
from ..model.state import State, VariableKey
from .authorization import ListedTag, TagLister
from .builders.contract import Builder, CertificateHash, CommandUnavailable, Setting
from .builders.jobs import OWN_RETRIES, FirmwareUpdate, JobRefused, LogUpload, Retries
from .certificates import NO_CA, KnownCertificate, StationCertificates
from .display_commands import DisplayCommands
from .items_per_message import joined, limit_of, split
from .monitoring_commands import MonitoringCommands
from .outbound_queue import CancelRefused, QueuedCall, QueuedCallRecord
from .schemas import InvalidPayload, build_call, check_action, validate
from .smart_charging_commands import SmartChargingCommands

if TYPE_CHECKING:
    from .server import Csms

REPLAY = "replay: commands are off, nothing is sent to stations"
MAX_CERTIFICATE = 5500  # characters: 1.6's and 2.0.1's bound on InstallCertificate


def answer_summary(response: Any) -> str:
    """What an answer says beyond its status, for the notification (e.g. a list version)."""
    version = getattr(response, "list_version", None)
    if version is None:
        version = getattr(response, "version_number", None)
    if version is not None:
        return f" (list version {version})"
    data = getattr(response, "data", None)  # a DataTransfer answer; 2.x data may be any JSON
    return f" ({str(data)[:80]})" if data else ""


class Commands(MonitoringCommands, DisplayCommands, SmartChargingCommands):
    """Remote operations on stations, queued per station, one in flight.

    `csms` is None in replay: every command then says why it cannot be sent.
    """

    def __init__(
        self,
        csms: Csms | None,
        state: Callable[[], State],
        clock: Clock,
        certificates: StationCertificates | None = None,
        tags: TagLister | None = None,
    ) -> None:
        self._csms = csms
        # The id tags a local list is made of: None where this console keeps none (a cluster's).
        self._tags = tags
        # The CSMS's own station CA and certificate book: None where the commands go
        # elsewhere (replay, a console attached over the API, a cluster's queues).
        self._certificates = certificates
        self._current_state = state  # a function: a restore may replace the state object
        self._clock = clock

    @property
    def _state(self) -> State:
        return self._current_state()

    @property
    def enabled(self) -> bool:
        """False in replay: nothing is sent to a station."""
        return self._csms is not None

    def _live(self) -> Csms:
        if self._csms is None:
            raise CommandUnavailable(REPLAY)
        return self._csms

    def protocol_of(self, station_id: str) -> str:
        """The OCPP version a station spoke last ("" before it said anything)."""
        station = self._state.stations.get(station_id)
        return station.protocol if station is not None else ""

    def dialect_of(self, station_id: str) -> Dialect:
        """The station's dialect; CommandUnavailable for an unknown station or version."""
        if station_id not in self._state.stations:
            raise CommandUnavailable(f"unknown station {station_id}")
        try:
            return dialect(self.protocol_of(station_id))
        except UnknownDialect as exc:
            raise CommandUnavailable(f"{station_id}: {exc}") from None

    def _send(self, station_id: str, build: Callable[[Builder], Any]) -> QueuedCall:
        """Build the call in the station's version and queue it."""
        self._live()
        call = build(self.dialect_of(station_id).commands())
        return self._queue(station_id, call)

    def _queue(self, station_id: str, call: Any) -> QueuedCall:
        """Queue a call, split to the station's ItemsPerMessage (core/csms/items_per_message);
        one command for all its parts."""
        csms = self._live()
        action = type(call).__name__
        parts = split(call, limit_of(self._state.stations.get(station_id), action))
        return joined(call, [csms.submit(station_id, part) for part in parts])

    def is_connected(self, station_id: str) -> bool:
        """Whether a command would go out now rather than wait in the queue."""
        return self._csms is not None and self._csms.is_connected(station_id)

    def new_id(self) -> int:
        """A fresh id for a reservation or a request, unique across this CSMS's run."""
        return self._live().next_request_id()

    def triggers(self, station_id: str) -> tuple[str, ...]:
        """The messages a TriggerMessage may ask of this station, in its version."""
        return self.dialect_of(station_id).triggers

    # --- the operator's calls -------------------------------------------------
    def remote_start(self, station_id: str, evse: int, id_tag: str) -> QueuedCall:
        """Ask a station to start charging on an EVSE (1.6: a connector) for an id tag."""
        id_tag = id_tag.strip()
        longest = self.dialect_of(station_id).id_token_length
        if not id_tag or len(id_tag) > longest:
            raise CommandUnavailable(f"an id tag is 1 to {longest} characters")
        if evse < 1:
            raise CommandUnavailable("pick a connector (1 or higher) to start on")
        request_id = self.new_id()
        return self._send(station_id, lambda b: b.remote_start(evse, id_tag, request_id))

    def remote_stop(self, station_id: str, evse: int) -> QueuedCall:
        """Ask a station to stop the open transaction on an EVSE (1.6: a connector)."""
        tx = self._state.open_transaction_on(station_id, evse)
        if tx is None:
            raise CommandUnavailable(f"no open transaction on {station_id} connector {evse}")
        return self._send(station_id, lambda b: b.remote_stop(tx.transaction_id))

    def reset(self, station_id: str, hard: bool = False) -> QueuedCall:
        """Restart a station: 1.6 Hard/Soft, 2.x Immediate/OnIdle."""
        return self._send(station_id, lambda b: b.reset(hard))

    def unlock(self, station_id: str, evse: int, connector: int = 1) -> QueuedCall:
        """Unlock a connector (2.x: connector `connector` of EVSE `evse`)."""
        return self._send(station_id, lambda b: b.unlock(evse, connector))

    def change_availability(self, station_id: str, evse: int, operative: bool) -> QueuedCall:
        """Make an EVSE (1.6: a connector; 0: the whole station) operative or not."""
        return self._send(station_id, lambda b: b.change_availability(evse, operative))

    def trigger_message(
        self, station_id: str, message: str, evse: int | None = None, custom_trigger: str = ""
    ) -> QueuedCall:
        """Ask a station to send a message now (e.g. StatusNotification, MeterValues);
        2.1's CustomTrigger asks for the vendor's message named `custom_trigger`."""
        if message not in self.triggers(station_id):
            raise CommandUnavailable(f"{station_id} cannot be asked for {message}")
        custom = custom_trigger.strip() if message == "CustomTrigger" else ""
        if message == "CustomTrigger" and not custom:
            raise CommandUnavailable("CustomTrigger needs the custom trigger's name")
        return self._send(station_id, lambda b: b.trigger(message, evse, custom))

    def boot_again(self, station_id: str) -> QueuedCall:
        """Ask a connected station for a BootNotification now: one an operator has just
        accepted need not wait out its Pending interval."""
        return self.trigger_message(station_id, "BootNotification")

    def get_variables(self, station_id: str, component: str, variable: str) -> QueuedCall:
        """Read a setting: 2.x GetVariables; 1.6 GetConfiguration of the key `variable`."""
        return self._send(station_id, lambda b: b.get_variable(component, variable))

    def set_variables(
        self,
        station_id: str,
        component: str,
        variable: str,
        value: str,
        where: VariableKey | None = None,
    ) -> QueuedCall:
        """Change a setting: 2.x SetVariables (of `where` when given: a reported variable with
        its instances and EVSE); 1.6 ChangeConfiguration of the key `variable`."""
        return self._send(station_id, lambda b: b.set_variable(component, variable, value, where))

    def get_configuration(self, station_id: str) -> QueuedCall:
        """Read a station's settings: 1.6 every key; 2.x the common variables (for a
        station that sent no report, see `reported_settings`). `read_settings` reads
        the answer."""
        return self._send(station_id, lambda b: b.get_settings())

    def read_settings(self, station_id: str, response: Any) -> list[Setting]:
        """The settings a `get_configuration` or `get_variables` answer lists."""
        if response is None:
            return []
        return self.dialect_of(station_id).commands().read_settings(response)

    def set_statuses(self, station_id: str, response: Any) -> list[str]:
        """The per-variable statuses of a `set_variables` answer (1.6 answers have none)."""
        if response is None:
            return []
        return self.dialect_of(station_id).commands().set_statuses(response)

    def reported_settings(self, station_id: str) -> list[Setting] | None:
        """The variables a 2.x station reported (NotifyReport), in order; [] before any
        report; None for a station whose version has no device model (1.6)."""
        station = self._state.stations.get(station_id)
        spoken = DIALECTS.get(station.protocol) if station is not None else None
        if station is None or spoken is None or not spoken.commands().device_model:
            return None
        return [
            Setting(
                key.component,
                key.variable,
                reported.value,
                reported.readonly,
                "write-only" if reported.mutability == "WriteOnly" else "",
                key,
            )
            for key, reported in sorted(station.variables.items())
        ]

    def get_base_report(self, station_id: str, report_base: str = "FullInventory") -> QueuedCall:
        """Ask a 2.x station for a device-model report (its NotifyReports follow)."""
        request_id = self.new_id()
        return self._send(station_id, lambda b: b.base_report(request_id, report_base))

    def clear_cache(self, station_id: str) -> QueuedCall:
        """Empty a station's authorization cache."""
        return self._send(station_id, lambda b: b.clear_cache())

    def data_transfer(
        self, station_id: str, vendor_id: str, message_id: str = "", data: str = ""
    ) -> QueuedCall:
        """Send a vendor-specific DataTransfer (message id and data are optional)."""
        vendor = vendor_id.strip()
        if not vendor:
            raise CommandUnavailable("a data transfer needs a vendor id")
        return self._send(station_id, lambda b: b.data_transfer(vendor, message_id, data))

    def reserve_now(
        self, station_id: str, evse: int, id_tag: str, minutes: int, reservation_id: int
    ) -> QueuedCall:
        """Reserve an EVSE (1.6: a connector; 0: any) for an id tag for `minutes` from now."""
        id_tag = id_tag.strip()
        if not id_tag:
            raise CommandUnavailable("a reservation needs an id tag")
        expiry = to_iso(self._clock.now() + minutes * 60)
        return self._send(station_id, lambda b: b.reserve_now(evse, id_tag, expiry, reservation_id))

    def cancel_reservation(self, station_id: str, reservation_id: int) -> QueuedCall:
        """Withdraw a reservation made with `reserve_now`."""
        return self._send(station_id, lambda b: b.cancel_reservation(reservation_id))

    def send_local_list(
        self, station_id: str, version: int, id_tags: list[str], full: bool = True
    ) -> QueuedCall:
        """Send the local authorization list (Full replaces it): each of `id_tags` with what
        Authorize would answer for it now (status, expiry, group), so a station that cannot
        ask decides as the CSMS would. CommandUnavailable for a tag that cannot be listed."""
        entries = self._listed(station_id, id_tags)
        return self._send(station_id, lambda b: b.send_local_list(version, entries, full))

    def _listed(self, station_id: str, id_tags: list[str]) -> list[ListedTag]:
        self._live()
        if self._tags is None:
            raise CommandUnavailable("the id tags are kept where the CSMS runs: send it there")
        longest = self.dialect_of(station_id).id_token_length
        entries = []
        for name in id_tags:
            entry = self._tags.listed(name)
            if entry is None:
                raise CommandUnavailable(f"{name} is not among the id tags here: add it first")
            if len(name) > longest or len(entry.info.parent or "") > longest:
                raise CommandUnavailable(f"{name} or its group is over {longest} characters")
            entries.append(entry)
        return entries

    def get_local_list_version(self, station_id: str) -> QueuedCall:
        """Ask which local authorization list version a station holds (in the answer)."""
        return self._send(station_id, lambda b: b.local_list_version())

    def set_charging_profile(
        self, station_id: str, evse: int, limit: float, unit: str, duration: int
    ) -> QueuedCall:
        """Limit charging to `limit` A or W for `duration` seconds from now, with one period.

        On an EVSE (1.6: a connector) it is the default profile of its transactions
        (TxDefaultProfile); on 0 the whole station's maximum.
        """
        if unit not in ("A", "W"):
            raise CommandUnavailable("a limit is in A or W")
        if limit < 0 or duration <= 0:
            raise CommandUnavailable("a limit is 0 or more, for 1 second or more")
        profile_id = self.new_id()
        start = to_iso(self._clock.now())
        return self._send(
            station_id,
            lambda b: b.set_charging_limit(evse, limit, unit, duration, start, profile_id),
        )

    def clear_charging_profile(self, station_id: str, evse: int) -> QueuedCall:
        """Clear the profile `set_charging_profile` sets on an EVSE (0: the station)."""
        return self._send(station_id, lambda b: b.clear_charging_limit(evse))

    # --- firmware, diagnostics and logs (README: Firmware and logs) -------------
    def update_firmware(
        self,
        station_id: str,
        location: str,
        retrieve_in: float = 0.0,
        retries: Retries = OWN_RETRIES,
        signing_certificate: str = "",
        signature: str = "",
    ) -> QueuedCall:
        """Have a station fetch firmware from `location`, `retrieve_in` seconds from now,
        and install it; a signed update with a signing certificate (PEM) and signature
        (base64). Its FirmwareStatusNotifications follow."""
        when = to_iso(self._clock.now() + max(retrieve_in, 0.0))
        certificate, signed = signing_certificate.strip(), signature.strip()
        try:
            job = FirmwareUpdate(
                location.strip(), when, self.new_id(), retries, certificate, signed
            )
        except JobRefused as exc:
            raise CommandUnavailable(str(exc)) from None
        return self._send(station_id, lambda b: b.update_firmware(job))

    def log_types(self, station_id: str) -> tuple[str, ...]:
        """The logs `get_log` may ask a station for in its version."""
        return tuple(self.dialect_of(station_id).commands().log_types)

    def get_log(
        self,
        station_id: str,
        location: str,
        log_type: str = "DiagnosticsLog",
        hours: float = 0.0,
        retries: Retries = OWN_RETRIES,
    ) -> QueuedCall:
        """Have a station upload a log (one of `log_types`) to `location`: of the last
        `hours` (0: all it holds). Its Log- or DiagnosticsStatusNotifications follow."""
        if hours < 0:
            raise CommandUnavailable("the hours back are 0 (all) or more")
        oldest = to_iso(self._clock.now() - hours * 3600) if hours else None
        try:
            job = LogUpload(location.strip(), self.new_id(), log_type, oldest, None, retries)
        except JobRefused as exc:
            raise CommandUnavailable(str(exc)) from None
        return self._send(station_id, lambda b: b.get_log(job))

    async def disconnect(self, station_id: str, reason: str) -> None:
        """Close a station's connection (an operator rejected it); nothing in replay."""
        if self._csms is not None:
            await self._csms.disconnect(station_id, reason)

    def set_password(self, station_id: str, password: str) -> QueuedCall:
        """Give a station a new HTTP Basic password (see core/csms/password_change.py)."""
        return self._send(station_id, lambda b: b.set_password(password))

    # --- certificates (README: Station certificates) ---------------------------
    def sign_certificate(self, station_id: str) -> QueuedCall:
        """Ask a station for a CSR now; the station CA signs it (core/csms/station_ca.py)."""
        if self._own_certificates().ca is None:
            raise CommandUnavailable(NO_CA)
        return self._send(station_id, lambda b: b.sign_certificate_trigger())

    def certificate_types(self, station_id: str) -> tuple[str, ...]:
        """The root certificate types the station's version installs and lists."""
        types: tuple[str, ...] = self.dialect_of(station_id).commands().certificate_types
        return types

    def install_certificate(self, station_id: str, certificate_type: str, pem: str) -> QueuedCall:
        """Install a root certificate (PEM) of a type the station's version names."""
        types = self.dialect_of(station_id).commands().certificate_types
        if certificate_type not in types:
            raise CommandUnavailable(f"a certificate type is one of {', '.join(types)}")
        pem = pem.strip()
        if not pem.startswith("-----BEGIN CERTIFICATE-----") or len(pem) > MAX_CERTIFICATE:
            raise CommandUnavailable(f"a PEM certificate of at most {MAX_CERTIFICATE} characters")
        return self._send(station_id, lambda b: b.install_certificate(certificate_type, pem))

    def installed_certificates(self, station_id: str, certificate_type: str) -> QueuedCall:
        """Ask which certificates of a type a station holds (in the answer; 2.x: "" is all)."""
        types = self.dialect_of(station_id).commands().certificate_types
        if certificate_type not in (*types, ""):
            raise CommandUnavailable(f"a certificate type is one of {', '.join(types)}")
        return self._send(station_id, lambda b: b.installed_certificates(certificate_type))

    def own_csms(self) -> Csms:
        """The CSMS of this process (a profile upgrade works on its registry and CA);
        CommandUnavailable where the commands go elsewhere."""
        self._own_certificates()
        return self._live()

    def expiring_certificate(self, station_id: str) -> KnownCertificate | None:
        """The station's certificate that ends within 30 days (or has ended), if the CSMS
        knows one: for the stations pane's flag."""
        if self._certificates is None:
            return None
        return self._certificates.expiring(station_id)

    def _own_certificates(self) -> StationCertificates:
        self._live()
        if self._certificates is None:
            raise CommandUnavailable("this runs on the CSMS's own console (ocppdeck serve's)")
        return self._certificates

    def delete_certificate(self, station_id: str, which: str) -> QueuedCall:
        """Delete an installed certificate named ALGORITHM:NAMEHASH:KEYHASH:SERIAL."""
        named = CertificateHash.parse(which)
        return self._send(station_id, lambda b: b.delete_certificate(named))

    def craft(
        self, station_id: str, action: str, payload: dict[str, Any], check: bool = True
    ) -> QueuedCall:
        """Send any call the CSMS may send the station's version, as written.

        With `check` the payload must pass the action's schema (InvalidPayload lists
        the fields at fault); without it, neither this nor the library checks it.
        """
        csms = self._live()
        spoken = self.dialect_of(station_id)
        check_action(spoken, action)
        if check:
            errors = validate(spoken, action, payload)
            if errors:
                raise InvalidPayload(errors)
        call = build_call(spoken, action, payload)
        if not check:  # bad input on purpose: sent as written, however many items it holds
            return csms.submit(station_id, call, validate=False)
        return self._queue(station_id, call)

    # --- the outbound queue -------------------------------------------------
    def queue_overview(self) -> list[QueuedCallRecord]:
        """Every station's queued, in-flight and recent commands, oldest first; none in replay."""
        return [] if self._csms is None else self._csms.commands_overview()

    def cancel(self, command_id: int) -> QueuedCall:
        """Withdraw a queued command before it is sent."""
        csms = self._live()
        try:
            return csms.cancel(command_id)
        except CancelRefused as exc:
            raise CommandUnavailable(str(exc)) from None
