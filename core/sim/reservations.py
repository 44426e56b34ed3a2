"""Reservations a simulated station holds: which connector is kept for which id tag, until when.

Version-neutral: a link turns ReserveNow / CancelReservation into `reserve` / `cancel`
and the answers' words below into its version's (both versions use the same ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MAX_RESERVATIONS = 16  # per station: a CSMS cannot make the simulator hold unbounded state


class ReserveStatus(StrEnum):
    """A ReserveNow answer (the same words in 1.6 and 2.x)."""

    ACCEPTED = "Accepted"
    FAULTED = "Faulted"
    OCCUPIED = "Occupied"
    REJECTED = "Rejected"
    UNAVAILABLE = "Unavailable"


class ReservationEnd(StrEnum):
    """Why a reservation ended without being used (2.x ReservationStatusUpdate words)."""

    EXPIRED = "Expired"
    REMOVED = "Removed"


@dataclass(frozen=True, slots=True)
class Reservation:
    """A connector kept for one id tag until `expires_at` (seconds since the epoch)."""

    reservation_id: int
    connector_id: int
    id_tag: str
    expires_at: float


def refusal(status: str, operative: bool, in_use: bool) -> ReserveStatus | None:
    """Why a connector in `status` cannot take a reservation, or None when it can.

    `in_use`: another reservation holds it (a connector Reserved by the reservation being
    replaced is free for it). The order is the spec's: a fault, availability, occupation.
    """
    if status == "Faulted":
        return ReserveStatus.FAULTED
    if not operative or status == "Unavailable":
        return ReserveStatus.UNAVAILABLE
    if in_use or status not in ("Available", "Reserved"):
        return ReserveStatus.OCCUPIED
    return None
