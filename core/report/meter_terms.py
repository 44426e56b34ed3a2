"""The measurands and units each OCPP version names, from the `ocpp` library's enums, and
the ones a meter reading uses. Pure."""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from functools import cache
from typing import Any

from ..dialects import DIALECTS, Dialect


def _enum_values(dialect: Dialect, *names: str) -> frozenset[str]:
    """Values of the dialect's enums whose class name holds one of `names`."""
    found: set[str] = set()
    for name, cls in vars(dialect.enums).items():
        if isinstance(cls, type) and issubclass(cls, Enum) and any(n in name for n in names):
            found.update(str(member.value) for member in cls)
    return frozenset(found)


@cache
def measurands(dialect: Dialect) -> frozenset[str]:
    """The measurands the version defines."""
    return _enum_values(dialect, "Measurand")


@cache
def units(dialect: Dialect) -> frozenset[str]:
    """The units the version defines; a version whose library lists none (its schema
    leaves the unit free) takes every version's list."""
    own = _enum_values(dialect, "UnitOfMeasure", "UnitsOfMeasure")
    if own:
        return own
    return frozenset().union(
        *(_enum_values(d, "UnitOfMeasure", "UnitsOfMeasure") for d in DIALECTS.values())
    )


def sampled_terms(payload: Any) -> Iterator[tuple[Any, Any]]:
    """(measurand, unit) of each sampled value in a payload's readings (None: not given).

    1.6 names the unit beside the value (`unit`), 2.x in `unitOfMeasure.unit`; readings
    are a MeterValues' or TransactionEvent's `meterValue`, or a StopTransaction's
    `transactionData`.
    """
    if not isinstance(payload, dict):
        return
    entries = payload.get("meterValue") or payload.get("transactionData")
    for entry in entries if isinstance(entries, list) else ():
        values = entry.get("sampledValue") if isinstance(entry, dict) else None
        for sv in values if isinstance(values, list) else ():
            if not isinstance(sv, dict):
                continue
            unit = sv.get("unit")
            if unit is None:
                measure = sv.get("unitOfMeasure")
                unit = measure.get("unit") if isinstance(measure, dict) else None
            yield sv.get("measurand"), unit
