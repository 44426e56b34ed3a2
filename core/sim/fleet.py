"""A simulated fleet: stations of any mix of versions, made from a seed, run and stopped as one."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence

from ..clock import Clock, SystemClock
from ..dialects import DEMO_MIX, DIALECTS
from .spec import MODELS, SimSettings, StationSpec
from .station import SimStation


def fleet_specs(
    count: int = 5, seed: int = 7, protocols: Sequence[str] = DEMO_MIX
) -> list[StationSpec]:
    """Deterministic fleet: ids SIM-001.., 1 to 3 connectors each from random.Random(seed).

    Stations take `protocols` in turn, so any fleet of at least that many has every version.
    """
    if not protocols or set(protocols) - set(DIALECTS):
        raise ValueError(f"protocols must be some of {', '.join(DIALECTS)}: {protocols!r}")
    rng = random.Random(seed)
    specs = []
    for number in range(1, count + 1):
        vendor, model = rng.choice(MODELS)
        protocol = protocols[(number - 1) % len(protocols)]
        specs.append(StationSpec(f"SIM-{number:03d}", rng.randint(1, 3), vendor, model, protocol))
    return specs


class Fleet:
    """A set of simulated stations run as one unit."""

    def __init__(
        self,
        specs: Sequence[StationSpec],
        url: str,
        settings: SimSettings | None = None,
        seed: int = 7,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings or SimSettings()
        shared_clock = clock or SystemClock()
        # One generator per station, keyed by its id, so adding a station reshuffles no other.
        self.stations = [
            SimStation(
                spec, url, self.settings, random.Random(f"{seed}:{spec.station_id}"), shared_clock
            )
            for spec in specs
        ]
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Spawn one task per station; each connects and reconnects on its own."""
        if self._tasks:
            raise RuntimeError("fleet already started")
        self._tasks = [
            asyncio.create_task(s.run(), name=f"sim:{s.spec.station_id}") for s in self.stations
        ]

    async def close(self) -> None:
        """Cancel every station and wait for it: no task or socket is left behind."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
