"""A data dir as a CSMS leaves it after days of serving a fleet: every station's state
at its bounds (core/model/limits.py), or where a long run's eviction leaves it, saved
as the snapshot the CSMS restores.

A soak of minutes starts from it so that what it measures of memory is the steady
state: the bounded histories are full from the first second, and memory that still
grows is a leak, not a window filling. Not a benchmark itself.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from ocppdeck.core.dialects import V16
from ocppdeck.core.disk import files, snapshot
from ocppdeck.core.model import limits
from ocppdeck.core.model.projection import Projection
from ocppdeck.core.model.state import Transaction
from ocppdeck.core.sim.spec import StationSpec

AGED_PREFIX = "AGED-"  # ids of the made-up closed transactions, never a CSMS's own
SAMPLE_EVERY_S = 10.0


def closed_kept(index: int) -> int:
    """The closed transactions station `index` keeps in a long run's steady state.

    Past its bound a station drops a tenth at once (State.reindex), so over days each
    keeps between nine tenths of the bound and the bound, and the fleet's stations are
    spread over that sawtooth. Starting them all at the bound would make the first
    minutes drop a tenth everywhere and then refill it: a window filling, not a leak.
    """
    bound = limits.MAX_CLOSED_TRANSACTIONS
    return bound - index % (bound // 10 + 1)


def _aged_transaction(spec: StationSpec, n: int, began: float) -> Transaction:
    """A closed transaction as the fleet's own leave them: a 2.x one with its uuid-long id,
    its TransactionEvent seqNos and its cost, each value its own object."""
    v2 = spec.protocol != V16.name
    return Transaction(
        spec.station_id,
        f"{AGED_PREFIX}{uuid.UUID(int=n, version=4)}" if v2 else f"{AGED_PREFIX}{n}",
        evse_id=1 + n % spec.connectors,
        id_tag=f"TAG-{n % 10_000:04d}",
        started_at=began,
        meter_start=0.0,
        stopped_at=began + 300,
        meter_stop=6_000.0 + n,
        stop_reason="EVDisconnected",
        seq_runs=((0, 4 + n % 8),) if v2 else (),
        cost=1.5 + n / 100 if v2 else None,
        cost_at=began + 300 if v2 else None,
        heard_at=began + 300,
    )


def aged_projection(specs: list[StationSpec], now: float) -> Projection:
    """Each station with full meter histories on its EVSEs and its steady-state share of
    closed transactions (`closed_kept`), all of them in the past of `now`."""
    projection = Projection()
    state = projection.state
    history_s = limits.METER_HISTORY * SAMPLE_EVERY_S
    for index, spec in enumerate(specs):
        station = state.station(spec.station_id)
        for evse_id in range(1, spec.connectors + 1):
            evse = station.evse(evse_id)
            evse.connector(1)
            for n in range(limits.METER_HISTORY):
                evse.add_sample(now - history_s + n * SAMPLE_EVERY_S, 1_000.0 + n * 20, 7_200.0)
        for n in range(closed_kept(index)):
            tx = _aged_transaction(spec, n, now - 86_400 + n * 600)
            state.add(tx)
            state.reindex(tx)
    state.last_ts = now
    return projection


def write_aged_data_dir(snapshot_path: Path, specs: list[StationSpec], now: float) -> int:
    """Save the aged state as the snapshot of an empty recording; its size in bytes."""
    data = snapshot.dump(aged_projection(specs, now), 0)
    files.write_atomic(snapshot_path, data)
    return len(data)
