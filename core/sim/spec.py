"""What a simulated fleet is made of: each station's identity and shape, and how it behaves."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field

from .contract_certificate import ContractCertificate
from .quirks import Quirks

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
    protocol: str  # the subprotocol it speaks (a dialect's name)
    firmware: str = FIRMWARE  # the firmwareVersion its BootNotification gives
    quirks: Quirks = field(default_factory=Quirks)  # its firmware's habits on the wire
    template: str | None = None  # the template it was made from (sample_data/templates)

    def __post_init__(self) -> None:
        if self.connectors < 1:
            raise ValueError(f"{self.station_id}: a station needs at least one connector")


@dataclass(frozen=True, slots=True)
class StationModel:
    """A kind of station a fleet is made of, as a template describes it."""

    template: str  # the template's name
    protocol: str  # the version it speaks natively (a dialect's name)
    vendor: str
    model: str
    connectors: int
    firmware: str
    quirks: Quirks


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
    # Security profiles 1 to 3: HTTP Basic passwords (one for all, or per station id),
    # and the TLS context for a wss:// CSMS (trusted CA, the station's certificate).
    password: str | None = None
    passwords: Mapping[str, str] = field(default_factory=dict)
    tls: ssl.SSLContext | None = None
    # Security events on boot (StartupOfTheDevice, after a reset ResetOrReboot): critical by
    # the spec's list, so each is a fault in the console; off unless a run asks for them.
    security_events: bool = False
    items_per_message: int = 10  # 2.x: the most items one GetVariables / SetVariables holds
    # 2.x Plug & Charge: the EVs' contracts; a driver whose tag is one's eMAID authorizes
    # with it, and at a 2.x station the eMAIDs are among the drivers' tags (core/sim/fleet.py).
    contract_certificates: tuple[ContractCertificate, ...] = ()
    # 2.x smart charging the station starts on its own (K11-K17), off unless a run asks:
    # the share of sessions whose EV charges over ISO 15118 and says its needs, and the mean
    # simulated seconds between limits an EMS or grid operator puts on one EVSE (0: never).
    iso15118_share: float = 0.0
    external_limit_every: float = 0.0
    # People who present a tag at a running session (core/sim/tag_walk_ups.py), off unless a
    # run asks: the mean simulated seconds between walk-ups at a station (0: never), the id
    # tags that share a group (colleagues end each other's sessions), the master passes.
    walk_up_every: float = 0.0
    colleagues: tuple[tuple[str, ...], ...] = ()
    master_passes: tuple[str, ...] = ()

    def password_of(self, station_id: str) -> str | None:
        """The password a station gives, if any."""
        return self.passwords.get(station_id, self.password)
