"""What a station whose boot was answered Pending may send the CSMS (OCPP 1.6 §4.2, 2.x B02).

While Pending a station sends nothing but BootNotification unless the CSMS asks for
it: a TriggerMessage names the message it wants (a StatusNotification, a Heartbeat,
a new boot …), and a GetBaseReport or GetReport is answered by NotifyReport parts.
Anything else is refused with the CALLERROR SecurityError (2.x B02; OCPP-J 1.6 has the
same code), and the connection stays open, so the operator can go on provisioning the
station (what the CSMS may send it then is core/csms/send_gate.py's).
"""

from __future__ import annotations

from typing import Any

ALWAYS = frozenset({"BootNotification"})
# The station messages that answer the CSMS's calls allowed while Pending.
ANSWERED_BY = {"GetBaseReport": "NotifyReport", "GetReport": "NotifyReport"}
_TRIGGERS = frozenset({"TriggerMessage", "ExtendedTriggerMessage"})
# A TriggerMessage's requestedMessage, where it is not the name of the action it asks for.
_TRIGGERED = {
    "SignChargingStationCertificate": "SignCertificate",
    "SignV2GCertificate": "SignCertificate",
    "SignV2G20Certificate": "SignCertificate",
    "SignCombinedCertificate": "SignCertificate",
}
_MAX_ASKED = 32  # far past the messages a TriggerMessage can name


class PendingRules:
    """One connection's record of what the CSMS asked the station for."""

    def __init__(self) -> None:
        self._asked: set[str] = set()

    def sent(self, action: str, payload: Any) -> None:
        """The CSMS sent the station a call (`payload`: the library's request dataclass)."""
        if action in _TRIGGERS:
            found = getattr(payload, "requested_message", "")
            requested = str(getattr(found, "value", found))  # an enum of the library, or text
            self._note(_TRIGGERED.get(requested, requested))
        elif action in ANSWERED_BY:
            self._note(ANSWERED_BY[action])

    def allows(self, action: str) -> bool:
        """Whether a Pending station may send a call of `action`."""
        return action in ALWAYS or action in self._asked

    def _note(self, action: str) -> None:
        if action and len(self._asked) < _MAX_ASKED:
            self._asked.add(action)
