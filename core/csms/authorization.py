"""What the CSMS answers for an id tag: its status now, with the expiry and parent the
store holds, and ConcurrentTx when the tag is already charging elsewhere."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..clock import Clock
from ..model.state import State
from .id_tags import effective_status
from .store import Store


@dataclass(frozen=True, slots=True)
class Authorization:
    """An idTagInfo (1.6) / idTokenInfo (2.x): status, expiry (OCPP timestamp) and parent."""

    status: str  # Accepted, Blocked, Expired, Invalid, ConcurrentTx
    expiry: str | None = None
    parent: str | None = None


class Authorizer:
    """Answers for id tags from the store, on the CSMS clock."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        state: Callable[[], State],
        accept_unknown: bool = False,
        concurrent_tx: bool = False,
    ) -> None:
        self._store = store
        self._clock = clock
        self._state = state  # a function: a restore may replace the state object
        self.accept_unknown = accept_unknown
        self.concurrent_tx = concurrent_tx

    def authorize(
        self, id_tag: str, token_type: str = "", starting: str | None = None
    ) -> Authorization:
        """The answer for `id_tag` (of 2.x `token_type`, "" when not given).

        `starting` is given when a transaction starts with the tag: "" for a 1.6
        StartTransaction, the transaction id for a 2.x TransactionEvent Started
        (the projection has folded it already). A tag with another transaction
        open is then ConcurrentTx, unless concurrent transactions are allowed.
        """
        tag = self._store.id_tag(id_tag)
        if tag is None:
            return Authorization("Accepted" if self.accept_unknown else "Invalid")
        parent = self._store.id_tag(tag.parent) if tag.parent else None
        status = effective_status(tag, self._clock.now(), parent)
        if status == "Accepted" and tag.token_type and token_type and token_type != tag.token_type:
            status = "Invalid"  # a 2.x token is its value and its type
        busy_elsewhere = starting is not None and not self.concurrent_tx
        if status == "Accepted" and busy_elsewhere and self._charging_elsewhere(id_tag, starting):
            status = "ConcurrentTx"
        return Authorization(status, tag.expiry, tag.parent)

    def _charging_elsewhere(self, id_tag: str, starting: str) -> bool:
        return any(
            tx.id_tag == id_tag and tx.transaction_id != starting
            for tx in self._state().open.values()
        )
