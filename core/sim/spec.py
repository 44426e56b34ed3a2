"""What a simulated fleet is made of: each station's identity and shape, and how it behaves."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from ..dialects import DEFAULT, DEMO_MIX, DIALECTS

FIRMWARE = "ocppdeck-sim 0.1"
# Fictional hardware, so generated fleets never look like claims about real products.
MODELS = (
    ("Voltaris", "VX-22"),
    ("Chargewell", "Duo AC"),
    ("Northgrid", "NG-Tri"),
    ("Ampere Works", "AW-7"),
)


@dataclass(frozen=True, slots=True)
class StationSpec:
    """The identity and shape of one simulated station: one EVSE of one connector each."""

    station_id: str
    connectors: int
    vendor: str
    model: str
    protocol: str = DEFAULT.name

    def __post_init__(self) -> None:
        if self.connectors < 1:
            raise ValueError(f"{self.station_id}: a station needs at least one connector")
        if self.protocol not in DIALECTS:
            raise ValueError(f"{self.station_id}: the simulator speaks {', '.join(DIALECTS)}")


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


@dataclass(frozen=True, slots=True)
class SimSettings:
    """How the simulated fleet behaves; all durations are simulated seconds."""

    meter_interval: float = 5.0
    heartbeat_interval: float | None = None  # None: the interval from BootNotification.conf
    session_mean: float = 40.0
    idle_mean: float = 15.0
    id_tags: tuple[str, ...] = ("TAG-0001", "TAG-0002", "TAG-0003")
    fault_probability: float = 0.02  # chance per session of a short Faulted episode
    speed: float = 1.0  # time compression: every sleep is divided by it
    reconnect_min: float = 1.0
    reconnect_max: float = 30.0
