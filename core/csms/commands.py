"""Commands: what an operator can ask of a station. The TUI calls these, never a socket."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ocpp import v21, v201
from ocpp.v16 import call

from ..clock import to_iso
from ..model.state import State, VariableKey
from .outbound_queue import CancelRefused, Command, CommandRecord
from .server import Csms


class CommandUnavailable(Exception):
    """A command that cannot be sent now; the message says why, for the user."""


# The triggers each version's TriggerMessage schema allows. 1.6 keeps LogStatusNotification
# and SignChargePointCertificate for ExtendedTriggerMessage; 2.1's CustomTrigger names a
# vendor's message in customTrigger.
TRIGGERS_16 = (
    "BootNotification",
    "DiagnosticsStatusNotification",
    "FirmwareStatusNotification",
    "Heartbeat",
    "MeterValues",
    "StatusNotification",
)
TRIGGERS_2X = tuple(m.value for m in v201.enums.MessageTriggerEnumType)
TRIGGERS_21 = tuple(m.value for m in v21.enums.MessageTriggerEnumType)

# A 2.x station lists its variables in NotifyReport; until one has, the console asks these
# common variables of the OCPP 2.0.1
# device model (component, variable, read-only per the spec's mutability).
COMMON_VARIABLES_2X = (
    ("OCPPCommCtrlr", "HeartbeatInterval", False),
    ("OCPPCommCtrlr", "OfflineThreshold", False),
    ("OCPPCommCtrlr", "ResetRetries", False),
    ("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", False),
    ("TxCtrlr", "EVConnectionTimeOut", False),
    ("TxCtrlr", "StopTxOnEVSideDisconnect", False),
    ("TxCtrlr", "TxStartPoint", False),
    ("TxCtrlr", "TxStopPoint", False),
    ("SampledDataCtrlr", "TxUpdatedInterval", False),
    ("SampledDataCtrlr", "TxUpdatedMeasurands", False),
    ("AuthCtrlr", "AuthorizeRemoteStart", False),
    ("AuthCtrlr", "LocalAuthorizeOffline", False),
    ("AuthCtrlr", "LocalPreAuthorize", False),
    ("AuthCacheCtrlr", "Enabled", False),
    ("LocalAuthListCtrlr", "Enabled", False),
    ("LocalAuthListCtrlr", "Entries", True),
    ("SecurityCtrlr", "SecurityProfile", True),
    ("ClockCtrlr", "DateTime", True),
)


@dataclass(frozen=True, slots=True)
class Setting:
    """One configuration key (1.6) or device-model variable (2.x) as a station reported it."""

    component: str  # "" for 1.6 keys
    key: str
    value: str | None  # None: the station did not give a value (unknown or write-only)
    readonly: bool
    note: str = ""  # e.g. a 2.x attributeStatus other than Accepted
    where: VariableKey | None = None  # a reported 2.x variable: instances, EVSE and connector


def settings_from(response: Any) -> list[Setting]:
    """The settings a GetConfiguration (1.6) or GetVariables (2.x) answer lists."""
    if response is None:
        return []
    found: list[Setting] = []
    for item in getattr(response, "configuration_key", None) or []:
        found.append(Setting("", item["key"], item.get("value"), bool(item.get("readonly"))))
    found.extend(
        Setting("", key, None, True, "unknown key")
        for key in getattr(response, "unknown_key", None) or []
    )
    readonly = {(c, v): ro for c, v, ro in COMMON_VARIABLES_2X}
    for item in getattr(response, "get_variable_result", None) or []:
        component, variable = item["component"]["name"], item["variable"]["name"]
        status = item.get("attribute_status", "")
        found.append(
            Setting(
                component,
                variable,
                item.get("attribute_value"),
                readonly.get((component, variable), False),
                "" if status == "Accepted" else status,
            )
        )
    return found


def _component_variable(where: VariableKey) -> dict[str, Any]:
    """The component and variable fields of a 2.x SetVariables entry naming `where`."""
    evse: dict[str, int] = {"id": where.evse} if where.evse else {}
    if where.evse and where.connector:
        evse["connector_id"] = where.connector
    component: dict[str, Any] = {"name": where.component}
    if where.component_instance:
        component["instance"] = where.component_instance
    if evse:
        component["evse"] = evse
    variable = {"name": where.variable}
    if where.variable_instance:
        variable["instance"] = where.variable_instance
    return {"component": component, "variable": variable}


def answer_summary(response: Any) -> str:
    """What an answer says beyond its status, for the notification (e.g. a list version)."""
    version = getattr(response, "list_version", None)
    if version is None:
        version = getattr(response, "version_number", None)
    if version is not None:
        return f" (list version {version})"
    data = getattr(response, "data", None)  # a DataTransfer answer; 2.x data may be any JSON
    return f" ({str(data)[:80]})" if data else ""


def set_statuses(response: Any) -> list[str]:
    """The per-variable statuses of a 2.x SetVariables answer (1.6 answers have none)."""
    return [r.get("attribute_status", "") for r in getattr(response, "set_variable_result", [])]


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

    def new_id(self) -> int:
        """A fresh id for a reservation or a request, unique across this CSMS's run."""
        if self._csms is None:
            raise CommandUnavailable("replay: commands are off, nothing is sent to stations")
        return self._csms.next_request_id()

    def triggers(self, station_id: str) -> tuple[str, ...]:
        """The messages a TriggerMessage may ask of this station, in its version."""
        calls = self._calls_2x(station_id)
        if calls is None:
            return TRIGGERS_16
        return TRIGGERS_21 if calls is v21.call else TRIGGERS_2X

    def reported_settings(self, station_id: str) -> list[Setting] | None:
        """The variables a 2.x station reported (NotifyReport), in order; [] before any
        report; None for a 1.6 (or unknown) station, which has no device model."""
        station = self._state.stations.get(station_id)
        if station is None or self._calls_2x(station_id) is None:
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
        self,
        station_id: str,
        message: str,
        connector_id: int | None = None,
        custom_trigger: str = "",
    ) -> Command:
        """Ask a station to send a message now (e.g. StatusNotification, MeterValues);
        2.1's CustomTrigger asks for the vendor's message named `custom_trigger`."""
        if message not in self.triggers(station_id):
            raise CommandUnavailable(f"{station_id} cannot be asked for {message}")
        calls = self._calls_2x(station_id)
        if calls is not None:
            evse = {"id": connector_id} if connector_id else None
            if message != "CustomTrigger":
                return self._submit(
                    station_id, calls.TriggerMessage(requested_message=message, evse=evse)
                )
            if not custom_trigger.strip():
                raise CommandUnavailable("CustomTrigger needs the custom trigger's name")
            return self._submit(
                station_id,
                calls.TriggerMessage(
                    requested_message=message, evse=evse, custom_trigger=custom_trigger.strip()
                ),
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

    def set_variables(
        self,
        station_id: str,
        component: str,
        variable: str,
        value: str,
        where: VariableKey | None = None,
    ) -> Command:
        """Change a setting: 2.x SetVariables (of `where` when given: a reported variable with
        its instances and EVSE); 1.6 ChangeConfiguration of the key `variable`."""
        calls = self._calls_2x(station_id)
        if calls is not None:
            names = _component_variable(where or VariableKey(component, variable))
            data = [{"attribute_value": value, **names}]
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

    def clear_cache(self, station_id: str) -> Command:
        """Empty a station's authorization cache."""
        calls = self._calls_2x(station_id)
        return self._submit(station_id, (calls or call).ClearCache())

    def data_transfer(
        self, station_id: str, vendor_id: str, message_id: str = "", data: str = ""
    ) -> Command:
        """Send a vendor-specific DataTransfer (message id and data are optional)."""
        if not vendor_id.strip():
            raise CommandUnavailable("a data transfer needs a vendor id")
        calls = self._calls_2x(station_id)
        return self._submit(
            station_id,
            (calls or call).DataTransfer(
                vendor_id=vendor_id.strip(), message_id=message_id or None, data=data or None
            ),
        )

    def get_configuration(self, station_id: str) -> Command:
        """Read a station's settings: 1.6 GetConfiguration of every key; 2.x GetVariables
        of `COMMON_VARIABLES_2X` (for a station that sent no report, see
        `reported_settings`). `settings_from` reads either answer."""
        calls = self._calls_2x(station_id)
        if calls is None:
            return self._submit(station_id, call.GetConfiguration())
        data = [
            {"component": {"name": c}, "variable": {"name": v}} for c, v, _ in COMMON_VARIABLES_2X
        ]
        return self._submit(station_id, calls.GetVariables(get_variable_data=data))

    def reserve_now(
        self, station_id: str, connector_id: int, id_tag: str, minutes: int, reservation_id: int
    ) -> Command:
        """Reserve a connector (2.x: an EVSE; 0: any) for an id tag for `minutes` from now."""
        id_tag = id_tag.strip()
        if not id_tag:
            raise CommandUnavailable("a reservation needs an id tag")
        expiry = to_iso(time.time() + minutes * 60)
        calls = self._calls_2x(station_id)
        if calls is not None:
            return self._submit(
                station_id,
                calls.ReserveNow(
                    id=reservation_id,
                    expiry_date_time=expiry,
                    id_token={"id_token": id_tag, "type": "Central"},
                    evse_id=connector_id or None,
                ),
            )
        return self._submit(
            station_id,
            call.ReserveNow(
                connector_id=connector_id,
                expiry_date=expiry,
                id_tag=id_tag,
                reservation_id=reservation_id,
            ),
        )

    def cancel_reservation(self, station_id: str, reservation_id: int) -> Command:
        """Withdraw a reservation made with `reserve_now`."""
        calls = self._calls_2x(station_id)
        return self._submit(
            station_id, (calls or call).CancelReservation(reservation_id=reservation_id)
        )

    def send_local_list(
        self, station_id: str, version: int, id_tags: list[str], full: bool = True
    ) -> Command:
        """Send the local authorization list: `id_tags` all Accepted; Full replaces the list."""
        update = "Full" if full else "Differential"
        calls = self._calls_2x(station_id)
        if calls is not None:
            entries = [
                {
                    "id_token": {"id_token": tag, "type": "Central"},
                    "id_token_info": {"status": "Accepted"},
                }
                for tag in id_tags
            ]
            return self._submit(
                station_id,
                calls.SendLocalList(
                    version_number=version,
                    update_type=update,
                    local_authorization_list=entries or None,
                ),
            )
        listed = [{"id_tag": tag, "id_tag_info": {"status": "Accepted"}} for tag in id_tags]
        return self._submit(
            station_id,
            call.SendLocalList(
                list_version=version, update_type=update, local_authorization_list=listed
            ),
        )

    def get_local_list_version(self, station_id: str) -> Command:
        """Ask which local authorization list version a station holds (in the answer)."""
        calls = self._calls_2x(station_id)
        return self._submit(station_id, (calls or call).GetLocalListVersion())

    def set_charging_profile(
        self, station_id: str, connector_id: int, limit: float, unit: str, duration: int
    ) -> Command:
        """Limit charging to `limit` A or W for `duration` seconds from now, with one period.

        On a connector (2.x: EVSE) it is the default profile of its transactions
        (TxDefaultProfile); on 0 the whole station's maximum (1.6
        ChargePointMaxProfile, 2.x ChargingStationMaxProfile).
        """
        if unit not in ("A", "W"):
            raise CommandUnavailable("a limit is in A or W")
        if limit < 0 or duration <= 0:
            raise CommandUnavailable("a limit is 0 or more, for 1 second or more")
        calls = self._calls_2x(station_id)
        profile_id = self.new_id()
        schedule = {
            "charging_rate_unit": unit,
            "charging_schedule_period": [{"start_period": 0, "limit": limit}],
            "duration": duration,
            "start_schedule": to_iso(time.time()),
        }
        if calls is not None:
            purpose = "ChargingStationMaxProfile" if connector_id == 0 else "TxDefaultProfile"
            profile = {
                "id": profile_id,
                "stack_level": 0,
                "charging_profile_purpose": purpose,
                "charging_profile_kind": "Absolute",
                "charging_schedule": [{"id": profile_id, **schedule}],
            }
            return self._submit(
                station_id, calls.SetChargingProfile(evse_id=connector_id, charging_profile=profile)
            )
        purpose = "ChargePointMaxProfile" if connector_id == 0 else "TxDefaultProfile"
        profile = {
            "charging_profile_id": profile_id,
            "stack_level": 0,
            "charging_profile_purpose": purpose,
            "charging_profile_kind": "Absolute",
            "charging_schedule": schedule,
        }
        return self._submit(
            station_id,
            call.SetChargingProfile(connector_id=connector_id, cs_charging_profiles=profile),
        )

    def clear_charging_profile(self, station_id: str, connector_id: int) -> Command:
        """Clear the profiles `set_charging_profile` sets on a connector (2.x EVSE; 0: station)."""
        calls = self._calls_2x(station_id)
        if calls is not None:
            purpose = "ChargingStationMaxProfile" if connector_id == 0 else "TxDefaultProfile"
            criteria = {"evse_id": connector_id, "charging_profile_purpose": purpose}
            return self._submit(
                station_id, calls.ClearChargingProfile(charging_profile_criteria=criteria)
            )
        purpose = "ChargePointMaxProfile" if connector_id == 0 else "TxDefaultProfile"
        return self._submit(
            station_id,
            call.ClearChargingProfile(connector_id=connector_id, charging_profile_purpose=purpose),
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
