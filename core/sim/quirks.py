"""Firmware quirks a simulated station may have, and what they do to its messages.

Each is a habit of real chargers in the field that a CSMS has to cope with: energy
in kWh, meters that report only per phase, a 2.x Started event without its `evse`,
messages sent twice, a clock that is off, meter values that arrive out of order.
The station's link builds its messages as usual; `reshape` rewrites them on the way
out, on the wire's own (camelCase) shape, so one rewrite serves every version. A
template (sample_data/templates) gives a station its quirks, in a scenario or the demo.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from ocpp.charge_point import camel_to_snake_case, serialize_as_dict, snake_to_camel_case

from ..clock import Clock

PHASES = ("L1", "L2", "L3")
# The messages that carry readings or open a transaction: the only ones quirks touch.
METER_ACTIONS = frozenset(
    {"MeterValues", "StartTransaction", "StopTransaction", "TransactionEvent"}
)


@dataclass(frozen=True, slots=True)
class Quirks:
    """A station's quirks; all off by default."""

    kwh_units: bool = False  # energy readings in kWh instead of Wh
    per_phase_only: bool = False  # energy and power only per phase (L1..L3), never a total
    started_without_evse: bool = False  # 2.x TransactionEvent Started without `evse`
    duplicated_messages: bool = False  # every transaction message is sent twice
    clock_skew: float = 0.0  # seconds the station's clock is ahead (negative: behind)
    out_of_order_meters: bool = False  # each reading goes out after the one that follows it

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """Every quirk's name, as a scenario file writes it."""
        return tuple(f.name for f in fields(cls))

    @property
    def rewrites(self) -> bool:
        """Whether `reshape` changes anything."""
        return self.kwh_units or self.per_phase_only or self.started_without_evse

    def reshape(self, payload: Any) -> Any:
        """The message as this firmware sends it: a payload of the same class."""
        action = type(payload).__name__
        if not self.rewrites or action not in METER_ACTIONS:
            return payload
        wire = snake_to_camel_case(serialize_as_dict(payload))
        if self.started_without_evse and wire.get("eventType") == "Started":
            wire.pop("evse", None)
        for key in ("meterValue", "transactionData"):
            for reading in wire.get(key) or []:
                reading["sampledValue"] = self._samples(reading.get("sampledValue") or [])
        return type(payload)(**camel_to_snake_case(wire))

    def _samples(self, samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for sample in samples:
            measurand = sample.get("measurand", "Energy.Active.Import.Register")
            split = self.per_phase_only and "phase" not in sample
            for part in (
                _per_phase(sample) if split and measurand[:5] in ("Energ", "Power") else [sample]
            ):
                out.append(
                    _in_kwh(part) if self.kwh_units and measurand.startswith("Energy") else part
                )
        return out


def _per_phase(sample: dict[str, Any]) -> list[dict[str, Any]]:
    """A total split evenly over three phases, in the value's own type (1.6 text, 2.x number)."""
    value = float(sample["value"])
    share: Any = f"{value / 3:.1f}" if isinstance(sample["value"], str) else round(value / 3, 1)
    return [{**sample, "value": share, "phase": phase} for phase in PHASES]


def _in_kwh(sample: dict[str, Any]) -> dict[str, Any]:
    value = float(sample["value"]) / 1000
    if isinstance(sample["value"], str):  # 1.6: text, with "unit"
        return {**sample, "value": f"{value:.4f}", "unit": "kWh"}
    return {**sample, "value": round(value, 4), "unitOfMeasure": {"unit": "kWh"}}


class SkewedClock:
    """A station's clock that is `skew` seconds off the one it is given."""

    def __init__(self, clock: Clock, skew: float) -> None:
        self._clock = clock
        self.skew = skew

    def now(self) -> float:
        """The given clock's time plus the skew."""
        return self._clock.now() + self.skew
