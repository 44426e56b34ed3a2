"""People who walk up to a simulated station with a tag while sessions run on it: now and
then a colleague of a charging driver (a tag of the same group) ends the session for them
(1.6 "stop by another idTag", 2.x C09), and rarely an operator presents a master pass at a
station that holds a master pass group (2.x C16), ending every transaction on it.

The walkers only know whom they work with (`SimSettings.colleagues`) and which passes the
operator carries (`SimSettings.master_passes`); what the tag may do is the station's to
decide, from its local list or the CSMS (core/sim/tag_reader.py). Walk-ups come on average
every `SimSettings.walk_up_every` simulated seconds per station (0: never), drawn from a
seeded generator, so a seed replays the same people.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .connector import pause
from .station import SimStation
from .tag_reader import present_tag

log = logging.getLogger("ocppdeck.sim")

MASTER_PASS_CHANCE = 0.2  # of walk-ups at a station with a master pass group: the operator's


@dataclass(frozen=True, slots=True)
class WalkUp:
    """A tag presented at a connector's reader."""

    connector_id: int
    id_tag: str


def choose(
    sessions: Mapping[int, str],
    colleagues: Sequence[Sequence[str]],
    master_passes: Sequence[str],
    has_master_pass: bool,
    rng: random.Random,
) -> WalkUp | None:
    """Who walks up now, given the tag charging on each busy connector (`sessions`): at a
    station with a master pass group (`has_master_pass`), sometimes the operator with a
    master pass; otherwise a colleague of one of the drivers, with their own tag. None when
    no one would: nothing charges, or no driver has a colleague."""
    if not sessions:
        return None
    if has_master_pass and master_passes and rng.random() < MASTER_PASS_CHANCE:
        return WalkUp(rng.choice(sorted(sessions)), rng.choice(list(master_passes)))
    teams = [team for team in colleagues if len(team) > 1]
    candidates = [
        WalkUp(connector_id, other)
        for connector_id, tag in sorted(sessions.items())
        for team in teams
        if tag in team
        for other in team
        if other != tag
    ]
    return rng.choice(candidates) if candidates else None


async def walk_ups(station: SimStation, rng: random.Random) -> None:
    """Walk-ups at `station` until cancelled (online or not: its local list may decide)."""
    settings = station.settings
    while True:
        await pause(rng.expovariate(1.0 / settings.walk_up_every), settings.speed)
        sessions = {
            n: c.id_tag
            for n, c in station.connectors.items()
            if c.transaction_id is not None and c.id_tag is not None and c.stopped_by is None
        }
        has_master_pass = station.master_pass_group is not None
        walk_up = choose(
            sessions, settings.colleagues, settings.master_passes, has_master_pass, rng
        )
        if walk_up is None:
            continue
        presented = await present_tag(station, walk_up.connector_id, walk_up.id_tag)
        log.info(
            "%s/%d: %s presented at the reader: %s",
            station.spec.station_id,
            walk_up.connector_id,
            walk_up.id_tag,
            presented,
        )
