"""OCPP 2.0.1 and 2.1 for a simulated station: its messages and its answers to the CSMS.

Each of the station's connectors is one EVSE with a single connector. The link maps
the station's words: its statuses to a connectorStatus (Preparing..Finishing are all
Occupied) and a transaction's chargingState, start / meter / stop to TransactionEvent
Started / Updated / Ended, and its stop reasons to a stoppedReason with its
triggerReason. The station numbers its transactions. Both versions share it: the
messages used have the same fields in both. Reservations, the local list, charging limits
and DataTransfer are answered in v2_features.py.
"""

from __future__ import annotations

import random
import uuid
from types import ModuleType
from typing import Any, ClassVar

from ocpp.exceptions import NotImplementedError as OcppNotImplemented
from ocpp.routing import after, on
from ocpp.v201.enums import Action as A

from ..connector import ConnectorSim, Context, Status, StopReason
from ..contract_certificate import authorize as contract_authorize
from ..contract_certificate import id_token as contract_token
from ..contract_certificate import plug_and_charge
from ..host import BootAnswer, StationAnswers, StationHost
from ..items_per_message import check_items, report_entries
from ..reservations import Reservation, ReservationEnd
from ..tag_verdict import TagVerdict, from_id_token_info
from .v2_costs import V2Costs
from .v2_display import V2Display
from .v2_ev_charging import EvCharging
from .v2_external_limit import V2ExternalLimits
from .v2_features import V2Features
from .v2_maintenance import V2Maintenance
from .v2_master_pass import MASTER_PASS_VARIABLE, master_pass_variable, set_master_pass
from .v2_monitoring import V2Monitoring, fire_monitors
from .v2_security import PRIORITY_VARIABLE, SIGN_TRIGGER, V2Security
from .v2_smart_charging import V2SmartCharging
from .v16_security import report_event

CONNECTOR_ID = 1  # every simulated EVSE has a single connector
TOKEN_TYPE = "ISO14443"  # the RFID cards the simulated drivers carry
CONNECTOR_STATUS = {
    Status.AVAILABLE: "Available",
    Status.PREPARING: "Occupied",
    Status.CHARGING: "Occupied",
    Status.SUSPENDED_EV: "Occupied",
    Status.SUSPENDED_EVSE: "Occupied",
    Status.FINISHING: "Occupied",
    Status.RESERVED: "Reserved",
    Status.FAULTED: "Faulted",
    Status.UNAVAILABLE: "Unavailable",
}
CHARGING_STATE = {
    Status.PREPARING: "EVConnected",
    Status.CHARGING: "Charging",
    Status.SUSPENDED_EV: "SuspendedEV",
    Status.SUSPENDED_EVSE: "SuspendedEVSE",
    Status.FINISHING: "EVConnected",
}
# the station's stop reason -> (stoppedReason, triggerReason of the Ended event)
ENDED = {
    StopReason.LOCAL: ("Local", "StopAuthorized"),
    StopReason.EV_DISCONNECTED: ("EVDisconnected", "EVDeparted"),
    StopReason.REMOTE: ("Remote", "RemoteStop"),
    StopReason.DE_AUTHORIZED: ("DeAuthorized", "Deauthorized"),
    StopReason.HARD_RESET: ("ImmediateReset", "ResetCommand"),
    StopReason.SOFT_RESET: ("ImmediateReset", "ResetCommand"),
    StopReason.UNLOCK_COMMAND: ("Other", "UnlockCommand"),
    StopReason.MASTER_PASS: ("MasterPass", "StopAuthorized"),
}
OTHER_END = ("Other", "AbnormalCondition")  # e.g. a transaction cut off by a dropped link
# Why an Updated event carries a reading; any other context is a reading asked for (Trigger).
UPDATE_TRIGGER = {Context.PERIODIC: "MeterValuePeriodic", Context.CLOCK: "MeterValueClock"}


def _accepted(info: dict[str, Any] | None) -> bool:
    """Whether an idTokenInfo (keys in snake_case, as the library hands them) is Accepted."""
    return info is not None and info.get("status") == "Accepted"


# (component, variable) -> the station's configuration key behind it
VARIABLES = {
    ("OCPPCommCtrlr", "HeartbeatInterval"): "HeartbeatInterval",
    ("SampledDataCtrlr", "TxUpdatedInterval"): "MeterValueSampleInterval",
    ("SampledDataCtrlr", "TxUpdatedMeasurands"): "MeterValuesSampledData",
}
PASSWORD_VARIABLE = ("SecurityCtrlr", "BasicAuthPassword")
SET_STATUS = {"Accepted": "Accepted", "Rejected": "Rejected", "NotSupported": "UnknownVariable"}
# What a TriggerMessage may ask of a simulated 2.x station.
TRIGGERABLE = frozenset(
    {"BootNotification", "Heartbeat", "StatusNotification", "MeterValues", SIGN_TRIGGER}
)


