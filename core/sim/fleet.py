"""A simulated fleet: stations of any mix of versions, made from a seed, run and stopped as one."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import replace

from ..clock import Clock, SystemClock
from ..dialects import DEMO_MIX, DIALECTS
from .contract_certificate import PLUG_AND_CHARGE
from .spec import MODELS, SimSettings, StationModel, StationSpec
from .station import SimStation
from .tag_walk_ups import walk_ups


def fleet_specs(
    count: int = 5,
    seed: int = 7,
    protocols: Sequence[str] = DEMO_MIX,
    models: Sequence[StationModel] = (),
) -> list[StationSpec]:
    """Deterministic fleet: ids SIM-001.., each drawn from random.Random(seed).

    Stations take `protocols` in turn, so any fleet of at least that many has every version.
    With `models` (the templates), each station is one of them, one native to its version
    when there is one: its vendor, model, connectors, firmware and quirks. Without, it is a
    plain station of 1 to 3 connectors.
    """
    if not protocols or set(protocols) - set(DIALECTS):
        raise ValueError(f"protocols must be some of {', '.join(DIALECTS)}: {protocols!r}")
    rng = random.Random(seed)
    # Per version, its native models in a seeded order, dealt in turn: every model shows
    # before any repeats.
    decks = {p: _deck(rng, [m for m in models if m.protocol == p] or models) for p in protocols}
    specs = []
    for number in range(1, count + 1):
        station_id = f"SIM-{number:03d}"
        protocol = protocols[(number - 1) % len(protocols)]
        if models:
            specs.append(_made_from(next(decks[protocol]), station_id, protocol))
            continue
        vendor, model = rng.choice(MODELS)
        specs.append(StationSpec(station_id, rng.randint(1, 3), vendor, model, protocol))
    return specs


def _deck(rng: random.Random, models: Sequence[StationModel]) -> Iterator[StationModel]:
    return itertools.cycle(rng.sample(list(models), len(models))) if models else iter(())


def _made_from(model: StationModel, station_id: str, protocol: str) -> StationSpec:
    return StationSpec(
        station_id,
        model.connectors,
        model.vendor,
        model.model,
        protocol,
        firmware=model.firmware,
        quirks=model.quirks,
        template=model.template,
    )


def _drivers_of(settings: SimSettings, spec: StationSpec) -> SimSettings:
    """The settings of one station: at one whose version has Plug & Charge, the EVs with a
    contract arrive too, their eMAIDs among the drivers' tags."""
    emaids = tuple(
        c.emaid for c in settings.contract_certificates if c.emaid not in settings.id_tags
    )
    if not emaids or PLUG_AND_CHARGE not in DIALECTS[spec.protocol].station_actions:
        return settings
    return replace(settings, id_tags=(*settings.id_tags, *emaids))


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
                spec,
                url,
                _drivers_of(self.settings, spec),
                random.Random(f"{seed}:{spec.station_id}"),
                shared_clock,
            )
            for spec in specs
        ]
        # Walk-ups draw from their own generators: turning them on changes no station's draws.
        self._walk_up_rngs = [random.Random(f"{seed}:{spec.station_id}:walk-ups") for spec in specs]
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Spawn one task per station, each connecting and reconnecting on its own, and one
        for the people who walk up to it with tags, when `walk_up_every` asks for them."""
        if self._tasks:
            raise RuntimeError("fleet already started")
        self._tasks = [
            asyncio.create_task(s.run(), name=f"sim:{s.spec.station_id}") for s in self.stations
        ]
        if self.settings.walk_up_every > 0:
            self._tasks += [
                asyncio.create_task(walk_ups(s, rng), name=f"sim:{s.spec.station_id}:walk-ups")
                for s, rng in zip(self.stations, self._walk_up_rngs, strict=True)
            ]

    async def close(self) -> None:
        """Cancel every station and wait for it: no task or socket is left behind."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
