"""The headless answers: what the state says of stations, connectors, meters and
transactions, as plain JSON-ready data. Pure.

Shape (README.md, "Headless answers"):

    {"stationCount": 2,
     "stations": {"ST-1": {"declaredConnectors": 2, "seenConnectors": 2,
                           "connectorCountCorrect": true, "reason": null,
                           "connectors": {"1": {"reading": 12345.0,
                                                "at": "2023-01-01T10:00:00.000Z"}}}},
     "openTransactions": [{"station": "ST-1", "transactionId": "7", "connectorId": 1,
                           "idTag": "TAG-1", "startedAt": "…", "energyWh": 1200.0}]}

Stations and connectors are sorted (connectors by number, keyed as strings);
connector 0, the station's own meter, is left out. A 1.6 connector and a 2.x
EVSE with one connector are keyed by their number ("1"); an EVSE with several
connectors gets one key per connector, "evse/connector" ("1/1", "1/2"), each
with the EVSE's reading (2.x meters per EVSE). A reading is the newest
Energy.Active.Import.Register (Wh) by the time the station gave it; a
connector seen but never metered has `reading` and `at` null.
"""

from __future__ import annotations

from typing import Any

from ..clock import to_iso
from .state import State, StationState, connector_count


def _iso(ts: float | None) -> str | None:
    return None if ts is None else to_iso(ts)


def station_answers(station: StationState) -> dict[str, Any]:
    """Declared against seen connectors, the verdict and each connector's reading."""
    count = connector_count(station)
    connectors: dict[str, dict[str, Any]] = {}
    for evse_id, evse in sorted(station.evses.items()):
        if evse_id < 1:
            continue
        reading = {"reading": evse.energy_wh, "at": _iso(evse.energy_at)}
        several = len(evse.connectors) > 1
        keys = [f"{evse_id}/{n}" for n in sorted(evse.connectors)] if several else []
        for key in keys or [str(evse_id)]:
            connectors[key] = dict(reading)
    return {
        "declaredConnectors": count.declared,
        "seenConnectors": count.seen,
        "connectorCountCorrect": count.correct,
        "reason": count.reason,
        "connectors": connectors,
    }


def answers(state: State) -> dict[str, Any]:
    """Every answer, in the shape documented above."""
    return {
        "stationCount": len(state.stations),
        "stations": {sid: station_answers(state.stations[sid]) for sid in sorted(state.stations)},
        "openTransactions": [
            {
                "station": tx.station,
                "transactionId": tx.transaction_id,
                "connectorId": tx.evse_id,
                "idTag": tx.id_tag,
                "startedAt": _iso(tx.started_at),
                "energyWh": state.energy_so_far(tx),
            }
            for tx in state.open_transactions()
        ],
    }
