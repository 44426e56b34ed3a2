"""Tariffs and the running cost of 2.x transactions (OCPP 2.0.1 / 2.1 block I).

One price per kWh for every station (`tariff_per_kwh`, 0: no tariff, so no cost is
told), overridden per station by `station_tariffs` ("CP1=0.25,CP2=0"; 0 there means
free, told as 0.00). A transaction's cost is its energy so far times its station's
price, rounded to the cent (core/csms/running_costs.py follows 2.x transactions and
tells it). 1.6 has no cost messages: the console computes energy times price there and
labels it as its own estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol


class TariffError(ValueError):
    """A tariff setting that cannot be read; the message says which."""


@dataclass(frozen=True, slots=True)
class Tariffs:
    """The price per kWh of each station, in `currency`."""

    per_kwh: float = 0.0  # 0: no tariff for stations without their own
    currency: str = "EUR"
    by_station: tuple[tuple[str, float], ...] = ()

    @classmethod
    def parse(cls, per_kwh: float, currency: str, overrides: tuple[str, ...]) -> Tariffs:
        """Tariffs from the settings; TariffError for a negative price or an override
        that is not STATION=PRICE."""
        if not per_kwh >= 0 or math.isinf(per_kwh):
            raise TariffError(f"tariff_per_kwh: {per_kwh} is not a price")
        found: list[tuple[str, float]] = []
        for item in overrides:
            station, sep, price = item.partition("=")
            try:
                value = float(price)
            except ValueError:
                value = -1.0
            if not sep or not station.strip() or not 0 <= value < math.inf:
                raise TariffError(f"station_tariffs: {item!r} is not STATION=PRICE")
            found.append((station.strip(), value))
        return cls(per_kwh, currency, tuple(found))

    def price_of(self, station_id: str) -> float | None:
        """The station's price per kWh; None when no tariff applies to it."""
        for station, price in self.by_station:
            if station == station_id:
                return price
        return self.per_kwh if self.per_kwh > 0 else None


def cost_of(energy_wh: float, price_per_kwh: float) -> float:
    """What `energy_wh` costs at a price per kWh, to the cent (never below zero)."""
    return round(max(energy_wh, 0.0) / 1000.0 * price_per_kwh, 2)


class TariffSettings(Protocol):
    """The settings a tariff is read from (core/config.py's Settings)."""

    tariff_per_kwh: float
    currency: str
    station_tariffs: tuple[str, ...]


def tariffs_of(settings: TariffSettings) -> Tariffs:
    """The tariffs the settings give (load_settings has checked them)."""
    return Tariffs.parse(settings.tariff_per_kwh, settings.currency, settings.station_tariffs)
