"""A simulated 2.x station's ISO 15118 EVs (K15, K16): their charging needs and schedules.

A share of sessions (`SimSettings.iso15118_share`, drawn from a seeded generator) has an EV
that charges over ISO 15118. As it starts to charge, the station sends its needs in
NotifyEVChargingNeeds, once per transaction (core/sim/ev_charging_needs.py). The CSMS's
answer changes nothing the station does then: Accepted or Processing promise a TxProfile,
which the station need not wait for (K15.FR.05); Rejected leaves the EV to the station's own
limits. Whenever the station holds a TxProfile for the EV's transaction (one set before
the needs, or one that comes later: K16), the EV picks its schedule within the station's
limits and the station reports it in NotifyEVChargingSchedule. The fields used are the
same in 2.0.1 and 2.1.
"""

from __future__ import annotations

import random
from types import ModuleType
from typing import Any

from ...clock import to_iso
from ..charging_limit import Profile, Purpose
from ..connector import ConnectorSim
from ..ev_charging_needs import (
    MAX_SCHEDULE_TUPLES,
    EvNeeds,
    charging_needs,
    chosen_schedule,
    needs_of,
)
from ..host import StationHost


def tx_profile(station: StationHost, connector: ConnectorSim) -> Profile | None:
    """The TxProfile the station holds for the connector's transaction, if any."""
    return next(
        (
            p
            for p in station.limits.profiles.values()
            if p.purpose is Purpose.TX
            and p.connector_id == connector.connector_id
            and p.transaction_id == connector.transaction_id
        ),
        None,
    )


def ev_of(connector: ConnectorSim) -> EvNeeds | None:
    """The ISO 15118 EV charging in the connector's open transaction, if any."""
    ev = connector.ev
    if ev is None or connector.transaction_id is None:
        return None
    return ev if ev.transaction_id == connector.transaction_id else None


async def send_schedule(
    station: StationHost, calls: ModuleType, connector: ConnectorSim, profile: Profile
) -> None:
    """NotifyEVChargingSchedule: what the EV picked within the station's limits (the
    TxProfile among them) until it leaves, from now."""
    ev = ev_of(connector)
    if ev is None:
        return
    now = station.now()
    offered = station.composite_schedule(connector.connector_id, max(1, round(ev.departs_at - now)))
    await station.send(
        calls.NotifyEVChargingSchedule(
            time_base=to_iso(now),
            evse_id=connector.connector_id,
            charging_schedule=chosen_schedule(ev, offered, now, profile.profile_id),
        )
    )


def renegotiation(
    station: StationHost, evse_id: int, charging_profile: dict[str, Any]
) -> tuple[ConnectorSim, Profile] | None:
    """After a SetChargingProfile: the connector and TxProfile an ISO 15118 EV renegotiates
    within (K16), when the station took a TxProfile for that EV's transaction."""
    connector = station.connectors.get(evse_id)
    held = station.limits.profiles.get(charging_profile["id"])
    if connector is None or held is None or ev_of(connector) is None:
        return None
    taken = held.stack_level == charging_profile["stack_level"] and held.purpose is Purpose.TX
    return (connector, held) if taken and tx_profile(station, connector) is held else None


class EvCharging:
    """The link's ISO 15118 EVs: which sessions have one, and their needs."""

    def __init__(self, station: StationHost, calls: ModuleType, rng: random.Random) -> None:
        self._station = station
        self.calls = calls
        self._share = station.settings.iso15118_share
        # Its own generator, made only where some EVs speak ISO 15118: other runs draw as before.
        self._rng = random.Random(rng.getrandbits(64)) if self._share > 0 else None
        self._drawn: dict[int, int | str] = {}  # per EVSE: the transaction whose EV was drawn

    async def charging(self, connector: ConnectorSim) -> None:
        """The connector starts (or resumes) charging: an ISO 15118 EV says its needs, once
        per transaction, and its schedule when a TxProfile is already held for it."""
        tx, plan, evse = connector.transaction_id, connector.plan, connector.connector_id
        if self._rng is None or tx is None or plan is None or self._drawn.get(evse) == tx:
            return
        self._drawn[evse] = tx
        if self._rng.random() >= self._share:
            return
        station = self._station
        connector.ev = needs_of(tx, connector.rated_power_w, *plan, station.now())
        await station.send(
            self.calls.NotifyEVChargingNeeds(
                evse_id=evse,
                charging_needs=charging_needs(connector.ev),
                max_schedule_tuples=MAX_SCHEDULE_TUPLES,
            )
        )
        held = tx_profile(station, connector)
        if held is not None:
            await send_schedule(station, self.calls, connector, held)
