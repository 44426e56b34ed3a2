"""A simulated 2.x station's side of Tariff and Cost (block I): CostUpdated is taken and
its running cost kept (core/sim/costs.py). Mixed into `V2Answers`; 2.0.1 and 2.1 share
the fields."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ocpp.routing import on
from ocpp.v201.enums import Action as A

from ..host import StationHost


class V2Costs:
    """The `@on` handler of CostUpdated."""

    _station: StationHost
    results: ModuleType

    @on(A.cost_updated)
    def on_cost_updated(self, total_cost: float, transaction_id: str, **_: Any) -> Any:
        self._station.costs.told(transaction_id, total_cost)
        return self.results.CostUpdated()
