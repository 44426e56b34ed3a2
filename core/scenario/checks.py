"""Judging a step from its frames: the answer to its message against its `expect`,
and every other message of the step answered without a CALLERROR."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..wire.frame import Direction, Frame, Kind
from .plan import Expect
from .wire_record import answer_in


def status_of(payload: Any) -> str | None:
    """An answer's status: its own, or its idTagInfo's (1.6) or idTokenInfo's (2.x)."""
    if not isinstance(payload, dict):
        return None
    for found in (payload, payload.get("idTagInfo"), payload.get("idTokenInfo")):
        if isinstance(found, dict) and isinstance(found.get("status"), str):
            return str(found["status"])
    return None


def describe(answer: Frame) -> str:
    """An answer in a few words: its status, transaction id or CALLERROR code."""
    if answer.kind is Kind.ERROR:
        return f"CALLERROR {answer.action}"
    parts = []
    if (status := status_of(answer.payload)) is not None:
        parts.append(status)
    if isinstance(answer.payload, dict) and "transactionId" in answer.payload:
        parts.append(f"transactionId {answer.payload['transactionId']}")
    return ", ".join(parts) or "answered"


def expectation_failure(expect: Expect, answer: Frame) -> str | None:
    """What is wrong with `answer` given `expect`; None when it is what was expected."""
    if expect.error is not None:
        if answer.kind is not Kind.ERROR:
            return f"expected CALLERROR {expect.error}, got {describe(answer)}"
        if answer.action != expect.error:
            return f"expected CALLERROR {expect.error}, got CALLERROR {answer.action}"
        return None
    if answer.kind is Kind.ERROR:
        return f"expected an answer, got CALLERROR {answer.action} ({answer.text})"
    if expect.status is not None and status_of(answer.payload) not in expect.status:
        wanted = " or ".join(expect.status)
        return f"expected status {wanted}, got {status_of(answer.payload) or 'none'}"
    if expect.transaction_id is not None:
        given = isinstance(answer.payload, dict) and "transactionId" in answer.payload
        if given != expect.transaction_id:
            return (
                "expected a transactionId, got none"
                if expect.transaction_id
                else ("expected no transactionId")
            )
    return None


def main_call(frames: Sequence[Frame], actions: frozenset[str]) -> Frame | None:
    """The station's last CALL of one of `actions` among the step's frames."""
    return next(
        (
            f
            for f in reversed(frames)
            if f.kind is Kind.CALL and f.direction is Direction.IN and f.action in actions
        ),
        None,
    )


def unanswered(frames: Sequence[Frame], judged: Frame | None) -> str | None:
    """What went wrong with the station's other calls in the step (those not answered by
    `judged`): a CALLERROR, or no answer at all; None when each got a CALLRESULT."""
    for call in frames:
        if call.kind is not Kind.CALL or call.direction is not Direction.IN:
            continue
        answer = answer_in(list(frames), call.unique_id)
        if answer is not None and answer is judged:
            continue
        if answer is None:
            return f"{call.action} got no answer"
        if answer.kind is Kind.ERROR:
            return f"{call.action} got CALLERROR {answer.action} ({answer.text})"
    return None