def variables(station: StationHost) -> dict[tuple[str, str], tuple[str, bool]]:
    """Device-model variables as (component, variable) -> (value, readonly)."""
    config = station.configuration()
    return {name: config[key] for name, key in VARIABLES.items()} | master_pass_variable(station)


def set_variable(station: StationHost, component: str, variable: str, value: str) -> str:
    """Apply a SetVariables entry; its SetVariableStatus."""
    if (component, variable) == PASSWORD_VARIABLE:  # write-only: never reported
        return "Accepted" if station.change_password(value) else "Rejected"
    if (component, variable) == MASTER_PASS_VARIABLE:
        return set_master_pass(station, value)
    if (component, variable) == PRIORITY_VARIABLE:  # a security upgrade's new slot first
        return "Accepted" if station.network.prioritize(value) else "Rejected"
    key = VARIABLES.get((component, variable))
    if key is None:
        known = any(c == component for c, _ in VARIABLES)
        return "UnknownVariable" if known else "UnknownComponent"
    return SET_STATUS[station.change_configuration(key, value)]


async def report(station: StationHost, calls: ModuleType, request_id: int) -> None:
    """The NotifyReport for GetBaseReport `request_id`: every EVSE and connector with its
    availability, and the variables (every base gets the same small inventory)."""
    data: list[dict[str, Any]] = []
    for evse, connector in station.connectors.items():
        state = CONNECTOR_STATUS.get(connector.status, "Unavailable")
        for component in (
            {"name": "EVSE", "evse": {"id": evse}},
            {"name": "Connector", "evse": {"id": evse, "connectorId": CONNECTOR_ID}},
        ):
            data.append(_report_entry(component, "AvailabilityState", state, True))
    for (component, variable), (value, readonly) in variables(station).items():
        data.append(_report_entry({"name": component}, variable, value, readonly))
    data.extend(report_entries(station.settings.items_per_message))
    await station.send(
        calls.NotifyReport(
            request_id=request_id,
            generated_at=station.timestamp(),
            seq_no=0,
            tbc=False,
            report_data=data,
        )
    )


def _report_entry(
    component: dict[str, Any], variable: str, value: str, readonly: bool
) -> dict[str, Any]:
    return {
        "component": component,
        "variable": {"name": variable},
        "variableAttribute": [
            {
                "type": "Actual",
                "value": value,
                "mutability": "ReadOnly" if readonly else "ReadWrite",
            }
        ],
    }


