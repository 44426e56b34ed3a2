"""How often a refused handshake is logged and recorded: a flood of bad handshakes from one
address must fill neither the log nor the disk, yet a station's own failures still show.

A refusal is noted at most once a minute per (address, station), and at most
PER_ADDRESS times a minute per address, whatever station ids it tries. Every
refusal is still counted in /metrics.
"""

from __future__ import annotations

from ..wire.join import bounded_put

WINDOW = 60.0  # seconds
PER_ADDRESS = 20  # refusals noted per address per window
_REMEMBERED = 10_000  # (address, station) pairs and addresses kept; the oldest go first


class RefusalLimiter:
    """Says whether a refusal should be noted now."""

    def __init__(self) -> None:
        self._pairs: dict[tuple[str, str], float] = {}
        self._addresses: dict[str, tuple[float, int]] = {}  # address -> (window start, noted)

    def should_note(self, address: str, station_id: str, now: float) -> bool:
        """True when this refusal is to be logged and recorded."""
        last = self._pairs.get((address, station_id))
        if last is not None and now - last < WINDOW:
            return False
        start, noted = self._addresses.get(address, (now, 0))
        if now - start >= WINDOW:
            start, noted = now, 0
        if noted >= PER_ADDRESS:
            return False
        bounded_put(self._addresses, address, (start, noted + 1), _REMEMBERED)
        bounded_put(self._pairs, (address, station_id), now, _REMEMBERED)
        return True
