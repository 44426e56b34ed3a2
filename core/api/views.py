"""What the API answers: the core's records as plain JSON values. Pure.

Times are OCPP timestamps (UTC, ISO 8601) or null; names are camelCase as in OCPP.
"""

from __future__ import annotations

from typing import Any

from ..clock import to_iso
from ..csms.id_tags import TagView
from ..csms.outbound_queue import Outcome, QueuedCall, QueuedCallRecord
from ..csms.registry import Registered
from ..csms.schemas import wire_json
from ..model.state import EvseState, State, StationState, Transaction, connector_count


def _iso(ts: float | None) -> str | None:
    return None if ts is None else to_iso(ts)


def evse_view(evse: EvseState) -> dict[str, Any]:
    """An EVSE (1.6: a connector) with its status, meter and connectors."""
    return {
        "id": evse.evse_id,
        "status": evse.status,
        "errorCode": evse.error_code,
        "info": evse.info,
        "statusAt": _iso(evse.status_at),
        "energyWh": evse.energy_wh,
        "energyAt": _iso(evse.energy_at),
        "powerW": evse.power_w,
        "powerAt": _iso(evse.power_at),
        "connectors": [
            {"id": c.connector_id, "status": c.status, "statusAt": _iso(c.status_at)}
            for _, c in sorted(evse.connectors.items())
        ],
    }


def station_view(station: StationState, state: State) -> dict[str, Any]:
    """A station: who it is, whether it is online, its connector count and its EVSEs."""
    count = connector_count(station)
    return {
        "id": station.station_id,
        "online": state.is_online(station),
        "protocol": station.protocol,
        "vendor": station.vendor,
        "model": station.model,
        "firmware": station.firmware,
        "serial": station.serial,
        "bootStatus": station.boot_status,
        "status": station.status,
        "errorCode": station.error_code,
        "connectedAt": _iso(station.connected_at),
        "disconnectedAt": _iso(station.disconnected_at),
        "lastHeartbeat": _iso(station.last_heartbeat),
        "lastFrame": _iso(station.last_frame),
        "frames": station.frames,
        "declaredConnectors": count.declared,
        "seenConnectors": count.seen,
        "connectorCountCorrect": count.correct,
        "evses": [evse_view(e) for _, e in sorted(station.evses.items())],
    }


def transaction_view(tx: Transaction, state: State) -> dict[str, Any]:
    """A transaction, open or closed, with the energy it has delivered so far."""
    return {
        "station": tx.station,
        "transactionId": tx.transaction_id,
        "evse": tx.evse_id,
        "idTag": tx.id_tag,
        "open": tx.is_open,
        "startedAt": _iso(tx.started_at),
        "stoppedAt": _iso(tx.stopped_at),
        "meterStart": tx.meter_start,
        "meterStop": tx.meter_stop,
        "stopReason": tx.stop_reason,
        "energyWh": state.energy_so_far(tx),
    }


def registered_view(entry: Registered) -> dict[str, Any]:
    """A registry entry; a password's hash never leaves the CSMS, only whether there is one."""
    return {
        "id": entry.station_id,
        "standing": entry.standing.value,
        "hasPassword": entry.password_hash is not None,
        "addedAt": _iso(entry.added_at),
    }


def tag_view(view: TagView) -> dict[str, Any]:
    """An id tag as stored, and what Authorize would answer for it now."""
    tag = view.tag
    return {
        "idTag": tag.tag,
        "status": tag.status,
        "effectiveStatus": view.effective,
        "parent": tag.parent,
        "expiry": tag.expiry,
        "type": tag.token_type,
    }


def record_view(record: QueuedCallRecord) -> dict[str, Any]:
    """An entry of the outbound queue (queued, in flight or recently ended)."""
    return {
        "id": record.id,
        "station": record.station,
        "action": record.action,
        "state": record.state.value,
        "createdAt": _iso(record.created_at),
        "status": record.status,
        "detail": record.detail,
    }


def queued_view(command: QueuedCall, created_at: float) -> dict[str, Any]:
    """A command just queued, as its queue entry will show it."""
    return {
        "id": command.id,
        "station": command.station,
        "action": command.action,
        "state": command.state.value,
        "createdAt": _iso(created_at),
        "payload": wire_json(command.payload),
    }


def outcome_view(outcome: Outcome) -> dict[str, Any]:
    """How a command ended: its state, the status the answer carries, and the answer."""
    answer = wire_json(outcome.response) if outcome.response is not None else None
    return {
        "state": outcome.state.value,
        "status": outcome.status,
        "detail": outcome.detail,
        "accepted": outcome.accepted,
        "answer": answer,
    }
