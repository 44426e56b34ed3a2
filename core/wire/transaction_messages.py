"""Transaction-related messages: the ones a station keeps until the CSMS has taken them.

OCPP 1.6 ("Transaction-Related Messages": StartTransaction, StopTransaction and the
MeterValues of a transaction) and 2.x (E13: TransactionEvent) have a station send
such a message again when the CSMS answers it with a CallError, a few times apart
(1.6 TransactionMessageAttempts / TransactionMessageRetryInterval, 2.x
OCPPCommCtrlr.MessageAttemptsTransactionEvent / MessageAttemptIntervalTransactionEvent).
So a CSMS that cannot keep one now refuses it, and the station's copy survives.
"""

from __future__ import annotations

from typing import Any

ALWAYS = frozenset({"StartTransaction", "StopTransaction", "TransactionEvent"})

# The CallError's details when the CSMS cannot keep a transaction-related message now.
UNSTORED = "the CSMS cannot store it now: send it again"


def transaction_related(action: str, payload: Any) -> bool:
    """Whether a CALL is transaction-related (a 1.6 MeterValues only with a transactionId);
    `payload` as on the wire (a dict) or as the `ocpp` library's call object."""
    if action in ALWAYS:
        return True
    if action != "MeterValues":
        return False
    if isinstance(payload, dict):
        return payload.get("transactionId") is not None
    return getattr(payload, "transaction_id", None) is not None