class V2Answers(
    V2SmartCharging,
    V2Monitoring,
    V2Display,
    V2Security,
    V2Maintenance,
    V2Features,
    V2Costs,
    StationAnswers,
):
    """A simulated station's 2.x answers to the CSMS, for one connection; the dialect
    registry mixes them into the 2.0.1 or 2.1 ChargePoint and gives the class that
    version's `results` (these requests have the same fields in both versions).

    As for 1.6, `@on` handlers decide the answer at once and `@after` handlers act once it is on
    the wire. The library hands payload keys over in snake_case, nested ones too.
    """

    calls: ModuleType  # the version's call and call_result modules, set by the dialect registry
    results: ModuleType

    @on(A.request_start_transaction)
    def on_request_start(
        self,
        id_token: dict[str, Any],
        remote_start_id: int,
        call_unique_id: str,
        evse_id: int | None = None,
        **_: Any,
    ) -> Any:
        tag = id_token["id_token"]
        free = [c for c in self._station.targets(evse_id) if c.accepts_remote_start(tag)]
        if evse_id == 0 or not free:
            return self.results.RequestStartTransaction(status="Rejected")
        free[0].reserve_remote_start(tag, remote_start_id)
        self._remote_starts[call_unique_id] = free[0]
        return self.results.RequestStartTransaction(status="Accepted")

    @after(A.request_start_transaction)
    def after_request_start(self, call_unique_id: str, **_: Any) -> None:
        if (connector := self._remote_starts.pop(call_unique_id, None)) is not None:
            connector.wake()

    @on(A.request_stop_transaction)
    def on_request_stop(self, transaction_id: str, **_: Any) -> Any:
        known = transaction_id in self._station.transactions.values()
        return self.results.RequestStopTransaction(status="Accepted" if known else "Rejected")

    @after(A.request_stop_transaction)
    def after_request_stop(self, transaction_id: str, **_: Any) -> None:
        for connector in self._station.connectors.values():
            connector.request_stop(StopReason.REMOTE, transaction_id)

    @on(A.get_base_report)
    def on_get_base_report(self, **_: Any) -> Any:
        # Every base (configuration, full, summary) gets the same small inventory.
        return self.results.GetBaseReport(status="Accepted")

    @after(A.get_base_report)
    def after_get_base_report(self, request_id: int, **_: Any) -> None:
        self._station.spawn(report(self._station, self.calls, request_id), "report")

    @on(A.get_variables)
    def on_get_variables(self, get_variable_data: list[dict[str, Any]], **_: Any) -> Any:
        check_items(
            "GetVariables", len(get_variable_data), self._station.settings.items_per_message
        )
        known = variables(self._station)
        results = []
        for item in get_variable_data:
            name = (item["component"]["name"], item["variable"]["name"])
            found = known.get(name)
            result = {"component": item["component"], "variable": item["variable"]}
            if found is None:
                result["attribute_status"] = "UnknownVariable"
            else:
                result |= {"attribute_status": "Accepted", "attribute_value": found[0]}
            results.append(result)
        return self.results.GetVariables(get_variable_result=results)

    @on(A.set_variables)
    def on_set_variables(self, set_variable_data: list[dict[str, Any]], **_: Any) -> Any:
        check_items(
            "SetVariables", len(set_variable_data), self._station.settings.items_per_message
        )
        results = [
            {
                "attribute_status": set_variable(
                    self._station,
                    item["component"]["name"],
                    item["variable"]["name"],
                    item["attribute_value"],
                ),
                "component": item["component"],
                "variable": item["variable"],
            }
            for item in set_variable_data
        ]
        return self.results.SetVariables(set_variable_result=results)

    @after(A.set_variables)
    def after_set_variables(self, set_variable_data: list[dict[str, Any]], **_: Any) -> None:
        for item in set_variable_data:
            name = (item["component"]["name"], item["variable"]["name"])
            if name == PASSWORD_VARIABLE and self._station.password == item["attribute_value"]:
                self._station.relogin()
                return

    @on(A.reset)
    def on_reset(self, **_: Any) -> Any:
        return self.results.Reset(status="Accepted")

    @after(A.reset)
    def after_reset(self, type: str, **_: Any) -> None:
        # OnIdle is treated like a soft reset: open transactions are settled first anyway.
        self._station.reset(hard=type == "Immediate")

    @on(A.unlock_connector)
    def on_unlock_connector(self, evse_id: int, connector_id: int, **_: Any) -> Any:
        known = evse_id in self._station.connectors and connector_id == CONNECTOR_ID
        return self.results.UnlockConnector(status="Unlocked" if known else "UnknownConnector")

    @after(A.unlock_connector)
    def after_unlock_connector(self, evse_id: int, **_: Any) -> None:
        # Unlocking the cable ends whatever session was running on it.
        connector = self._station.connectors.get(evse_id)
        if connector is not None and connector.transaction_id is not None:
            connector.request_stop(StopReason.UNLOCK_COMMAND, connector.transaction_id)

    @on(A.change_availability)
    def on_change_availability(self, evse: dict[str, Any] | None = None, **_: Any) -> Any:
        evse_id = (evse or {}).get("id", 0)
        addressed = self._station.targets(evse_id)
        if evse_id != 0 and not addressed:
            return self.results.ChangeAvailability(status="Rejected")
        busy = any(c.transaction_id is not None for c in addressed)
        return self.results.ChangeAvailability(status="Scheduled" if busy else "Accepted")

    @after(A.change_availability)
    def after_change_availability(
        self, operational_status: str, evse: dict[str, Any] | None = None, **_: Any
    ) -> None:
        evse_id = (evse or {}).get("id", 0)
        self._station.set_availability(evse_id, operational_status == "Operative")

    @on(A.trigger_message)
    def on_trigger_message(
        self, requested_message: str, evse: dict[str, Any] | None = None, **_: Any
    ) -> Any:
        if requested_message not in TRIGGERABLE:
            return self.results.TriggerMessage(status="NotImplemented")
        evse_id = (evse or {}).get("id")
        if evse_id and evse_id not in self._station.connectors:
            return self.results.TriggerMessage(status="Rejected")
        return self.results.TriggerMessage(status="Accepted")

    @after(A.trigger_message)
    def after_trigger_message(
        self, requested_message: str, evse: dict[str, Any] | None = None, **_: Any
    ) -> None:
        evse_id = (evse or {}).get("id")
        if requested_message == SIGN_TRIGGER:
            self.request_certificate()
        elif requested_message in TRIGGERABLE and (
            not evse_id or evse_id in self._station.connectors
        ):
            self._station.trigger(requested_message, evse_id)

    async def _handle_call(self, msg: Any) -> None:
        # ocpp 2.1.0 answers an unhandled action nothing at all on 2.1 (its key-error mapping
        # only knows 1.6 and 2.0.1), which would stall the CSMS's one call in flight.
        if msg.action not in self.route_map:  # type: ignore[attr-defined]
            raise OcppNotImplemented(details={"cause": f"No handler for {msg.action} registered."})
        await super()._handle_call(msg)  # type: ignore[misc]


