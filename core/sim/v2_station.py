"""Simulated OCPP 2.0.1 and 2.1 stations: `SimStationV2`, built on the 1.6 `SimStation`.

Same connection, backoff, boot and connector state machine; each spec connector is one EVSE
with a single connector. A 2.0.1 station answers the common CSMS requests (remote start/stop,
base report, variables, reset, unlock, availability, trigger), and so does a 2.1 station, whose
other requests are answered NotImplemented.
"""

from __future__ import annotations

import random
from types import ModuleType
from typing import Any

from ocpp import v21
from ocpp.charge_point import ChargePoint as AnyChargePoint
from ocpp.exceptions import NotImplementedError as OcppNotImplemented
from ocpp.routing import after, on
from ocpp.v16.enums import ConfigurationStatus, Reason
from ocpp.v201 import ChargePoint, call, call_result
from ocpp.v201.enums import Action
from websockets.asyncio.client import ClientConnection

from .connector import ConnectorSim, StationLink
from .links.v2 import CONNECTOR_ID, CONNECTOR_STATUS, V2Link
from .links.v16 import wire_log
from .station import FIRMWARE, SimStation

CALLS: dict[str, ModuleType] = {"ocpp2.0.1": call, "ocpp2.1": v21.call}
TRIGGERABLE = ("BootNotification", "Heartbeat", "StatusNotification", "MeterValues")
# (component, variable) -> the 1.6 configuration key behind it, so both versions share one store
VARIABLES = {
    ("OCPPCommCtrlr", "HeartbeatInterval"): "HeartbeatInterval",
    ("SampledDataCtrlr", "TxUpdatedInterval"): "MeterValueSampleInterval",
    ("SampledDataCtrlr", "TxUpdatedMeasurands"): "MeterValuesSampledData",
}
SET_STATUS = {
    ConfigurationStatus.accepted: "Accepted",
    ConfigurationStatus.rejected: "Rejected",
    ConfigurationStatus.not_supported: "UnknownVariable",
}


class SimStationV2(SimStation):
    """A simulated 2.0.1 or 2.1 charging station with one EVSE per spec connector."""

    protocols = tuple(CALLS)
    _v2: V2Link

    def _new_link(self, rng: random.Random) -> StationLink:
        self._v2 = V2Link(self, CALLS[self.spec.protocol], random.Random(rng.getrandbits(64)))
        return self._v2

    def _new_point(self, ws: ClientConnection) -> AnyChargePoint:
        point = V21Point if self.spec.protocol == "ocpp2.1" else V201Point
        return point(self, ws)

    def _heartbeat(self) -> Any:
        return CALLS[self.spec.protocol].Heartbeat()

    def _boot_request(self, reason: str = "PowerUp") -> Any:
        return CALLS[self.spec.protocol].BootNotification(
            charging_station={
                "model": self.spec.model,
                "vendorName": self.spec.vendor,
                "firmwareVersion": FIRMWARE,
                "serialNumber": f"SN-{self.spec.station_id}",
            },
            reason=reason,
        )

    async def _report_station(self) -> None:
        # 2.x has no station-wide status; a fresh connection re-reports every EVSE instead.
        self._v2.forget_reported()

    def set_availability(self, connector_id: int, operative: bool) -> None:
        """ChangeAvailability: EVSE 0 (or none named) means the whole station."""
        for connector in self.targets(connector_id):
            connector.set_operative(operative)

    def variables(self) -> dict[tuple[str, str], tuple[str, bool]]:
        """Device-model variables as (component, variable) -> (value, readonly)."""
        config = self.configuration()
        return {name: config[key] for name, key in VARIABLES.items()}

    def set_variable(self, component: str, variable: str, value: str) -> str:
        """Apply a SetVariables entry; returns its SetVariableStatus."""
        key = VARIABLES.get((component, variable))
        if key is None:
            known = any(c == component for c, _ in VARIABLES)
            return "UnknownVariable" if known else "UnknownComponent"
        return SET_STATUS[self.change_configuration(key, value)]

    def report(self, request_id: int) -> None:
        """Send the NotifyReport for GetBaseReport `request_id` (after the answer has gone)."""
        self._spawn(self._report(request_id), "report")

    async def _report(self, request_id: int) -> None:
        data: list[dict[str, Any]] = []
        for evse, connector in self.connectors.items():
            state = CONNECTOR_STATUS.get(connector.status, "Unavailable")
            for component in (
                {"name": "EVSE", "evse": {"id": evse}},
                {"name": "Connector", "evse": {"id": evse, "connectorId": CONNECTOR_ID}},
            ):
                data.append(_report_entry(component, "AvailabilityState", state, True))
        for (component, variable), (value, readonly) in self.variables().items():
            data.append(_report_entry({"name": component}, variable, value, readonly))
        await self.send(
            CALLS[self.spec.protocol].NotifyReport(
                request_id=request_id,
                generated_at=self.timestamp(),
                seq_no=0,
                tbc=False,
                report_data=data,
            )
        )

    async def _trigger(self, message: str, connector_id: int | None) -> None:
        if message == "BootNotification":
            conf = await self.send(self._boot_request("Triggered"))
            if conf is not None and conf.status == "Accepted":
                self._adopt_interval(conf.interval)
        elif message == "Heartbeat":
            await self.send(self._heartbeat())
        else:
            for connector in self.targets(connector_id):
                if message == "StatusNotification":
                    await connector.report_status()
                else:
                    await connector.send_meter_values("Trigger")


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


