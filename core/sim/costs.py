"""What a simulated 2.x station was told its transactions cost (OCPP 2.x block I).

The CSMS tells the running cost in TransactionEvent answers and CostUpdated, and the
final cost in the answer to Ended; a real station shows it to the driver. The
simulated one keeps the last told per transaction, bounded, so a demo and the tests
can see it.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

MAX_KEPT = 64  # transactions whose cost is kept; the oldest go first


class CostBoard:
    """The last cost told of each recent transaction."""

    def __init__(self) -> None:
        self._costs: OrderedDict[str, float] = OrderedDict()

    def told(self, transaction_id: Any, cost: Any) -> None:
        """A cost the CSMS told (None or not a finite number: nothing told)."""
        if not isinstance(cost, int | float) or isinstance(cost, bool) or not math.isfinite(cost):
            return
        key = str(transaction_id)
        self._costs.pop(key, None)
        self._costs[key] = float(cost)
        while len(self._costs) > MAX_KEPT:
            self._costs.popitem(last=False)

    def of(self, transaction_id: str) -> float | None:
        """The last cost told of a transaction, if any."""
        return self._costs.get(transaction_id)
