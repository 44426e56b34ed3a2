"""The two sides of a simulated station: what its dialect's link asks of the station,
and what the station asks of the link.

The station (core/sim/station.py) is one model for every version: connectors,
meter, configuration, availability, reset. Its link (core/sim/links) speaks its
dialect: the messages it sends, and (its `answers` class, mixed into the
library's ChargePoint) its answers to the CSMS's requests.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from .charging_limit import ChargingLimits, Profile, Purpose
from .connector import ConnectorLink, ConnectorSim
from .costs import CostBoard
from .display import DisplayBoard
from .local_list import LocalList
from .monitors import StationMonitors
from .network_profiles import NetworkProfiles
from .reservations import Reservation, ReservationEnd, ReserveStatus
from .spec import SimSettings, StationSpec
from .station_security import StationSecurity

wire_log = logging.getLogger("ocppdeck.sim.wire")  # every frame, for those who want it


@dataclass(frozen=True, slots=True)
class BootAnswer:
    """What the CSMS answered a boot: accepted or not, and the heartbeat interval it wants."""

    accepted: bool
    interval: int


class StationHost(Protocol):
    """The simulated station as its link and its answers see it."""

    spec: StationSpec
    settings: SimSettings
    connectors: dict[int, ConnectorSim]
    response_timeout: float
    operative: bool  # the station as a whole (1.6 connector 0)
    password: str | None  # its HTTP Basic password, None for security profile 0
    security: StationSecurity  # its key and certificate, profile, roots and events
    network: NetworkProfiles  # where it connects, and where a CSMS moved it
    local_list: LocalList
    master_pass_group: str | None  # 2.x AuthCtrlr.MasterPassGroupId (None: no master pass)
    limits: ChargingLimits  # the charging profiles it holds (smart charging)
    monitors: StationMonitors  # 2.x monitoring (block N)
    display: DisplayBoard  # 2.x display messages (block O)
    costs: CostBoard  # what the CSMS told its 2.x transactions cost

    @property
    def meter_interval(self) -> float:
        """Seconds between meter values while charging."""
        ...

    @property
    def transactions(self) -> dict[int, int | str]:
        """Open transaction id per connector."""
        ...

    def timestamp(self) -> str:
        """Now, as an OCPP timestamp."""
        ...

    def now(self) -> float:
        """Now, in seconds since the epoch (the injected clock)."""
        ...

    async def send(self, payload: Any) -> Any | None:
        """CALL the CSMS; None when offline, refused or unanswered."""
        ...

    def spawn(self, coro: Coroutine[Any, Any, None], what: str) -> asyncio.Task[None]:
        """Run `coro` for as long as this connection lives."""
        ...

    def targets(self, evse: int | None) -> list[ConnectorSim]:
        """The connectors a request addresses: all of them for None or 0."""
        ...

    def configuration(self) -> dict[str, tuple[str, bool]]:
        """Configuration keys as key -> (value, readonly)."""
        ...

    def change_configuration(self, key: str, value: str) -> str:
        """Apply a change: Accepted, Rejected or NotSupported."""
        ...

    def change_password(self, password: str) -> bool:
        """Take a new HTTP Basic password; False when OCPP does not allow it."""
        ...

    def relogin(self) -> None:
        """Reconnect with the current password, once the answer has gone out."""
        ...

    def set_availability(self, evse: int, operative: bool) -> None:
        """Make an EVSE (0: the station and all of them) operative or not."""
        ...

    def reset(self, hard: bool) -> None:
        """Settle open transactions, then reconnect and boot again."""
        ...

    def trigger(self, message: str, evse: int | None) -> None:
        """Send a message the CSMS asked for, once the answer is on the wire."""
        ...

    def reserve(self, reservation: Reservation) -> ReserveStatus:
        """Keep a connector (0: any) for an id tag until the reservation expires."""
        ...

    def cancel_reservation(self, reservation_id: int) -> bool:
        """Withdraw a reservation; False when there is none of that id."""
        ...

    def wake_connectors(self) -> None:
        """Let every connector show what it was just told."""
        ...

    def set_charging_profile(self, profile: Profile) -> bool:
        """Take a charging profile; False when it is refused."""
        ...

    def clear_charging_profiles(
        self,
        profile_id: int | None = None,
        connector_id: int | None = None,
        purpose: Purpose | None = None,
        stack_level: int | None = None,
    ) -> bool:
        """Remove the profiles matching every criterion given; whether there were any."""
        ...

    def composite_schedule(self, connector_id: int, duration: int) -> list[tuple[float, float]]:
        """(seconds from now, W) where what a connector (0: the station) may draw changes."""
        ...


class StationLink(ConnectorLink, Protocol):
    """A dialect's messages for the station as a whole (besides its connectors')."""

    answers: ClassVar[type]  # the `@on` handlers for the CSMS's requests

    async def boot(self, reason: str) -> BootAnswer | None:
        """BootNotification; None when it got no usable answer."""
        ...

    async def heartbeat(self) -> None:
        """Heartbeat."""
        ...

    async def report_station(self) -> None:
        """The station's own status, at connection and when asked (2.x has none)."""
        ...

    async def reservation_ended(self, reservation: Reservation, why: ReservationEnd) -> None:
        """Tell the CSMS a reservation ended unused (2.x ReservationStatusUpdate; 1.6 says
        it only by the connector's status)."""
        ...

    async def security_event(self, kind: str) -> None:
        """SecurityEventNotification of `kind`, now."""
        ...


class StationAnswers:
    """What every dialect's answers share: the station they answer for, on the library's
    ChargePoint of its version (next in the MRO, mixed in by the dialect registry), and
    the connectors a remote start reserved until its answer is on the wire."""

    def __init__(self, station: StationHost, connection: Any) -> None:
        super().__init__(  # type: ignore[call-arg]  # the version's ChargePoint is next
            station.spec.station_id,
            connection,
            response_timeout=station.response_timeout,
            logger=wire_log,
        )
        self._station = station
        self._remote_starts: dict[str, ConnectorSim] = {}  # call id -> reserved connector
