"""Where a simulated station connects: the URL it was installed with, and those a CSMS
gave it since.

2.x: SetNetworkProfile fills a slot (a URL) and OCPPCommCtrlr.NetworkConfigurationPriority
names the slots in the order to try them; slot 1 holds the installer's URL. 1.6 has no
standard key for the URL, so the station takes the one many 1.6 firmwares do
(CentralSystemURI). Either way a new URL counts from the station's next connection (the
reset that follows), as firmware reads its network settings when it connects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

INSTALLED_SLOT = 1
MAX_SLOTS = 4  # network profile slots a simulated station has (1 to 4)
MAX_URL = 512  # 2.x ocppCsmsUrl's bound


def valid_url(url: str) -> bool:
    """A ws:// or wss:// URL with a host, printable ASCII, within MAX_URL."""
    if not (0 < len(url) <= MAX_URL and url.isascii() and url.isprintable()) or " " in url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("ws", "wss") and bool(parts.hostname)


@dataclass(slots=True)
class NetworkProfiles:
    """The station's URLs by slot, and the one its next connection goes to."""

    url: str  # where it connects now
    slots: dict[int, str] = field(default_factory=dict)
    next_url: str | None = None  # taken at the next connection

    def __post_init__(self) -> None:
        self.slots.setdefault(INSTALLED_SLOT, self.url)

    def set_slot(self, slot: int, url: str) -> bool:
        """SetNetworkProfile: keep `url` in `slot` (1 to MAX_SLOTS); False when unusable."""
        if not (1 <= slot <= MAX_SLOTS and valid_url(url)):
            return False
        self.slots[slot] = url
        return True

    def prioritize(self, order: str) -> bool:
        """NetworkConfigurationPriority ("2,1"): every slot named must be set; the first is
        where the next connection goes. False (nothing changed) otherwise."""
        try:
            named = [int(part) for part in order.split(",")]
        except ValueError:
            return False
        if not named or any(slot not in self.slots for slot in named):
            return False
        self.move_to(self.slots[named[0]])
        return True

    def move_to(self, url: str) -> bool:
        """Connect to `url` from the next connection on (1.6 CentralSystemURI)."""
        if not valid_url(url):
            return False
        self.next_url = None if url == self.url else url
        return True

    def connecting(self) -> str:
        """The URL for the connection about to be made (a pending one now counts)."""
        if self.next_url is not None:
            self.url, self.next_url = self.next_url, None
        return self.url