class V2Link(V2ExternalLimits):
    """A station's 2.x messages, built with its version's `calls` module (`ocpp.v201.call`
    or `ocpp.v21.call`); `answers` are its 2.x answers to the CSMS."""

    answers: ClassVar[type] = V2Answers

    def __init__(self, station: StationHost, calls: ModuleType, rng: random.Random) -> None:
        self._wire = station
        self.calls = calls
        self._rng = rng
        self._reported: dict[int, str] = {}  # connectorStatus last sent per EVSE
        self._charging: dict[int, str] = {}  # chargingState last sent per EVSE
        self._seq: dict[int, int] = {}  # seqNo of the next TransactionEvent per EVSE
        self.ev = EvCharging(station, calls, rng)  # ISO 15118 EVs' needs and schedules

    @property
    def meter_interval(self) -> float:
        """Seconds between TransactionEvent Updated while charging (TxUpdatedInterval)."""
        return self._wire.meter_interval

    async def boot(self, reason: str) -> BootAnswer | None:
        """BootNotification with its reason (PowerUp, Triggered…)."""
        spec = self._wire.spec
        conf = await self._wire.send(
            self.calls.BootNotification(
                charging_station={
                    "model": spec.model,
                    "vendorName": spec.vendor,
                    "firmwareVersion": spec.firmware,
                    "serialNumber": f"SN-{spec.station_id}",
                },
                reason=reason,
            )
        )
        return None if conf is None else BootAnswer(conf.status == "Accepted", conf.interval)

    async def heartbeat(self) -> None:
        """Heartbeat."""
        await self._wire.send(self.calls.Heartbeat())

    async def report_station(self) -> None:
        """2.x has no station-wide status: report every EVSE's status again, changed or not."""
        self._reported.clear()

    async def reservation_ended(self, reservation: Reservation, why: ReservationEnd) -> None:
        """ReservationStatusUpdate: Expired, or Removed (e.g. the EVSE became inoperative)."""
        await self._wire.send(
            self.calls.ReservationStatusUpdate(
                reservation_id=reservation.reservation_id, reservation_update_status=why
            )
        )

    async def security_event(self, kind: str) -> None:
        """SecurityEventNotification."""
        await report_event(self._wire, self.calls, kind)

    async def report_status(self, connector: ConnectorSim, changed: bool) -> None:
        """StatusNotification when the connectorStatus changed or was asked for; inside a
        transaction a new chargingState is a TransactionEvent Updated."""
        evse = connector.connector_id
        status = CONNECTOR_STATUS.get(connector.status, "Unavailable")
        if not changed or self._reported.get(evse) != status:
            self._reported[evse] = status
            await self._wire.send(
                self.calls.StatusNotification(
                    timestamp=self._wire.timestamp(),
                    connector_status=status,
                    evse_id=evse,
                    connector_id=CONNECTOR_ID,
                )
            )
        state = CHARGING_STATE.get(connector.status)
        in_transaction = changed and connector.transaction_id is not None
        if in_transaction and state is not None and self._charging.get(evse) != state:
            if connector.status == Status.CHARGING:  # an ISO 15118 EV tells its needs first
                await self.ev.charging(connector)
            await self._event(connector, "Updated", "ChargingStateChanged", state)

    async def authorize(self, id_tag: str) -> TagVerdict | None:
        """Authorize with an ISO14443 idToken: its idTokenInfo's status and groupIdToken."""
        contract = plug_and_charge(self._wire.settings.contract_certificates, id_tag)
        if contract is not None:  # the EV's contract authorizes (Plug & Charge, C07)
            return await contract_authorize(self._wire.send, self.calls, contract)
        result = await self._wire.send(self.calls.Authorize(id_token=self._token(id_tag)))
        return None if result is None else from_id_token_info(result.id_token_info)

    async def start_transaction(
        self, connector: ConnectorSim, id_tag: str, remote_start_id: int | None
    ) -> tuple[int | str, bool] | None:
        """TransactionEvent Started under a fresh transaction id, with the opening reading."""
        tx_id = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        evse = connector.connector_id
        self._seq[evse] = 0
        info: dict[str, Any] = {"transactionId": tx_id, "chargingState": "EVConnected"}
        if remote_start_id is not None:
            info["remoteStartId"] = remote_start_id
        self._charging[evse] = "EVConnected"
        kept = connector.reservation
        result = await self._wire.send(
            self.calls.TransactionEvent(
                event_type="Started",
                timestamp=self._wire.timestamp(),
                trigger_reason="RemoteStart" if remote_start_id is not None else "Authorized",
                seq_no=self._next_seq(evse),
                transaction_info=info,
                evse={"id": evse, "connectorId": CONNECTOR_ID},
                id_token=self._token(id_tag),
                meter_value=[self._sample(connector, Context.BEGIN)],
                reservation_id=kept.reservation_id if kept and kept.id_tag == id_tag else None,
            )
        )
        if result is None:
            return None
        self._wire.costs.told(tx_id, result.total_cost)
        # The CSMS may refuse the token in its answer; no idTokenInfo means no objection.
        info_back = result.id_token_info
        return tx_id, info_back is None or _accepted(info_back)

    async def meter_values(self, connector: ConnectorSim, context: str) -> None:
        """Readings: a TransactionEvent Updated inside a transaction, MeterValues outside."""
        if connector.transaction_id is None:
            await self._wire.send(
                self.calls.MeterValues(
                    evse_id=connector.connector_id, meter_value=[self._sample(connector, context)]
                )
            )
            await fire_monitors(self._wire, self.calls, connector)
            return
        state = self._charging.get(connector.connector_id, "Charging")
        trigger = UPDATE_TRIGGER.get(context, "Trigger")
        await self._event(connector, "Updated", trigger, state, context)
        await fire_monitors(self._wire, self.calls, connector)

    async def stop_transaction(self, connector: ConnectorSim, reason: str) -> None:
        """TransactionEvent Ended with the stoppedReason and the closing reading."""
        stopped, trigger = ENDED.get(reason, OTHER_END)
        await self._event(connector, "Ended", trigger, "EVConnected", Context.END, stopped)
        self._seq.pop(connector.connector_id, None)
        self._charging.pop(connector.connector_id, None)

    async def _event(
        self,
        connector: ConnectorSim,
        event: str,
        trigger: str,
        state: str,
        context: str | None = None,
        stopped: str | None = None,
    ) -> None:
        evse = connector.connector_id
        self._charging[evse] = state
        info: dict[str, Any] = {"transactionId": connector.transaction_id, "chargingState": state}
        if stopped is not None:
            info["stoppedReason"] = stopped
        result = await self._wire.send(
            self.calls.TransactionEvent(
                event_type=event,
                timestamp=self._wire.timestamp(),
                trigger_reason=trigger,
                seq_no=self._next_seq(evse),
                transaction_info=info,
                meter_value=None if context is None else [self._sample(connector, context)],
                # The tag presented to end it (C09 its group's, C16 a master pass).
                id_token=self._token(by) if stopped and (by := connector.stopped_by) else None,
            )
        )
        if result is not None:  # the running or final cost, when the CSMS tells one
            self._wire.costs.told(connector.transaction_id, result.total_cost)

    def _next_seq(self, evse: int) -> int:
        seq = self._seq.get(evse, 0)
        self._seq[evse] = seq + 1
        return seq

    def _token(self, id_tag: str) -> dict[str, str]:
        contract = plug_and_charge(self._wire.settings.contract_certificates, id_tag)
        if contract is not None:  # the EV's eMAID
            return contract_token(contract)
        return {"idToken": id_tag, "type": TOKEN_TYPE}

    def _sample(self, connector: ConnectorSim, context: str) -> dict[str, Any]:
        return {
            "timestamp": self._wire.timestamp(),
            "sampledValue": [
                {
                    "value": round(connector.meter_wh, 1),
                    "context": context,
                    "measurand": "Energy.Active.Import.Register",
                    "unitOfMeasure": {"unit": "Wh"},
                },
                {
                    "value": round(connector.power_w),
                    "context": context,
                    "measurand": "Power.Active.Import",
                    "unitOfMeasure": {"unit": "W"},
                },
            ],
        }
