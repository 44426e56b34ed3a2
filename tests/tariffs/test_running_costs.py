"""The running cost the CSMS tells a 2.x transaction, and how often it pushes it."""

from __future__ import annotations

from typing import Any

from ocppdeck.core.clock import ManualClock
from ocppdeck.core.csms.running_costs import PUSH_EVERY_S, RunningCosts
from ocppdeck.core.csms.tariff import Tariffs
from ocppdeck.core.model.state import State

START = 1_700_000_000.0


def reading(wh: float) -> list[dict[str, Any]]:
    """A meterValue as a handler gets it (snake_case keys)."""
    return [
        {
            "timestamp": "2025-06-01T08:00:00Z",
            "sampled_value": [{"value": wh, "measurand": "Energy.Active.Import.Register"}],
        }
    ]


def test_a_changed_cost_is_pushed_at_most_once_in_the_interval() -> None:
    clock = ManualClock(START)
    costs = RunningCosts(Tariffs(0.5), State, clock)
    assert costs.cost("CP1", "tx", "Started", reading(1_000)) is None
    assert costs.cost("CP1", "tx", "Updated", reading(3_000)) == 1.0
    assert costs.to_push("CP1", "tx") == 1.0
    assert costs.to_push("CP1", "tx") is None  # told already
    assert costs.cost("CP1", "tx", "Updated", reading(5_000)) == 2.0  # the answer has it...
    assert costs.to_push("CP1", "tx") is None  # ...a CostUpdated waits for the interval
    clock.set(START + PUSH_EVERY_S)
    assert costs.to_push("CP1", "tx") == 2.0
    assert costs.cost("CP1", "tx", "Ended", reading(6_000)) == 2.5
    assert costs.to_push("CP1", "tx") is None  # ended: the answer told the final cost


def test_a_transaction_begun_before_this_process_costs_from_its_known_start() -> None:
    costs = RunningCosts(Tariffs(1.0), State, ManualClock(START))
    # No start seen, none in the state: the first reading is where its cost begins.
    assert costs.cost("CP1", "tx", "Updated", reading(10_000)) == 0.0
    assert costs.cost("CP1", "tx", "Updated", reading(12_000)) == 2.0
    # An event without a reading has no cost to tell; an id no schema allows, none either.
    assert costs.cost("CP1", "tx", "Updated", None) is None
    assert costs.cost("CP1", "x" * 37, "Updated", reading(12_000)) is None

    # The projection knew its start (folded from the recording before a restart).
    state = State()
    tx = state.start(state.station("CP1"), "tx2")
    tx.meter_start = 9_000.0
    known = RunningCosts(Tariffs(1.0), lambda: state, ManualClock(START))
    assert known.cost("CP1", "tx2", "Updated", reading(12_000)) == 3.0
