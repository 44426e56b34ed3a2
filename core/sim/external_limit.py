"""Limits from outside OCPP on a simulated station (K11-K13): now and then an EMS or the grid
operator caps one EVSE for a while, and the station tells the CSMS when it comes and goes.

The station obeys the limit through its charging limits (core/sim/charging_limit.py) from
before it reports it until after it reported its end, so every reading taken in between is
under it. A link that can report limits (`LimitReporter`: the 2.x link; 1.6 has no such messages,
so its stations get none) sends the messages. Episodes come one at a time, on average every
`SimSettings.external_limit_every` simulated seconds, drawn from a seeded generator.
"""

from __future__ import annotations

import itertools
import random
from typing import Protocol, runtime_checkable

from .charging_limit import ExternalLimit
from .connector import pause
from .host import StationHost

EPISODE_SECONDS = (60.0, 240.0)  # how long a limit lasts, simulated
SHARE_OF_RATED = (0.3, 0.6)  # of the EVSE's rated power, what a limit leaves it
GRID_OPERATOR = "SO"  # its limits are grid critical
GRID_OPERATOR_CHANCE = 0.3  # the rest are an EMS's


@runtime_checkable
class LimitReporter(Protocol):
    """A link that tells the CSMS of limits from outside OCPP."""

    async def limit_set(self, limit: ExternalLimit) -> None:
        """A limit came (NotifyChargingLimit)."""

    async def limit_cleared(self, limit: ExternalLimit) -> None:
        """A limit went (ClearedChargingLimit)."""


def draw(station: StationHost, rng: random.Random, limit_id: int) -> ExternalLimit:
    """The next limit, from now: on an EVSE with a transaction when there is one (where it
    shows), a share of its rated power, an EMS's or the grid operator's."""
    busy = [n for n, c in station.connectors.items() if c.transaction_id is not None]
    evse = rng.choice(busy or sorted(station.connectors))
    watts = round(station.connectors[evse].rated_power_w * rng.uniform(*SHARE_OF_RATED), -2)
    source = GRID_OPERATOR if rng.random() < GRID_OPERATOR_CHANCE else "EMS"
    now = station.now()
    return ExternalLimit(limit_id, evse, source, watts, now, now + rng.uniform(*EPISODE_SECONDS))


async def external_limits(
    station: StationHost, reporter: LimitReporter, rng: random.Random
) -> None:
    """Limit episodes for as long as the station's connection lives; a limit still held when
    it ends is lifted, as no one could be told of it."""
    every, speed = station.settings.external_limit_every, station.settings.speed
    try:
        for limit_id in itertools.count(1):
            await pause(rng.expovariate(1.0 / every), speed)
            limit = draw(station, rng, limit_id)
            _hold(station, limit)
            await reporter.limit_set(limit)
            await pause(limit.ends_at - limit.starts_at, speed)
            await reporter.limit_cleared(limit)
            _hold(station, None)
    finally:
        if station.limits.external is not None:
            _hold(station, None)


def _hold(station: StationHost, limit: ExternalLimit | None) -> None:
    """Keep `limit` (None: none) and let charging connectors draw what it allows from now."""
    station.limits.external = limit
    for connector in station.connectors.values():
        if connector.transaction_id is not None:
            connector.wake()
