"""OCPP 1.6 for a simulated station: its messages (BootNotification, Heartbeat,
StatusNotification, Authorize, Start/StopTransaction, MeterValues) and its answers to
the CSMS's requests (reservations, local list and charging limits in v16_features.py).
The station's words (statuses, contexts, stop reasons) are 1.6's."""

from __future__ import annotations

import random
from types import ModuleType
from typing import Any, ClassVar

from ocpp.routing import after, on
from ocpp.v16 import call_result
from ocpp.v16.datatypes import KeyValue, MeterValue, SampledValue
from ocpp.v16.enums import (
    Action,
    AuthorizationStatus,
    AvailabilityStatus,
    AvailabilityType,
    ClearCacheStatus,
    Measurand,
    RemoteStartStopStatus,
    ResetStatus,
    ResetType,
    TriggerMessageStatus,
    UnitOfMeasure,
    UnlockStatus,
)

from .. import vendor_messages
from ..connector import ConnectorSim, StopReason
from ..host import BootAnswer, StationAnswers, StationHost
from ..reservations import Reservation, ReservationEnd
from ..tag_verdict import TagVerdict, from_id_tag_info
from .v16_features import V16Features
from .v16_maintenance import V16Maintenance
from .v16_security import V16Security, report_event

# The 1.6 security whitepaper's configuration key for the HTTP Basic password.
PASSWORD_KEY = "AuthorizationKey"


def _accepted(result: Any | None) -> bool:
    """Whether an Authorize/StartTransaction result carries an Accepted idTagInfo."""
    return result is not None and result.id_tag_info.get("status") == AuthorizationStatus.accepted


# What a TriggerMessage may ask of a simulated 1.6 station.
TRIGGERABLE = frozenset({"BootNotification", "Heartbeat", "StatusNotification", "MeterValues"})


