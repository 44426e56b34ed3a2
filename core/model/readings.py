"""Reading numbers and meter values out of payloads, the same way for every protocol. Pure."""

from __future__ import annotations

from collections.abc import Callable
from math import isfinite
from typing import Any

from ..clock import parse_iso
from . import facts as f

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
_SCALE = {"Wh": 1.0, "kWh": 1000.0, "W": 1.0, "kW": 1000.0}

# How a protocol says what unit a sampled value is in: (unit name or None, power of ten).
UnitOf = Callable[[dict[str, Any]], tuple[str | None, int]]


def finite_number(value: Any) -> float | None:
    """A number from a number or a numeric string; None for anything else, NaN or infinity."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if isfinite(number) else None


def payload_time(payload: Any, fallback: float, key: str = "timestamp") -> float:
    """The payload's own timestamp, or the frame's when it has none."""
    ts = parse_iso(payload.get(key)) if isinstance(payload, dict) else None
    return fallback if ts is None else ts


def meter_samples(
    meter_values: Any,
    evse: int,
    fallback: float,
    transaction_id: str | None,
    unit_of: UnitOf,
    heard: float | None = None,
) -> list[f.MeterSample]:
    """Energy (Wh) and power (W) per `meterValue` entry; other measurands are passed over.
    A total (no phase) is taken as it is; a meter that reports per phase only (L1, L2,
    L3, each to neutral or not) counts as the sum of its phases.

    An entry without its own timestamp is at `fallback`; `heard` is when the frame came
    (`fallback` unless given: the frame's time but for entries inside a timed event)."""
    heard = fallback if heard is None else heard
    samples: list[f.MeterSample] = []
    for entry in meter_values if isinstance(meter_values, list) else ():
        if not isinstance(entry, dict):
            continue
        # Totals as reported (the last of each measurand wins); phases only when a meter
        # reports them, so the usual entry builds no dict.
        energy: float | None = None
        power: float | None = None
        phases: dict[tuple[str, str], float] | None = None  # (measurand, L1..L3) -> value
        for sv in entry.get("sampledValue") or ():
            if not isinstance(sv, dict):
                continue
            measurand = sv.get("measurand", ENERGY)
            if measurand != ENERGY and measurand != POWER:
                continue  # other measurands are not kept: their values need no reading
            phase = sv.get("phase")
            conductor = _PHASES.get(phase) if phase else None
            if phase and conductor is None:
                continue  # between two lines (L1-L2…) or to neutral: not part of a total
            value = finite_number(sv.get("value"))
            if value is None:
                continue
            unit, exponent = unit_of(sv)
            if exponent:
                value *= 10**exponent
            if unit:  # no unit: Wh for energy, W for power, the units kept
                value *= _SCALE.get(unit, 1.0)
            if conductor is not None:
                if phases is None:
                    phases = {}
                phases[(measurand, conductor)] = value
            elif measurand == ENERGY:
                energy = value
            else:
                power = value
        if phases is not None:
            energy = _phase_sum(phases, ENERGY) if energy is None else energy
            power = _phase_sum(phases, POWER) if power is None else power
        if energy is not None or power is not None:
            at = payload_time(entry, fallback)
            samples.append(f.MeterSample(at, heard, evse, energy, power, transaction_id))
    return samples


# The phases a total is the sum of; a line-to-neutral value counts for its line.
_PHASES = {"L1": "L1", "L2": "L2", "L3": "L3", "L1-N": "L1", "L2-N": "L2", "L3-N": "L3"}


def _phase_sum(phases: dict[tuple[str, str], float], measurand: str) -> float | None:
    """The sum of a measurand's phases, or None when it has none."""
    parts = [value for (name, _), value in phases.items() if name == measurand]
    return sum(parts) if parts else None
