"""The demo's id tags: drivers of two fleets, each fleet a group (1.6 parentIdTag, 2.x
groupIdToken), so a colleague may end a session for a driver of their fleet; and an
operator's master pass in a group of its own, the group the demo gives its 2.x stations as
AuthCtrlr.MasterPassGroupId (core/demo_master_pass.py).

The CSMS's store holds them as an operator would have entered them, the groups too (so
blocking a group blocks its drivers); the simulated drivers and operator present them.
"""

from __future__ import annotations

from .csms.store import IdTag

FLEETS = {
    "FLEET-NORTH": ("TAG-0002", "TAG-0003", "TAG-0004"),
    "FLEET-SOUTH": ("TAG-0005", "TAG-0006"),
}
MASTER_PASS_GROUP = "MASTER-PASS"
MASTER_PASSES = ("MASTER-0001",)


def demo_id_tags() -> list[IdTag]:
    """The tags the demo's CSMS knows: the groups, their drivers, the master passes."""
    groups = [IdTag(group) for group in (*FLEETS, MASTER_PASS_GROUP)]
    drivers = [IdTag(tag, parent=group) for group, tags in FLEETS.items() for tag in tags]
    return [*groups, *drivers, *(IdTag(tag, parent=MASTER_PASS_GROUP) for tag in MASTER_PASSES)]


def drivers(default_id_tag: str) -> tuple[str, ...]:
    """The tags drivers walk up with: the console's default tag (in no group), then the
    fleets' drivers."""
    return (default_id_tag, *(tag for tags in FLEETS.values() for tag in tags))


def colleagues() -> tuple[tuple[str, ...], ...]:
    """The drivers who share a group, fleet by fleet."""
    return tuple(FLEETS.values())
