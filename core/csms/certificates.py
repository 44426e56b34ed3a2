"""What the CSMS knows of each station's certificate, and the CA that signs them.

Two sources, one record per station of each (so the store stays bounded):
the certificate ocppdeck signed for it (core/csms/station_ca.py), and the
client certificate it presented on its last TLS connection (security profile
3). The stations pane flags a station whose certificate ends within
`EXPIRY_WARNING_S`; a profile upgrade to 3 needs one ocppdeck signed. Kept in
the store (TinyDB), rewritten only when a station's certificate changes.
"""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinydb import Query

from ..clock import Clock
from .station_ca import CsrRefused, Signed, StationCa
from .store import Store

log = logging.getLogger("ocppdeck.csms.certificates")

EXPIRY_WARNING_S = 30 * 24 * 3600.0  # flagged when a certificate ends sooner than this
SIGNED = "signed"  # a certificate ocppdeck's station CA made
PRESENTED = "presented"  # the client certificate of the station's last TLS connection
NO_CA = "no station CA is configured (--station-ca-cert / --station-ca-key)"
# A station gets one certificate a minute at most: a flood of CSRs signs nothing more and
# queues no more CertificateSigned calls.
SIGN_INTERVAL_S = 60.0


@dataclass(frozen=True, slots=True)
class KnownCertificate:
    """A station certificate the CSMS knows of: where from, its serial (hex) and its end."""

    station_id: str
    source: str  # SIGNED or PRESENTED
    serial: str
    not_after: float


class StationCertificates:
    """The station CA (None: not configured) and the book of known certificates."""

    def __init__(self, store: Store, clock: Clock, ca: StationCa | None) -> None:
        self.ca = ca
        self._clock = clock
        self._table = store.db.table("certificates")
        self._known: dict[tuple[str, str], KnownCertificate] = {}
        self._signed_at: dict[str, float] = {}  # this run's signings, per station
        for doc in self._table.all():
            try:
                found = KnownCertificate(
                    str(doc["station"]), str(doc["source"]), str(doc["serial"]), float(doc["end"])
                )
            except (KeyError, TypeError, ValueError):
                continue  # a hand-edited record: that certificate is not known
            self._known[(found.station_id, found.source)] = found

    def refusal(self, station_id: str, csr: str, certificate_type: str = "") -> str | None:
        """Why a SignCertificate is answered Rejected (logged), or None to accept it."""
        reason = self._why_not(station_id, csr, certificate_type)
        if reason is not None:
            log.warning(
                "refused %s's certificate signing request: %s",
                station_id,
                reason,
                extra={"station": station_id},
            )
        return reason

    def issue(self, station_id: str, csr: str, certificate_type: str = "") -> Signed | None:
        """A certificate for a CSR `refusal` accepted, noted in the book; None for one it
        refused (checked again here: the answer went out before this is asked)."""
        if self.ca is None or self._why_not(station_id, csr, certificate_type) is not None:
            return None
        signed = self.ca.sign(station_id, csr, self._clock)
        self._signed_at[station_id] = self._clock.now()
        self._note(KnownCertificate(station_id, SIGNED, f"{signed.serial:x}", signed.not_after))
        log.info("signed a certificate for %s", station_id, extra={"station": station_id})
        return signed

    def _why_not(self, station_id: str, csr: str, certificate_type: str) -> str | None:
        if self.ca is None:
            return NO_CA
        if certificate_type not in ("", "ChargingStationCertificate"):
            return f"ocppdeck signs charging station certificates, not {certificate_type[:40]}"
        last = self._signed_at.get(station_id)
        if last is not None and self._clock.now() - last < SIGN_INTERVAL_S:
            return f"a certificate was signed for it less than {SIGN_INTERVAL_S:.0f} s ago"
        try:
            self.ca.check(station_id, csr)
        except CsrRefused as exc:
            return str(exc)
        return None

    def presented(self, station_id: str, transport: Any) -> None:
        """Note the client certificate a connection presented (nothing without one)."""
        peer = transport.get_extra_info("peercert") if transport is not None else None
        if not peer or "notAfter" not in peer:
            return
        try:
            end = float(ssl.cert_time_to_seconds(str(peer["notAfter"])))
        except ValueError:
            return
        try:  # OpenSSL's hex, zero-padded: as the book writes serials, unpadded
            serial = f"{int(str(peer.get('serialNumber', ''))[:64], 16):x}"
        except ValueError:
            serial = ""
        self._note(KnownCertificate(station_id, PRESENTED, serial, end))

    def _note(self, found: KnownCertificate) -> None:
        key = (found.station_id, found.source)
        if self._known.get(key) == found:
            return  # a reconnect with the same certificate writes nothing
        self._known[key] = found
        where = (Query().station == found.station_id) & (Query().source == found.source)
        self._table.remove(where)
        record = {
            "station": found.station_id,
            "source": found.source,
            "serial": found.serial,
            "end": found.not_after,
        }
        self._table.insert(record)

    def of(self, station_id: str) -> list[KnownCertificate]:
        """The station's known certificates, signed first."""
        return [
            found
            for source in (SIGNED, PRESENTED)
            if (found := self._known.get((station_id, source))) is not None
        ]

    def expiring(self, station_id: str) -> KnownCertificate | None:
        """The station's certificate that ends first, if it ends within the warning
        (or has ended)."""
        soonest = min(self.of(station_id), key=lambda c: c.not_after, default=None)
        if soonest is None or soonest.not_after - self._clock.now() > EXPIRY_WARNING_S:
            return None
        return soonest

    def signed_valid(self, station_id: str) -> bool:
        """Whether ocppdeck signed a certificate for the station that has not ended."""
        found = self._known.get((station_id, SIGNED))
        return found is not None and found.not_after > self._clock.now()


def load_station_ca(cert: Path | None, key: Path | None) -> StationCa | None:
    """The configured station CA, None when there is none (CaError for unusable files)."""
    if cert is None or key is None:
        return None
    return StationCa.load(cert, key)
