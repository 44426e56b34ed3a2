"""Readings that wait for their transaction's EVSE, per station, in bounded memory.

A 2.x event that names no EVSE (authorized before plug-in), or a stop folded ahead of
its start, carries readings the projection cannot place yet; they wait here by
transaction until the transaction's EVSE is known.
"""

from __future__ import annotations

from .facts import MeterSample
from .limits import MAX_PENDING_SAMPLES, METER_HISTORY


def _age(sample: MeterSample) -> tuple[float, float, float]:
    energy, power = sample.energy_wh, sample.power_w
    return (sample.at, -1.0 if energy is None else energy, -1.0 if power is None else power)


class PendingSamples:
    """Waiting readings by station and transaction, oldest transaction first.

    Per transaction only the newest METER_HISTORY by time are kept (no more could land
    in the EVSE's history), so that bound loses nothing; per station past
    MAX_PENDING_SAMPLES the transaction that began waiting first gives its readings up.
    """

    __slots__ = ("_counts", "_stations")

    def __init__(self) -> None:
        self._stations: dict[str, dict[str, list[MeterSample]]] = {}
        self._counts: dict[str, int] = {}

    def add(self, station_id: str, transaction_id: str, sample: MeterSample) -> None:
        """Keep a reading until its transaction's EVSE is known."""
        waiting = self._stations.setdefault(station_id, {})
        samples = waiting.setdefault(transaction_id, [])
        samples.append(sample)
        count = self._counts.get(station_id, 0) + 1
        if len(samples) > METER_HISTORY:
            samples.sort(key=_age)  # nearly sorted already: a linear pass
            del samples[0]
            count -= 1
        while count > MAX_PENDING_SAMPLES:
            oldest = next(iter(waiting))
            count -= len(waiting.pop(oldest))
        self._counts[station_id] = count

    def take(self, station_id: str, transaction_id: str) -> list[MeterSample]:
        """The readings waiting for one transaction, no longer waiting."""
        waiting = self._stations.get(station_id)
        samples = waiting.pop(transaction_id, None) if waiting is not None else None
        if waiting is None or samples is None:
            return []
        self._counts[station_id] -= len(samples)
        if not waiting:
            del self._stations[station_id], self._counts[station_id]
        return samples

    def items(self) -> list[tuple[tuple[str, str], list[MeterSample]]]:
        """Every waiting list by (station, transaction), oldest first (to save them)."""
        return [
            ((station_id, tx_id), samples)
            for station_id, waiting in self._stations.items()
            for tx_id, samples in waiting.items()
        ]

    @classmethod
    def restored(cls, items: list[tuple[tuple[str, str], list[MeterSample]]]) -> PendingSamples:
        """Waiting readings as `items` listed them."""
        pending = cls()
        for (station_id, tx_id), samples in items:
            if samples:
                pending._stations.setdefault(station_id, {})[tx_id] = list(samples)
                pending._counts[station_id] = pending._counts.get(station_id, 0) + len(samples)
        return pending
