"""The tariff settings: a price per kWh, per-station prices, and what is refused."""

from __future__ import annotations

import pytest

from ocppdeck.core.config import SettingsError, load_settings
from ocppdeck.core.csms.tariff import Tariffs, cost_of, tariffs_of


def test_a_station_price_overrides_the_default_and_zero_means_no_tariff() -> None:
    settings = load_settings(
        {"tariff_per_kwh": 0.3, "currency": "EUR"},
        env={"OCPPDECK_STATION_TARIFFS": "CP1=0.25, FREE=0"},
    )
    tariffs = tariffs_of(settings)
    assert (tariffs.price_of("CP1"), tariffs.price_of("FREE"), tariffs.price_of("X")) == (
        0.25,
        0.0,
        0.3,
    )
    none = tariffs_of(load_settings(env={}))
    assert none.price_of("CP1") is None  # the default: no tariff, no cost told
    assert Tariffs(0.0, "EUR", (("CP1", 0.4),)).price_of("CP1") == 0.4


@pytest.mark.parametrize(
    "cli",
    [
        {"tariff_per_kwh": -0.1},
        {"tariff_per_kwh": "nan"},
        {"station_tariffs": "CP1"},
        {"station_tariffs": "CP1=cheap"},
        {"station_tariffs": "=0.2"},
        {"station_tariffs": "CP1=-1"},
    ],
)
def test_a_price_that_is_no_price_is_refused(cli: dict[str, object]) -> None:
    with pytest.raises(SettingsError, match="tariff"):
        load_settings(cli, env={})


def test_cost_is_rounded_to_the_cent_and_never_negative() -> None:
    assert cost_of(2_345.0, 0.3) == 0.7  # 0.7035
    assert cost_of(-50.0, 0.3) == 0.0  # a meter that went back charges nothing
