"""A simulated 2.x station's master pass group (OCPP 2.x C16): the device-model variable
AuthCtrlr.MasterPassGroupId, read by GetVariables and base reports and set by SetVariables.
What a tag of that group does at a reader is core/sim/tag_reader.py's."""

from __future__ import annotations

from ..host import StationHost
from ..tag_verdict import MAX_GROUP_LENGTH

MASTER_PASS_VARIABLE = ("AuthCtrlr", "MasterPassGroupId")


def master_pass_variable(station: StationHost) -> dict[tuple[str, str], tuple[str, bool]]:
    """The variable as (component, variable) -> (value, readonly); "" while none is set."""
    return {MASTER_PASS_VARIABLE: (station.master_pass_group or "", False)}


def set_master_pass(station: StationHost, value: str) -> str:
    """Take a new master pass group ("" for none); Rejected for what no idToken can be."""
    if len(value) > MAX_GROUP_LENGTH or not value.isprintable():
        return "Rejected"
    station.master_pass_group = value or None
    return "Accepted"