class V16Answers(V16Security, V16Maintenance, V16Features, StationAnswers):
    """A simulated station's 1.6 answers to the CSMS, for one connection (mixed into the
    library's ChargePoint by the dialect registry).

    `@on` handlers decide the answer without waiting on anything (the receive loop runs them);
    `@after` handlers act once the answer is on the wire, so follow-ups never overtake it.
    """

    @on(Action.remote_start_transaction)
    def on_remote_start(
        self, id_tag: str, call_unique_id: str, connector_id: int | None = None, **_: Any
    ) -> call_result.RemoteStartTransaction:
        addressed = self._station.targets(connector_id)
        free = [c for c in addressed if c.accepts_remote_start(id_tag)]
        if connector_id == 0 or not free:
            return call_result.RemoteStartTransaction(status=RemoteStartStopStatus.rejected)
        free[0].reserve_remote_start(id_tag)
        self._remote_starts[call_unique_id] = free[0]
        return call_result.RemoteStartTransaction(status=RemoteStartStopStatus.accepted)

    @after(Action.remote_start_transaction)
    def after_remote_start(self, call_unique_id: str, **_: Any) -> None:
        if (connector := self._remote_starts.pop(call_unique_id, None)) is not None:
            connector.wake()

    @on(Action.remote_stop_transaction)
    def on_remote_stop(self, transaction_id: int, **_: Any) -> call_result.RemoteStopTransaction:
        known = transaction_id in self._station.transactions.values()
        status = RemoteStartStopStatus.accepted if known else RemoteStartStopStatus.rejected
        return call_result.RemoteStopTransaction(status=status)

    @after(Action.remote_stop_transaction)
    def after_remote_stop(self, transaction_id: int, **_: Any) -> None:
        for connector in self._station.connectors.values():
            connector.request_stop(StopReason.REMOTE, transaction_id)

    @on(Action.get_configuration)
    def on_get_configuration(
        self, key: list[str] | None = None, **_: Any
    ) -> call_result.GetConfiguration:
        config = self._station.configuration()
        wanted = key or list(config)
        return call_result.GetConfiguration(
            configuration_key=[
                KeyValue(key=k, readonly=config[k][1], value=config[k][0])
                for k in wanted
                if k in config
            ],
            unknown_key=[k for k in wanted if k not in config] or None,
        )

    @on(Action.change_configuration)
    def on_change_configuration(
        self, key: str, value: str, **_: Any
    ) -> call_result.ChangeConfiguration:
        if key == PASSWORD_KEY:  # write-only: never in GetConfiguration
            taken = self._station.change_password(value)
            return call_result.ChangeConfiguration(status="Accepted" if taken else "Rejected")
        return call_result.ChangeConfiguration(
            status=self._station.change_configuration(key, value)
        )

    @after(Action.change_configuration)
    def after_change_configuration(self, key: str, value: str, **_: Any) -> None:
        if key == PASSWORD_KEY and self._station.password == value:
            self._station.relogin()

    @on(Action.reset)
    def on_reset(self, **_: Any) -> call_result.Reset:
        return call_result.Reset(status=ResetStatus.accepted)

    @after(Action.reset)
    def after_reset(self, type: str, **_: Any) -> None:
        self._station.reset(hard=type == ResetType.hard)

    @on(Action.unlock_connector)
    def on_unlock_connector(self, connector_id: int, **_: Any) -> call_result.UnlockConnector:
        known = connector_id in self._station.connectors
        status = UnlockStatus.unlocked if known else UnlockStatus.not_supported
        return call_result.UnlockConnector(status=status)

    @after(Action.unlock_connector)
    def after_unlock_connector(self, connector_id: int, **_: Any) -> None:
        # Unlocking the cable ends whatever session was running on it.
        connector = self._station.connectors.get(connector_id)
        if connector is not None and connector.transaction_id is not None:
            connector.request_stop(StopReason.UNLOCK_COMMAND, connector.transaction_id)

    @on(Action.change_availability)
    def on_change_availability(self, connector_id: int, **_: Any) -> call_result.ChangeAvailability:
        addressed = self._station.targets(connector_id)
        if connector_id != 0 and not addressed:
            return call_result.ChangeAvailability(status=AvailabilityStatus.rejected)
        busy = any(c.transaction_id is not None for c in addressed)
        status = AvailabilityStatus.scheduled if busy else AvailabilityStatus.accepted
        return call_result.ChangeAvailability(status=status)

    @after(Action.change_availability)
    def after_change_availability(self, connector_id: int, type: str, **_: Any) -> None:
        self._station.set_availability(connector_id, type == AvailabilityType.operative)

    @on(Action.trigger_message)
    def on_trigger_message(
        self, requested_message: str, connector_id: int | None = None, **_: Any
    ) -> call_result.TriggerMessage:
        if requested_message not in TRIGGERABLE:
            return call_result.TriggerMessage(status=TriggerMessageStatus.not_implemented)
        if connector_id and connector_id not in self._station.connectors:
            return call_result.TriggerMessage(status=TriggerMessageStatus.rejected)
        return call_result.TriggerMessage(status=TriggerMessageStatus.accepted)

    @after(Action.trigger_message)
    def after_trigger_message(
        self, requested_message: str, connector_id: int | None = None, **_: Any
    ) -> None:
        valid = not connector_id or connector_id in self._station.connectors
        if requested_message in TRIGGERABLE and valid:
            self._station.trigger(requested_message, connector_id)

    @on(Action.data_transfer)
    def on_data_transfer(
        self, vendor_id: str, message_id: str | None = None, data: str | None = None, **_: Any
    ) -> call_result.DataTransfer:
        status, back = vendor_messages.answer(vendor_id, message_id, data)
        return call_result.DataTransfer(status=status, data=back)

    @on(Action.clear_cache)
    def on_clear_cache(self, **_: Any) -> call_result.ClearCache:
        return call_result.ClearCache(status=ClearCacheStatus.accepted)


