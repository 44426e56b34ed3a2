"""A simulated 2.x station's reports of limits from outside OCPP (K12, K13): NotifyChargingLimit
with the limit's schedule when an EMS or the grid operator caps an EVSE, ClearedChargingLimit
when the cap goes. Mixed into `V2Link`; the fields used are the same in 2.0.1 and 2.1 (2.1
takes any chargingLimitSource, 2.0.1 one of EMS, Other, SO and CSO)."""

from __future__ import annotations

from types import ModuleType

from ...clock import to_iso
from ..charging_limit import ExternalLimit
from ..external_limit import GRID_OPERATOR
from ..host import StationHost


class V2ExternalLimits:
    """The link's `LimitReporter` (core/sim/external_limit.py)."""

    _wire: StationHost
    calls: ModuleType

    async def limit_set(self, limit: ExternalLimit) -> None:
        """NotifyChargingLimit: its source, whether the grid needs it, and its schedule."""
        schedule = {
            "id": limit.limit_id,
            "chargingRateUnit": "W",
            "startSchedule": to_iso(limit.starts_at),
            "duration": round(limit.ends_at - limit.starts_at),
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit.watts}],
        }
        await self._wire.send(
            self.calls.NotifyChargingLimit(
                charging_limit={
                    "chargingLimitSource": limit.source,
                    "isGridCritical": limit.source == GRID_OPERATOR,
                },
                charging_schedule=[schedule],
                evse_id=limit.evse,
            )
        )

    async def limit_cleared(self, limit: ExternalLimit) -> None:
        """ClearedChargingLimit of the limit's source on its EVSE."""
        await self._wire.send(
            self.calls.ClearedChargingLimit(charging_limit_source=limit.source, evse_id=limit.evse)
        )
