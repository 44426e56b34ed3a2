"""A tag presented at a simulated connector's reader, as a driver or an attendant does.

On a connector that is charging, the tag that started stops it. Another tag stops it only
if it is accepted and of the same group (1.6 parentIdTag, 2.x groupIdToken: OCPP 1.6
"stop by another idTag", 2.x C09); a tag of another group or of none cannot. On a 2.x
station a tag of AuthCtrlr.MasterPassGroupId ends every transaction with MasterPass and
never starts one (C16; the simulator has no screen to choose from, so all of them). On an
idle connector an accepted tag starts a session.

What the station knows of the tag comes from its local list first, so all of this works
while the CSMS is away; a tag the list does not hold is asked of the CSMS (Authorize).
"""

from __future__ import annotations

from enum import StrEnum

from .connector import StopReason
from .station import SimStation
from .tag_verdict import same_group


class Presented(StrEnum):
    """What a presented tag did."""

    STARTED = "Started"  # handed to the idle connector: its session starts
    STOPPED = "Stopped"  # it ended the connector's transaction (its own, or its group's)
    MASTER_PASS = "MasterPass"  # it ended every transaction on the station
    REFUSED = "Refused"  # not accepted, of another group, or the connector cannot serve it


async def present_tag(station: SimStation, connector_id: int, id_tag: str) -> Presented:
    """Present `id_tag` at connector `connector_id` of `station` and act on it."""
    connector = station.connectors.get(connector_id)
    if connector is None:
        return Presented.REFUSED
    if connector.transaction_id is not None and connector.id_tag == id_tag:
        connector.end_for(id_tag, StopReason.LOCAL)  # its own tag: no need to ask anyone
        return Presented.STOPPED
    verdict = station.local_authorization(id_tag) or await station.link.authorize(id_tag)
    if verdict is None or not verdict.accepted:
        return Presented.REFUSED
    if same_group(verdict, station.master_pass_group):
        for each in station.connectors.values():
            each.end_for(id_tag, StopReason.MASTER_PASS)
        return Presented.MASTER_PASS
    if connector.transaction_id is not None:
        if not same_group(verdict, connector.group):
            return Presented.REFUSED
        connector.end_for(id_tag, StopReason.LOCAL)
        return Presented.STOPPED
    return Presented.STARTED if connector.present(id_tag, verdict) else Presented.REFUSED
