"""The running cost of 2.x transactions, told to their stations (OCPP 2.x block I).

A transaction's energy is the newest Energy.Active.Import.Register of its events
less the first this CSMS saw of it, or the projection's meter start when this
process never saw its start (a restart mid-transaction); its cost is that energy
at its station's price (core/csms/tariff.py).

The answers (core/csms/sessions/v2.py) tell the cost in TransactionEvent answers
to Updated (I02, the running cost) and Ended (I03, the final cost), and a
CostUpdated follows an Updated whose cost is not the one pushed last (I02: the CSMS
may push the running cost), at most once in PUSH_EVERY_S per transaction: each is a
command of the durable queue (a journal line on disk), so a fleet's running costs
must not become a stream of them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..clock import Clock
from ..model.readers.v2 import meter_samples
from ..model.state import State
from .sessions.payload_keys import to_wire
from .tariff import Tariffs, cost_of

# Transactions followed per station: far past the EVSEs a station has; the oldest go first.
MAX_FOLLOWED_PER_STATION = 64
PUSH_EVERY_S = 300.0  # the least time between two CostUpdated of one transaction
_TX_ID_CHARS = 36  # transactionId's bound in the 2.x schemas (an unchecked station's may not be)


def event_energy(meter_value: Any) -> float | None:
    """The newest energy register (Wh) of a TransactionEvent's meterValue, as the
    handlers get it (snake_case keys); None when it carries none."""
    samples = meter_samples(to_wire(meter_value), 0, 0.0, None)
    energies = [(s.at, s.energy_wh) for s in samples if s.energy_wh is not None]
    return max(energies)[1] if energies else None


@dataclass(slots=True)
class _Followed:
    first_wh: float | None = None
    running: float | None = None  # the cost an Updated event's answer told last
    pushed: float | None = None  # the cost a CostUpdated told last
    pushed_at: float | None = None  # when, by the CSMS's clock


class RunningCosts:
    """The 2.x transactions whose cost this CSMS tells, bounded per station."""

    def __init__(self, tariffs: Tariffs, state: Callable[[], State], clock: Clock) -> None:
        self.tariffs = tariffs
        self._state = state
        self._clock = clock
        self._by_station: dict[str, OrderedDict[str, _Followed]] = {}

    def _followed(self, station_id: str, tx_id: str) -> _Followed:
        txs = self._by_station.setdefault(station_id, OrderedDict())
        found = txs.get(tx_id)
        if found is None:
            found = txs[tx_id] = _Followed()
            while len(txs) > MAX_FOLLOWED_PER_STATION:
                txs.popitem(last=False)
        return found

    def cost(self, station_id: str, tx_id: str, event: str, meter_value: Any) -> float | None:
        """The cost to tell in the answer to a TransactionEvent (`event`: Started, Updated
        or Ended); None when no tariff applies, no energy is known, or it is Started."""
        price = self.tariffs.price_of(station_id)
        if price is None or not 0 < len(tx_id) <= _TX_ID_CHARS:
            return None
        followed = self._followed(station_id, tx_id)
        energy = event_energy(meter_value)
        if followed.first_wh is None and energy is not None:
            followed.first_wh = self._meter_start(station_id, tx_id, energy)
        if event == "Ended":
            txs = self._by_station[station_id]
            txs.pop(tx_id, None)
            if not txs:
                del self._by_station[station_id]
        if event == "Started" or followed.first_wh is None or energy is None:
            return None
        cost = cost_of(energy - followed.first_wh, price)
        if event == "Updated":
            followed.running = cost
        return cost

    def to_push(self, station_id: str, tx_id: str) -> float | None:
        """The running cost a CostUpdated should tell now: the one the last Updated answer
        told, unless a CostUpdated told it already or less than PUSH_EVERY_S ago (then
        None); it is noted as pushed."""
        followed = self._by_station.get(station_id, {}).get(tx_id)
        if followed is None or followed.running is None or followed.running == followed.pushed:
            return None
        now = self._clock.now()
        if followed.pushed_at is not None and now - followed.pushed_at < PUSH_EVERY_S:
            return None
        followed.pushed, followed.pushed_at = followed.running, now
        return followed.running

    def _meter_start(self, station_id: str, tx_id: str, energy: float) -> float:
        """Where the transaction's meter began: the projection's start when it knows it
        (this process may have missed the Started event), else this first reading."""
        state = self._state()
        station = state.stations.get(station_id)
        tx = None if station is None else state.known(station, tx_id)
        if tx is not None and tx.meter_start is not None:
            return tx.meter_start
        return energy
