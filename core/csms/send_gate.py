"""What the CSMS may send a station on its connection now, by how its boot was answered.

A connection's queued commands wait until the station's first message has been
answered: a station that boots on (re)connecting gets its boot answered before
anything else, and one that reconnects without booting (a network blip) gets
its queue as soon as its first message (a Heartbeat, a StatusNotification) is
answered. After a boot answered Pending, only what the spec allows a Pending
station goes (1.6 §4.2, 2.x B02: reading information and changing
configuration, and TriggerMessage, which is how the CSMS asks for a message,
a new boot included); after Rejected, nothing ("the Central System SHOULD NOT
initiate any"). The rest stay queued until a boot is answered Accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

# The calls a CSMS may send a station whose boot was answered Pending, in every version:
# reading information and changing configuration. Remote start and stop are refused then.
PENDING_ALLOWED = frozenset(
    {
        "GetConfiguration",  # 1.6
        "ChangeConfiguration",  # 1.6
        "GetLocalListVersion",
        "TriggerMessage",
        "ExtendedTriggerMessage",  # 1.6 security extension
        "GetVariables",  # 2.x
        "SetVariables",  # 2.x
        "GetBaseReport",  # 2.x
        "GetReport",  # 2.x
        "SetNetworkProfile",  # 2.x
    }
)


class Clearance(StrEnum):
    """How much the CSMS may send on a connection."""

    WAITING = "waits for the station's first message"
    PENDING = "boot Pending: reads and configuration only"
    REJECTED = "boot Rejected: nothing"
    OPEN = "open"


_BY_REGISTRATION = {
    "Accepted": Clearance.OPEN,
    "Pending": Clearance.PENDING,
    "Rejected": Clearance.REJECTED,
}


class SendGate:
    """One connection's clearance; `on_change` is called whenever it changes."""

    def __init__(self, clearance: Clearance = Clearance.WAITING) -> None:
        self.clearance = clearance
        self.on_change: Callable[[], None] | None = None

    def allows(self, action: str) -> bool:
        """Whether a call of `action` may go to the station now."""
        if self.clearance is Clearance.OPEN:
            return True
        return self.clearance is Clearance.PENDING and action in PENDING_ALLOWED

    @property
    def waiting(self) -> bool:
        """Whether none of the station's messages has been answered on this connection."""
        return self.clearance is Clearance.WAITING

    def boot_answered(self, registration: str) -> None:
        """A boot was answered `registration` (Accepted, Pending or Rejected)."""
        self._become(_BY_REGISTRATION.get(registration, Clearance.REJECTED))

    def first_answered(self, registration: str) -> None:
        """The station's first message was answered, and it was not a boot: a reconnect
        without a reboot. `registration` is how the CSMS would answer its boot now."""
        if self.waiting:
            self.boot_answered(registration)

    def _become(self, clearance: Clearance) -> None:
        if clearance is not self.clearance:
            self.clearance = clearance
            if self.on_change is not None:
                self.on_change()