class Answers:
    """A `SimStationV2`'s answers to CSMS requests, for one connection; mixed into the 2.0.1
    and 2.1 ChargePoints (these requests have the same fields in both versions).

    As for 1.6, `@on` handlers decide the answer at once and `@after` handlers act once it is on
    the wire. The library hands payload keys over in snake_case, nested ones too.
    """

    def __init__(self, station: SimStationV2, connection: ClientConnection) -> None:
        # Cooperative: the next class in the MRO is the version's ChargePoint.
        super().__init__(  # type: ignore[call-arg]
            station.spec.station_id,
            connection,
            response_timeout=station.response_timeout,
            logger=wire_log,
        )
        self._station = station
        self._remote_starts: dict[str, ConnectorSim] = {}  # call id -> reserved connector

    @on(Action.request_start_transaction)
    def on_request_start(
        self,
        id_token: dict[str, Any],
        remote_start_id: int,
        call_unique_id: str,
        evse_id: int | None = None,
        **_: Any,
    ) -> call_result.RequestStartTransaction:
        free = [c for c in self._station.targets(evse_id) if c.accepts_remote_start()]
        if evse_id == 0 or not free:
            return call_result.RequestStartTransaction(status="Rejected")
        free[0].reserve_remote_start(id_token["id_token"], remote_start_id)
        self._remote_starts[call_unique_id] = free[0]
        return call_result.RequestStartTransaction(status="Accepted")

    @after(Action.request_start_transaction)
    def after_request_start(self, call_unique_id: str, **_: Any) -> None:
        if (connector := self._remote_starts.pop(call_unique_id, None)) is not None:
            connector.wake()

    @on(Action.request_stop_transaction)
    def on_request_stop(self, transaction_id: str, **_: Any) -> call_result.RequestStopTransaction:
        known = transaction_id in self._station.transactions.values()
        return call_result.RequestStopTransaction(status="Accepted" if known else "Rejected")

    @after(Action.request_stop_transaction)
    def after_request_stop(self, transaction_id: str, **_: Any) -> None:
        for connector in self._station.connectors.values():
            connector.request_stop(Reason.remote, transaction_id)

    @on(Action.get_base_report)
    def on_get_base_report(self, **_: Any) -> call_result.GetBaseReport:
        # Every base (configuration, full, summary) gets the same small inventory.
        return call_result.GetBaseReport(status="Accepted")

    @after(Action.get_base_report)
    def after_get_base_report(self, request_id: int, **_: Any) -> None:
        self._station.report(request_id)

    @on(Action.get_variables)
    def on_get_variables(
        self, get_variable_data: list[dict[str, Any]], **_: Any
    ) -> call_result.GetVariables:
        known = self._station.variables()
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
        return call_result.GetVariables(get_variable_result=results)

    @on(Action.set_variables)
    def on_set_variables(
        self, set_variable_data: list[dict[str, Any]], **_: Any
    ) -> call_result.SetVariables:
        results = [
            {
                "attribute_status": self._station.set_variable(
                    item["component"]["name"], item["variable"]["name"], item["attribute_value"]
                ),
                "component": item["component"],
                "variable": item["variable"],
            }
            for item in set_variable_data
        ]
        return call_result.SetVariables(set_variable_result=results)

    @on(Action.reset)
    def on_reset(self, **_: Any) -> call_result.Reset:
        return call_result.Reset(status="Accepted")

    @after(Action.reset)
    def after_reset(self, type: str, **_: Any) -> None:
        # OnIdle is treated like a soft reset: open transactions are settled first anyway.
        hard = type == "Immediate"
        self._station.reset(Reason.hard_reset if hard else Reason.soft_reset)

    @on(Action.unlock_connector)
    def on_unlock_connector(
        self, evse_id: int, connector_id: int, **_: Any
    ) -> call_result.UnlockConnector:
        known = evse_id in self._station.connectors and connector_id == CONNECTOR_ID
        return call_result.UnlockConnector(status="Unlocked" if known else "UnknownConnector")

    @after(Action.unlock_connector)
    def after_unlock_connector(self, evse_id: int, **_: Any) -> None:
        # Unlocking the cable ends whatever session was running on it.
        connector = self._station.connectors.get(evse_id)
        if connector is not None and connector.transaction_id is not None:
            connector.request_stop(Reason.unlock_command, connector.transaction_id)

    @on(Action.change_availability)
    def on_change_availability(
        self, evse: dict[str, Any] | None = None, **_: Any
    ) -> call_result.ChangeAvailability:
        evse_id = (evse or {}).get("id", 0)
        addressed = self._station.targets(evse_id)
        if evse_id != 0 and not addressed:
            return call_result.ChangeAvailability(status="Rejected")
        busy = any(c.transaction_id is not None for c in addressed)
        return call_result.ChangeAvailability(status="Scheduled" if busy else "Accepted")

    @after(Action.change_availability)
    def after_change_availability(
        self, operational_status: str, evse: dict[str, Any] | None = None, **_: Any
    ) -> None:
        evse_id = (evse or {}).get("id", 0)
        self._station.set_availability(evse_id, operational_status == "Operative")

    @on(Action.trigger_message)
    def on_trigger_message(
        self, requested_message: str, evse: dict[str, Any] | None = None, **_: Any
    ) -> call_result.TriggerMessage:
        if requested_message not in TRIGGERABLE:
            return call_result.TriggerMessage(status="NotImplemented")
        evse_id = (evse or {}).get("id")
        if evse_id and evse_id not in self._station.connectors:
            return call_result.TriggerMessage(status="Rejected")
        return call_result.TriggerMessage(status="Accepted")

    @after(Action.trigger_message)
    def after_trigger_message(
        self, requested_message: str, evse: dict[str, Any] | None = None, **_: Any
    ) -> None:
        evse_id = (evse or {}).get("id")
        if requested_message in TRIGGERABLE and (
            not evse_id or evse_id in self._station.connectors
        ):
            self._station.trigger(requested_message, evse_id)


class V201Point(Answers, ChargePoint):
    """The 2.0.1 side of a `SimStationV2` for one connection."""


class V21Point(Answers, v21.ChargePoint):
    """The 2.1 side of a `SimStationV2` for one connection; other requests are NotImplemented."""

    async def _handle_call(self, msg: Any) -> None:
        # ocpp 2.1.0 answers an unhandled action nothing at all on 2.1 (its key-error mapping
        # only knows 1.6 and 2.0.1), which would stall the CSMS's one call in flight.
        if msg.action not in self.route_map:
            raise OcppNotImplemented(details={"cause": f"No handler for {msg.action} registered."})
        await super()._handle_call(msg)
