"""GetVariables and SetVariables split to the station's ItemsPerMessage (OCPP 2.x B05/B06).

A 2.x station says how many items one GetVariables or SetVariables may hold
(DeviceDataCtrlr.ItemsPerMessage, instance GetVariables / SetVariables; some firmware
names them ItemsPerMessageGetVariables / …SetVariables) and may refuse a larger request.
The CSMS reads the limit from the station's newest report, or takes DEFAULT_ITEMS
when it has none, and sends a larger request as several, in order, each within it;
the operator (console, API) sees one command, answered when every part is, with all
their results in order.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from ..model.state import StationState
from .answer_status import answer_status
from .outbound_queue import CallState, Outcome, QueuedCall

# A station that has not reported its limit (the base report asked at its boot usually
# does): the 2.x common variables (18) still go in one request.
DEFAULT_ITEMS = 20
COMPONENT = "DeviceDataCtrlr"
# The request's action -> its list of items (the library's field name).
ITEMS = {"GetVariables": "get_variable_data", "SetVariables": "set_variable_data"}


def limit_of(station: StationState | None, action: str) -> int:
    """How many items one `action` request to the station may hold."""
    if station is None:
        return DEFAULT_ITEMS
    for key, reported in station.variables.items():
        if key.component != COMPONENT or reported.value is None:
            continue
        named = (key.variable == "ItemsPerMessage" and key.variable_instance == action) or (
            key.variable == f"ItemsPerMessage{action}"
        )
        if named and reported.value.strip().isdigit() and int(reported.value) > 0:
            return int(reported.value)
    return DEFAULT_ITEMS


def split(call: Any, limit: int) -> list[Any]:
    """The request as requests of at most `limit` items each (itself when it fits, or when
    it is no GetVariables / SetVariables)."""
    name = ITEMS.get(type(call).__name__)
    items = getattr(call, name, None) if name is not None else None
    if name is None or not isinstance(items, list) or len(items) <= limit:
        return [call]
    return [
        dataclasses.replace(call, **{name: items[i : i + limit]})
        for i in range(0, len(items), limit)
    ]


def joined(call: Any, parts: list[QueuedCall]) -> QueuedCall:
    """One command for the queued parts of `call`: its outcome comes once every part's has;
    answered, the last part's answer with every part's results in order; else the outcome of
    the first part not answered (a refusal, a timeout)."""
    if len(parts) == 1:
        return parts[0]
    last = parts[-1]
    whole = QueuedCall(last.station, call, last.id, last.state, validate=last.validate)

    def settle(done: asyncio.Future[list[Outcome]]) -> None:
        if whole.future.done():
            return
        if done.cancelled() or done.exception() is not None:
            whole.future.cancel()
            return
        whole.future.set_result(_merged(done.result()))

    asyncio.gather(*(p.future for p in parts)).add_done_callback(settle)
    return whole


def _merged(outcomes: list[Outcome]) -> Outcome:
    failed = next((o for o in outcomes if o.state is not CallState.ANSWERED), None)
    if failed is not None:
        return failed
    answers = [o.response for o in outcomes]
    name = _results_of(answers[-1])
    if name is None:
        return outcomes[-1]
    results = [item for answer in answers for item in getattr(answer, name, None) or ()]
    response = dataclasses.replace(answers[-1], **{name: results})
    said = answer_status(response)
    return Outcome(CallState.ANSWERED, said.status, said.detail, response)


def _results_of(answer: Any) -> str | None:
    """The field of an answer (a library call_result) that lists its results."""
    if not dataclasses.is_dataclass(answer) or isinstance(answer, type):
        return None
    return next(
        (f.name for f in dataclasses.fields(answer) if isinstance(getattr(answer, f.name), list)),
        None,
    )
