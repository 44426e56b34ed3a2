"""A simulated 2.x station's ItemsPerMessage (OCPP 2.x B05/B06): the most items one
GetVariables or SetVariables may hold. It reports the limit in its NotifyReport
(DeviceDataCtrlr.ItemsPerMessage, instances GetVariables and SetVariables) and refuses
a larger request with the CALLERROR OccurrenceConstraintViolation, as a real station
may."""

from __future__ import annotations

from typing import Any

from ocpp.exceptions import OccurrenceConstraintViolationError

COMPONENT = "DeviceDataCtrlr"
ACTIONS = ("GetVariables", "SetVariables")


def check_items(action: str, count: int, limit: int) -> None:
    """Refuse (raise) a request of more items than the station takes in one message."""
    if count > limit:
        cause = f"{count} items in one {action}: ItemsPerMessage is {limit}"
        raise OccurrenceConstraintViolationError(details={"cause": cause})


def report_entries(limit: int) -> list[dict[str, Any]]:
    """The NotifyReport items that tell the limit (read-only)."""
    return [
        {
            "component": {"name": COMPONENT},
            "variable": {"name": "ItemsPerMessage", "instance": action},
            "variableAttribute": [
                {"type": "Actual", "value": str(limit), "mutability": "ReadOnly"}
            ],
        }
        for action in ACTIONS
    ]
