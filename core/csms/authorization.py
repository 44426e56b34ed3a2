"""What the CSMS answers for an id tag: its status now, with the expiry and parent (its
group) the store holds, and ConcurrentTx when the tag is already charging elsewhere; and
what a local authorization list says of a stored tag (the same answer, ahead of time)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ..clock import Clock
from ..model.state import State
from .id_tags import MAX_TAG_LENGTH, effective_status
from .store import IdTag, Store


@dataclass(frozen=True, slots=True)
class Authorization:
    """An idTagInfo (1.6) / idTokenInfo (2.x): status, expiry (OCPP timestamp) and parent."""

    status: str  # Accepted, Blocked, Expired, Invalid, ConcurrentTx
    expiry: str | None = None
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class ListedTag:
    """A local authorization list entry: the tag, its 2.x idToken type ("" for any) and the
    idTagInfo / idTokenInfo the station is to use for it while it cannot ask."""

    tag: str
    token_type: str
    info: Authorization


class TagRecords(Protocol):
    """Where the id tags are kept: the store, or an attached console's copy of it."""

    def id_tag(self, tag: str) -> IdTag | None:
        """The stored tag, None when unknown."""
        ...


class TagLister(Protocol):
    """What a local list is made of: an entry per tag, None for one that cannot be listed."""

    def listed(self, name: str) -> ListedTag | None:
        """The local list entry for the tag `name` now."""
        ...


def stored_answer(records: TagRecords, tag: IdTag, now: float) -> Authorization:
    """The answer for a stored tag at `now`: its effective status (a Blocked group blocks
    its members, an expiry expires), its expiry and its group (parent)."""
    parent = records.id_tag(tag.parent) if tag.parent else None
    return Authorization(effective_status(tag, now, parent), tag.expiry, tag.parent)


class KeptTags:
    """Local list entries from a copy of the id tags (an attached console's): a tag the copy
    does not hold cannot be listed, as only the CSMS knows how it answers unknown tags."""

    def __init__(self, records: TagRecords, clock: Clock) -> None:
        self._records = records
        self._clock = clock

    def listed(self, name: str) -> ListedTag | None:
        """The entry for a kept tag now; None for one the copy does not hold."""
        tag = self._records.id_tag(name)
        if tag is None:
            return None
        answer = stored_answer(self._records, tag, self._clock.now())
        return ListedTag(tag.tag, tag.token_type, answer)


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
        if len(id_tag) > MAX_TAG_LENGTH:  # no card carries it (an unvalidated station's bytes)
            return Authorization("Invalid")
        tag = self._store.id_tag(id_tag)
        if tag is None:
            return Authorization("Accepted" if self.accept_unknown else "Invalid")
        status = stored_answer(self._store, tag, self._clock.now()).status
        if status == "Accepted" and tag.token_type and token_type and token_type != tag.token_type:
            status = "Invalid"  # a 2.x token is its value and its type
        busy_elsewhere = starting is not None and not self.concurrent_tx
        if status == "Accepted" and busy_elsewhere and self._charging_elsewhere(id_tag, starting):
            status = "ConcurrentTx"
        return Authorization(status, tag.expiry, tag.parent)

    def listed(self, name: str) -> ListedTag:
        """The local list entry for `name`: what Authorize would answer now (an unknown tag
        too: Accepted only where unknown tags are), so a station offline decides as the CSMS
        would have."""
        tag = self._store.id_tag(name)
        return ListedTag(name, tag.token_type if tag else "", self.authorize(name))

    def _charging_elsewhere(self, id_tag: str, starting: str) -> bool:
        return any(
            tx.id_tag == id_tag and tx.transaction_id != starting
            for tx in self._state().open.values()
        )
