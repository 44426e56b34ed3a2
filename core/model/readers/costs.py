"""Costs the CSMS told a 2.x station (block I): a TransactionEvent answer's totalCost
and a CostUpdated it sent. Pure; the 2.x reader asks these."""

from __future__ import annotations

import math
from typing import Any

from ...wire.frame import Direction, Frame
from .. import facts as f

_TX_ID_CHARS = 36  # transactionId's bound in the 2.x schemas


def _cost(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _tx_id(value: Any) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= _TX_ID_CHARS else None


def pushed(frame: Frame) -> list[f.Fact]:
    """A CostUpdated the CSMS sent: the running cost of a transaction."""
    p = frame.payload
    if frame.direction is not Direction.OUT or frame.action != "CostUpdated":
        return []
    if not isinstance(p, dict):
        return []
    cost, tx = _cost(p.get("totalCost")), _tx_id(p.get("transactionId"))
    return [] if cost is None or tx is None else [f.CostTold(frame.ts, tx, cost)]


def answered(call: Frame, answer: Frame) -> list[f.Fact]:
    """The totalCost of the CSMS's answer to a station's TransactionEvent."""
    if call.action != "TransactionEvent" or not isinstance(answer.payload, dict):
        return []
    cost = _cost(answer.payload.get("totalCost"))
    info = call.payload.get("transactionInfo") if isinstance(call.payload, dict) else None
    tx = _tx_id(info.get("transactionId")) if isinstance(info, dict) else None
    return [] if cost is None or tx is None else [f.CostTold(answer.ts, tx, cost)]
