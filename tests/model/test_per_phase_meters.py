"""A meter that reports per phase only (many three-phase chargers, the demo's Ampere Works
and Northgrid templates) counts as the sum of its phases; a total, when one is given, is
taken as it is."""

from __future__ import annotations

from typing import Any

import pytest

from ocppdeck.core.model.readers.v2 import meter_samples as v2_samples
from ocppdeck.core.model.readers.v16 import meter_samples as v16_samples

AT = 1_700_000_000.0


def entry(*values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"timestamp": "2023-11-14T22:13:20Z", "sampledValue": list(values)}]


def sv(value: str, measurand: str, phase: str | None = None, unit: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {"value": value, "measurand": measurand}
    if phase is not None:
        found["phase"] = phase
    if unit:
        found["unit"] = unit
    return found


E, P = "Energy.Active.Import.Register", "Power.Active.Import"


def test_per_phase_only_readings_are_summed() -> None:
    values = entry(
        sv("1000", E, "L1"), sv("1100", E, "L2"), sv("1200", E, "L3"),
        sv("2.3", P, "L1-N", "kW"), sv("2.3", P, "L2-N", "kW"), sv("2.4", P, "L3-N", "kW"),
    )  # fmt: skip
    [sample] = v16_samples(values, 1, AT, "7")
    assert sample.energy_wh == pytest.approx(3300.0)
    assert sample.power_w == pytest.approx(7000.0)


def test_a_total_wins_over_its_phases_and_line_to_line_values_never_count() -> None:
    values = entry(
        sv("5000", E), sv("1000", E, "L1"), sv("1000", E, "L2"),
        sv("400", P, "L1-L2"), sv("400", P, "L2-L3"),
    )  # fmt: skip
    [sample] = v16_samples(values, 1, AT, "7")
    assert sample.energy_wh == 5000.0
    assert sample.power_w is None  # line-to-line only: no power reading


def test_a_phase_given_twice_counts_once_and_garbage_is_passed_over() -> None:
    values = entry(
        sv("1000", E, "L1"), sv("1000", E, "L1-N"), sv("NaN", E, "L2"), sv("x", E, "L3"),
        sv("[b]9", P, "L1"),
    )  # fmt: skip
    [sample] = v16_samples(values, 1, AT, "7")
    assert sample.energy_wh == 1000.0
    assert sample.power_w is None


def test_a_2x_per_phase_meter_reads_the_same() -> None:
    values = entry(
        sv("1.5", E, "L1", "kWh"), sv("1.5", E, "L2", "kWh"), sv("1.5", E, "L3", "kWh"),
    )  # fmt: skip
    values[0]["sampledValue"][0]["unitOfMeasure"] = {"unit": "kWh"}
    for value in values[0]["sampledValue"]:
        value["unitOfMeasure"] = {"unit": value.pop("unit")}
    [sample] = v2_samples(values, 1, AT, "tx-1")
    assert sample.energy_wh == pytest.approx(4500.0)