class V16Link:
    """A station's 1.6 messages; `answers` are its 1.6 answers to the CSMS."""

    answers: ClassVar[type] = V16Answers

    def __init__(self, station: StationHost, calls: ModuleType, rng: random.Random) -> None:
        self._wire = station
        self._calls = calls

    @property
    def meter_interval(self) -> float:
        """Seconds between MeterValues while charging."""
        return self._wire.meter_interval

    async def boot(self, reason: str) -> BootAnswer | None:
        """BootNotification (1.6 gives no reason)."""
        spec = self._wire.spec
        conf = await self._wire.send(
            self._calls.BootNotification(
                charge_point_model=spec.model,
                charge_point_vendor=spec.vendor,
                charge_point_serial_number=f"SN-{spec.station_id}",
                firmware_version=spec.firmware,
            )
        )
        return None if conf is None else BootAnswer(conf.status == "Accepted", conf.interval)

    async def heartbeat(self) -> None:
        """Heartbeat."""
        await self._wire.send(self._calls.Heartbeat())

    async def report_station(self) -> None:
        """StatusNotification of connector 0: the station as a whole."""
        await self._wire.send(
            self._calls.StatusNotification(
                connector_id=0,
                error_code="NoError",
                status="Available" if self._wire.operative else "Unavailable",
                timestamp=self._wire.timestamp(),
            )
        )

    async def reservation_ended(self, reservation: Reservation, why: ReservationEnd) -> None:
        """1.6 has no message for it: the connector's StatusNotification Available says it."""

    async def security_event(self, kind: str) -> None:
        """SecurityEventNotification (the security extension's)."""
        await report_event(self._wire, self._calls, kind)

    async def report_status(self, connector: ConnectorSim, changed: bool) -> None:
        """Every status change is a StatusNotification in 1.6."""
        await self._wire.send(
            self._calls.StatusNotification(
                connector_id=connector.connector_id,
                error_code=connector.error_code,
                status=connector.status,
                timestamp=self._wire.timestamp(),
            )
        )

    async def authorize(self, id_tag: str) -> TagVerdict | None:
        """Authorize.req: its idTagInfo's status and parentIdTag (the tag's group)."""
        result = await self._wire.send(self._calls.Authorize(id_tag=id_tag))
        return None if result is None else from_id_tag_info(result.id_tag_info)

    async def start_transaction(
        self, connector: ConnectorSim, id_tag: str, remote_start_id: int | None
    ) -> tuple[int | str, bool] | None:
        """StartTransaction.req, naming the reservation it uses; the CSMS numbers the
        transaction (1.6 has no remoteStartId)."""
        kept = connector.reservation
        started = await self._wire.send(
            self._calls.StartTransaction(
                connector_id=connector.connector_id,
                id_tag=id_tag,
                meter_start=round(connector.meter_wh),
                timestamp=self._wire.timestamp(),
                reservation_id=kept.reservation_id if kept and kept.id_tag == id_tag else None,
            )
        )
        return None if started is None else (started.transaction_id, _accepted(started))

    async def meter_values(self, connector: ConnectorSim, context: str) -> None:
        """MeterValues.req, tied to the open transaction if there is one."""
        await self._wire.send(
            self._calls.MeterValues(
                connector_id=connector.connector_id,
                meter_value=[self._sample(connector, context)],
                transaction_id=connector.transaction_id,
            )
        )

    async def stop_transaction(self, connector: ConnectorSim, reason: str) -> None:
        """StopTransaction.req with the final reading as transactionData."""
        await self._wire.send(
            self._calls.StopTransaction(
                meter_stop=round(connector.meter_wh),
                timestamp=self._wire.timestamp(),
                transaction_id=connector.transaction_id,
                reason=reason,
                id_tag=connector.stopped_by or connector.id_tag,  # who ended it, when a tag did
                transaction_data=[self._sample(connector, "Transaction.End")],
            )
        )

    def _sample(self, connector: ConnectorSim, context: str) -> MeterValue:
        return MeterValue(
            timestamp=self._wire.timestamp(),
            sampled_value=[
                SampledValue(
                    value=f"{connector.meter_wh:.1f}",
                    context=context,
                    measurand=Measurand.energy_active_import_register,
                    unit=UnitOfMeasure.wh,
                ),
                SampledValue(
                    value=f"{connector.power_w:.0f}",
                    context=context,
                    measurand=Measurand.power_active_import,
                    unit=UnitOfMeasure.w,
                ),
            ],
        )
