"""The station registry: which stations may connect, with what password, and who waits.

Kept in the store (TinyDB), with an in-memory index so a handshake never
queries the database. A password is kept only as its hash (core/csms/passwords.py).

Registration decides what happens to a station the registry does not know:
`open` lets it in (a demo on loopback), `pending` lets it in but answers its
boot Pending until an operator accepts or rejects it, `closed` refuses it at
the handshake.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from tinydb import Query

from ..clock import Clock
from .identity import IdentityError, check_identity
from .passwords import check_password, generate_password, hash_password
from .store import Store


class Registration(StrEnum):
    """What the CSMS does with a station the registry does not know."""

    OPEN = "open"
    PENDING = "pending"
    CLOSED = "closed"


class Standing(StrEnum):
    """Where a station stands with the operator."""

    ACCEPTED = "accepted"
    PENDING = "pending"  # connected unknown under pending registration; waits for the operator
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Registered:
    """One station of the registry."""

    station_id: str
    standing: Standing
    password_hash: str | None = None  # None: no password set (profile 0 and 3 need none)
    added_at: float = 0.0
    # The lowest security profile it may connect at (0: the CSMS's); raised by an upgrade
    # (core/csms/profile_upgrade.py), so the old profile is refused from then on.
    profile: int = 0


class RegistryError(ValueError):
    """A registry change that cannot be made; the message says why."""


def _to_record(entry: Registered) -> dict[str, object]:
    return {
        "id": entry.station_id,
        "standing": entry.standing.value,
        "password_hash": entry.password_hash,
        "added_at": entry.added_at,
        "profile": entry.profile,
    }


class StationRegistry:
    """Add, remove, accept, reject stations and set their passwords."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._table = store.db.table("stations")
        self._index: dict[str, Registered] = {}
        self._pending: set[str] = set()
        for doc in self._table.all():
            try:
                entry = Registered(
                    str(doc["id"]),
                    Standing(doc.get("standing", Standing.ACCEPTED)),
                    doc.get("password_hash"),
                    float(doc.get("added_at", 0.0)),
                    int(doc.get("profile", 0)),
                )
            except (KeyError, ValueError, TypeError):
                continue  # a hand-edited record nobody can read: the station is unknown
            self._index[entry.station_id] = entry
            if entry.standing is Standing.PENDING:
                self._pending.add(entry.station_id)

    def pending_count(self) -> int:
        """How many stations wait for the operator."""
        return len(self._pending)

    def get(self, station_id: str) -> Registered | None:
        """The station's entry, if registered (or pending)."""
        return self._index.get(station_id)

    def entries(self) -> list[Registered]:
        """Every entry, sorted by id."""
        return [self._index[sid] for sid in sorted(self._index)]

    def _put(self, entry: Registered) -> Registered:
        self._table.remove(Query().id == entry.station_id)
        self._table.insert(_to_record(entry))
        self._index[entry.station_id] = entry
        if entry.standing is Standing.PENDING:
            self._pending.add(entry.station_id)
        else:
            self._pending.discard(entry.station_id)
        return entry

    @staticmethod
    def _valid_id(station_id: str) -> str:
        try:
            return check_identity(station_id)
        except IdentityError as exc:
            raise RegistryError(str(exc)) from None

    def add(
        self, station_id: str, password: str | None = None, *, password_hash: str | None = None
    ) -> tuple[Registered, str]:
        """Register an accepted station with a password (a new one when None): the entry and
        the password in clear, to hand over once. With `password_hash` (made off the event
        loop from a password the caller holds) nothing is hashed here and "" is returned."""
        station_id = self._valid_id(station_id)
        if station_id in self._index and self._index[station_id].standing is not Standing.PENDING:
            raise RegistryError(f"{station_id} is already registered")
        secret = ""
        if password_hash is None:
            secret = generate_password() if password is None else password
            try:
                password_hash = hash_password(secret)
            except ValueError as exc:
                raise RegistryError(str(exc)) from None
        entry = Registered(station_id, Standing.ACCEPTED, password_hash, self._clock.now())
        return self._put(entry), secret

    def remove(self, station_id: str) -> None:
        """Forget a station: it is unknown again."""
        if self._index.pop(station_id, None) is None:
            raise RegistryError(f"{station_id} is not registered")
        self._pending.discard(station_id)
        self._table.remove(Query().id == station_id)

    def set_password(self, station_id: str, password: str | None = None) -> str:
        """A new password for a registered station (generated when None), in clear, once."""
        self._known(station_id)
        secret = generate_password() if password is None else password
        try:
            check_password(secret)
        except ValueError as exc:
            raise RegistryError(str(exc)) from None
        self.set_password_hash(station_id, hash_password(secret))
        return secret

    def set_password_hash(self, station_id: str, password_hash: str) -> Registered:
        """Keep a password already hashed (made off the event loop) for a registered station."""
        return self._put(replace(self._known(station_id), password_hash=password_hash))

    def set_profile(self, station_id: str, profile: int) -> Registered:
        """The lowest security profile a registered station may connect at from now on."""
        if profile not in (0, 1, 2, 3):
            raise RegistryError(f"a security profile is 0 to 3, not {profile}")
        return self._put(replace(self._known(station_id), profile=profile))

    def accept(self, station_id: str) -> Registered:
        """Let a pending (or rejected) station in: its next boot is Accepted."""
        return self._put(replace(self._known(station_id), standing=Standing.ACCEPTED))

    def reject(self, station_id: str) -> Registered:
        """Refuse a station: its boot is Rejected and its next handshake refused."""
        return self._put(replace(self._known(station_id), standing=Standing.REJECTED))

    def note_pending(self, station_id: str, password_hash: str | None) -> Registered:
        """An unknown station connected under pending registration, with the password it gave
        (hashed), which becomes its own when an operator accepts it."""
        entry = Registered(station_id, Standing.PENDING, password_hash, self._clock.now())
        return self._put(entry)

    def _known(self, station_id: str) -> Registered:
        entry = self._index.get(station_id)
        if entry is None:
            raise RegistryError(f"{station_id} is not registered")
        return entry
