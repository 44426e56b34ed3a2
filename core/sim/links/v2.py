"""The OCPP 2.0.1 / 2.1 messages of a simulated connector (one EVSE with one connector).

The connector state machine speaks in 1.6 terms; this link maps them: its statuses to a
connectorStatus (Preparing..Finishing are all Occupied) and a transaction's chargingState,
StartTransaction/MeterValues/StopTransaction to TransactionEvent Started/Updated/Ended, and 1.6
stop reasons to a stoppedReason with its triggerReason. The station numbers its transactions.
"""

from __future__ import annotations

import random
import uuid
from types import ModuleType
from typing import Any

from ocpp.v16.enums import ChargePointStatus as S16
from ocpp.v16.enums import ReadingContext, Reason

from ..connector import ConnectorSim, Wire

CONNECTOR_ID = 1  # every simulated EVSE has a single connector
TOKEN_TYPE = "ISO14443"  # the RFID cards the simulated drivers carry
CONNECTOR_STATUS = {
    S16.available: "Available",
    S16.preparing: "Occupied",
    S16.charging: "Occupied",
    S16.suspended_ev: "Occupied",
    S16.suspended_evse: "Occupied",
    S16.finishing: "Occupied",
    S16.faulted: "Faulted",
    S16.unavailable: "Unavailable",
}
CHARGING_STATE = {
    S16.preparing: "EVConnected",
    S16.charging: "Charging",
    S16.suspended_ev: "SuspendedEV",
    S16.suspended_evse: "SuspendedEVSE",
    S16.finishing: "EVConnected",
}
# 1.6 reason -> (2.x stoppedReason, triggerReason of the Ended event)
ENDED = {
    Reason.local: ("Local", "StopAuthorized"),
    Reason.ev_disconnected: ("EVDisconnected", "EVDeparted"),
    Reason.remote: ("Remote", "RemoteStop"),
    Reason.de_authorized: ("DeAuthorized", "Deauthorized"),
    Reason.hard_reset: ("ImmediateReset", "ResetCommand"),
    Reason.soft_reset: ("ImmediateReset", "ResetCommand"),
    Reason.unlock_command: ("Other", "UnlockCommand"),
}
OTHER_END = ("Other", "AbnormalCondition")  # e.g. a transaction cut off by a dropped link
UPDATE_TRIGGER = {ReadingContext.sample_periodic: "MeterValuePeriodic"}


def _accepted(info: dict[str, Any] | None) -> bool:
    """Whether an idTokenInfo (keys in snake_case, as the library hands them) is Accepted."""
    return info is not None and info.get("status") == "Accepted"


class V2Link:
    """A `StationLink` speaking 2.0.1 or 2.1, whichever `calls` module (`ocpp.v201.call` or
    `ocpp.v21.call`) it is given: the messages it uses have the same fields in both."""

    __slots__ = ("_calls", "_charging", "_reported", "_rng", "_seq", "_wire")

    def __init__(self, wire: Wire, calls: ModuleType, rng: random.Random) -> None:
        self._wire = wire
        self._calls = calls
        self._rng = rng
        self._reported: dict[int, str] = {}  # connectorStatus last sent per EVSE
        self._charging: dict[int, str] = {}  # chargingState last sent per EVSE
        self._seq: dict[int, int] = {}  # seqNo of the next TransactionEvent per EVSE

    @property
    def meter_interval(self) -> float:
        """Seconds between TransactionEvent Updated while charging (TxUpdatedInterval)."""
        return self._wire.meter_interval

    def forget_reported(self) -> None:
        """A new connection: report every EVSE's status again, changed or not."""
        self._reported.clear()

    async def report_status(self, connector: ConnectorSim, changed: bool) -> None:
        """StatusNotification when the connectorStatus changed or was asked for; inside a
        transaction a new chargingState is a TransactionEvent Updated."""
        evse = connector.connector_id
        status = CONNECTOR_STATUS.get(connector.status, "Unavailable")
        if not changed or self._reported.get(evse) != status:
            self._reported[evse] = status
            await self._wire.send(
                self._calls.StatusNotification(
                    timestamp=self._wire.timestamp(),
                    connector_status=status,
                    evse_id=evse,
                    connector_id=CONNECTOR_ID,
                )
            )
        state = CHARGING_STATE.get(connector.status)
        in_transaction = changed and connector.transaction_id is not None
        if in_transaction and state is not None and self._charging.get(evse) != state:
            await self._event(connector, "Updated", "ChargingStateChanged", state)

    async def authorize(self, id_tag: str) -> bool:
        """Authorize with an ISO14443 idToken."""
        result = await self._wire.send(self._calls.Authorize(id_token=self._token(id_tag)))
        return result is not None and _accepted(result.id_token_info)

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
        result = await self._wire.send(
            self._calls.TransactionEvent(
                event_type="Started",
                timestamp=self._wire.timestamp(),
                trigger_reason="RemoteStart" if remote_start_id is not None else "Authorized",
                seq_no=self._next_seq(evse),
                transaction_info=info,
                evse={"id": evse, "connectorId": CONNECTOR_ID},
                id_token=self._token(id_tag),
                meter_value=[self._sample(connector, ReadingContext.transaction_begin)],
            )
        )
        if result is None:
            return None
        # The CSMS may refuse the token in its answer; no idTokenInfo means no objection.
        info_back = result.id_token_info
        return tx_id, info_back is None or _accepted(info_back)

    async def meter_values(self, connector: ConnectorSim, context: str) -> None:
        """Readings: a TransactionEvent Updated inside a transaction, MeterValues outside."""
        if connector.transaction_id is None:
            await self._wire.send(
                self._calls.MeterValues(
                    evse_id=connector.connector_id, meter_value=[self._sample(connector, context)]
                )
            )
            return
        state = self._charging.get(connector.connector_id, "Charging")
        trigger = UPDATE_TRIGGER.get(context, "Trigger")
        await self._event(connector, "Updated", trigger, state, context)

    async def stop_transaction(self, connector: ConnectorSim, reason: str) -> None:
        """TransactionEvent Ended with the stoppedReason and the closing reading."""
        stopped, trigger = ENDED.get(reason, OTHER_END)
        await self._event(
            connector, "Ended", trigger, "EVConnected", ReadingContext.transaction_end, stopped
        )
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
        await self._wire.send(
            self._calls.TransactionEvent(
                event_type=event,
                timestamp=self._wire.timestamp(),
                trigger_reason=trigger,
                seq_no=self._next_seq(evse),
                transaction_info=info,
                meter_value=None if context is None else [self._sample(connector, context)],
            )
        )

    def _next_seq(self, evse: int) -> int:
        seq = self._seq.get(evse, 0)
        self._seq[evse] = seq + 1
        return seq

    @staticmethod
    def _token(id_tag: str) -> dict[str, str]:
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
