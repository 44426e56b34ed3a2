"""A transaction's cost as the console shows it (OCPP 2.x block I).

2.x: the cost the CSMS told the station (a TransactionEvent answer's totalCost, or a
CostUpdated), as told. 1.6 has no cost messages, and a 2.x station may have been told
none (a recording of another CSMS): where a tariff applies, the console computes the
energy so far at the station's price itself and says so ("est.").
"""

from __future__ import annotations

from rich.text import Text

from ..core.csms.tariff import Tariffs, cost_of
from ..core.model.state import Transaction


def cost_text(tx: Transaction, energy_wh: float | None, tariffs: Tariffs | None) -> Text | None:
    """The cost shown: "0.37 EUR" (told), "≈0.37 EUR est." (computed here) or None."""
    currency = tariffs.currency if tariffs is not None else ""
    if tx.cost is not None:
        return Text(f"{tx.cost:.2f} {currency}".rstrip(), style="bold")
    price = None if tariffs is None else tariffs.price_of(tx.station)
    if price is None or energy_wh is None:
        return None
    return Text(f"≈{cost_of(energy_wh, price):.2f} {currency} est.", style="dim")
