"""The simulator's ISO 15118 EV and limits from outside OCPP, without a network: what the EV
asks for and picks, and what an EMS's limit leaves an EVSE, now and in its schedule."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from jsonschema import Draft6Validator

from ocppdeck.core.dialects import V21, V201, dialect
from ocppdeck.core.sim.charging_limit import ChargingLimits, ExternalLimit
from ocppdeck.core.sim.ev_charging_needs import (
    MAX_SCHEDULE_TUPLES,
    charging_needs,
    chosen_schedule,
    needs_of,
)

NOW = 1_800_000_000.0


@pytest.mark.timeout(10)
@pytest.mark.parametrize("protocol", [V201.name, V21.name])
def test_the_needs_of_an_ev_fit_both_versions_and_follow_its_session(protocol: str) -> None:
    # An 11 kW connector, an hour of charging in a stay of an hour and a half.
    needs = needs_of("tx-1", 11_000.0, 3600.0, 5400.0, NOW)
    asked = charging_needs(needs)
    ac = asked["acChargingParameters"]
    assert (ac["energyAmount"], ac["evMaxCurrent"], ac["evMinCurrent"]) == (11_000, 15, 6)
    assert asked["departureTime"] == "2027-01-15T09:30:00.000Z"
    path = dialect(protocol).request_schema("NotifyEVChargingNeeds")
    schema = json.loads(path.read_text(encoding="utf-8-sig"), parse_float=Decimal)
    payload = {"evseId": 1, "chargingNeeds": asked, "maxScheduleTuples": MAX_SCHEDULE_TUPLES}
    assert [e.message for e in Draft6Validator(schema).iter_errors(payload)] == []


@pytest.mark.timeout(10)
def test_the_ev_picks_the_least_of_the_offer_and_its_own_most_until_it_leaves() -> None:
    needs = needs_of("tx-1", 7_000.0, 600.0, 1000.0, NOW)
    offered = [(0.0, 11_000.0), (300.0, 4_000.0), (300.4, 5_000.0), (700.0, 9_000.0)]
    offered += [(1200.0, 2_000.0)]  # after it left
    schedule = chosen_schedule(needs, offered, NOW, 7)
    assert (schedule["id"], schedule["chargingRateUnit"], schedule["duration"]) == (7, "W", 1000)
    # Its own 7 kW under the 11 kW offered; the later of two changes in one second; the
    # offer rising again above what it draws; nothing past its departure.
    assert schedule["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 7000.0},
        {"startPeriod": 300, "limit": 5000.0},
        {"startPeriod": 700, "limit": 7000.0},
    ]


@pytest.mark.timeout(10)
def test_the_ev_takes_at_most_the_periods_it_said_it_takes() -> None:
    needs = needs_of("tx-1", 22_000.0, 86_400.0, 86_400.0, NOW)
    offered = [(60.0 * n, 1_000.0 + 100 * (n % 2)) for n in range(100)]
    periods = chosen_schedule(needs, offered, NOW, 1)["chargingSchedulePeriod"]
    assert len(periods) == MAX_SCHEDULE_TUPLES


@pytest.mark.timeout(10)
def test_an_outside_limit_caps_its_evse_while_held_and_in_its_schedule_until_it_ends() -> None:
    limits = ChargingLimits()
    limits.external = ExternalLimit(1, 2, "EMS", 4_000.0, NOW, NOW + 120.0)
    assert limits.limit_w(2, "tx", 1) == 4_000.0
    assert limits.limit_w(1, "tx", 1) == float("inf")  # another EVSE
    assert limits.limit_w(2, "tx", 1, at=NOW + 60.0) == 4_000.0
    assert limits.limit_w(2, "tx", 1, at=NOW + 120.0) == float("inf")
    assert limits.changes(NOW + 20.0, 3600.0) == [0.0, 100.0]  # a composite schedule's steps
    limits.external = None
    assert limits.limit_w(2, "tx", 1) == float("inf")
