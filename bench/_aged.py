"""A data dir as a CSMS leaves it after days of serving a fleet: every station's state
at its bounds (core/model/limits.py), saved as the snapshot the CSMS restores.

A soak of minutes starts from it so that what it measures of memory is the steady
state: the bounded histories are full from the first second, and memory that still
grows is a leak, not a window filling. Not a benchmark itself.
"""

from __future__ import annotations

from pathlib import Path

from ocppdeck.core.disk import files, snapshot
from ocppdeck.core.model import limits
from ocppdeck.core.model.projection import Projection
from ocppdeck.core.model.state import Transaction
from ocppdeck.core.sim.spec import StationSpec

AGED_PREFIX = "AGED-"  # ids of the made-up closed transactions, never a CSMS's own
SAMPLE_EVERY_S = 10.0


def aged_projection(specs: list[StationSpec], now: float) -> Projection:
    """Each station with full meter histories on its EVSEs and its bound of closed
    transactions, all of them in the past of `now`."""
    projection = Projection()
    state = projection.state
    history_s = limits.METER_HISTORY * SAMPLE_EVERY_S
    for spec in specs:
        station = state.station(spec.station_id)
        for evse_id in range(1, spec.connectors + 1):
            evse = station.evse(evse_id)
            evse.connector(1)
            for n in range(limits.METER_HISTORY):
                evse.add_sample(now - history_s + n * SAMPLE_EVERY_S, 1_000.0 + n * 20, 7_200.0)
        for n in range(limits.MAX_CLOSED_TRANSACTIONS):
            began = now - 86_400 + n * 600
            tx = Transaction(
                spec.station_id,
                f"{AGED_PREFIX}{n}",
                evse_id=1 + n % spec.connectors,
                id_tag="TAG-0001",
                started_at=began,
                meter_start=0.0,
                stopped_at=began + 300,
                meter_stop=6_000.0,
                stop_reason="EVDisconnected",
            )
            state.add(tx)
            state.reindex(tx)
    state.last_ts = now
    return projection


def write_aged_data_dir(snapshot_path: Path, specs: list[StationSpec], now: float) -> int:
    """Save the aged state as the snapshot of an empty recording; its size in bytes."""
    data = snapshot.dump(aged_projection(specs, now), 0)
    files.write_atomic(snapshot_path, data)
    return len(data)
