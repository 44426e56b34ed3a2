"""Who walks up to a simulated station with a tag (core/sim/tag_walk_ups.py): a colleague of
a charging driver, with their own tag of the driver's group, or at a station with a master
pass group sometimes the operator with a master pass; no one when no session has anyone to
end it. Seeded: the same seed, the same people."""

from __future__ import annotations

import random

from ocppdeck.core.sim.tag_walk_ups import WalkUp, choose

NORTH = ("N-1", "N-2", "N-3")
SOUTH = ("S-1", "S-2")
TEAMS = (NORTH, SOUTH)
MASTERS = ("M-1",)


def draws(sessions: dict[int, str], has_master_pass: bool, seed: int = 7) -> list[WalkUp | None]:
    rng = random.Random(seed)
    return [choose(sessions, TEAMS, MASTERS, has_master_pass, rng) for _ in range(200)]


def test_a_colleague_walks_up_with_their_own_tag_of_the_drivers_group() -> None:
    sessions = {1: "N-2", 2: "S-1"}
    walk_ups = draws(sessions, has_master_pass=False)
    assert all(w is not None for w in walk_ups)
    seen = {(w.connector_id, w.id_tag) for w in walk_ups if w is not None}
    # Every colleague of each driver comes, and no one else: never the driver, never a
    # tag of another fleet, never a master pass at a station without a master pass group.
    assert seen == {(1, "N-1"), (1, "N-3"), (2, "S-2")}


def test_no_one_walks_up_when_nothing_charges_or_no_driver_has_a_colleague() -> None:
    assert set(draws({}, has_master_pass=True)) == {None}
    # A driver of no group (the console's default tag) has no colleagues.
    assert set(draws({1: "TAG-0001"}, has_master_pass=False)) == {None}


def test_at_a_master_pass_station_the_operator_comes_now_and_then() -> None:
    walk_ups = [w for w in draws({1: "TAG-0001", 3: "N-1"}, has_master_pass=True) if w]
    operators = [w for w in walk_ups if w.id_tag in MASTERS]
    colleagues = [w for w in walk_ups if w.id_tag not in MASTERS]
    assert {w.connector_id for w in operators} == {1, 3}  # at any busy connector
    assert {(w.connector_id, w.id_tag) for w in colleagues} == {(3, "N-2"), (3, "N-3")}
    assert 0 < len(operators) < len(colleagues)  # rarely: most who come are colleagues


def test_the_same_seed_brings_the_same_people() -> None:
    sessions = {1: "N-1", 2: "S-2"}
    assert draws(sessions, True, seed=3) == draws(sessions, True, seed=3)
    assert draws(sessions, True, seed=3) != draws(sessions, True, seed=4)
