"""OCSP over HTTP for the contract certificates stations ask about, with what it learned
kept until each answer's nextUpdate.

The responder URL is the station's: a URL it names could point anywhere the CSMS
can reach (an internal service, a metadata endpoint). So a request goes only to
a responder host the operator allowed (`--ocsp-responder-hosts`; none by
default), over http or https, without following redirects, within
`TIMEOUT_S`, reading at most `MAX_ANSWER_BYTES` and never decompressing; at most
`CONCURRENT` requests are out at once for the whole CSMS (a station's own calls
are answered one at a time by its session, so it has at most one check out).
An answer counts only as core/csms/ocsp_check.py believes it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit

from cryptography import x509

from ..clock import Clock
from .ocsp_check import CertId, OcspUnusable, Verdict, request_der, verdict
from .outgoing_http import HttpFailure, Session, printable

log = logging.getLogger("ocppdeck.csms.ocsp")

TIMEOUT_S = 5.0
MAX_ANSWER_BYTES = 64 * 1024
CONCURRENT = 8
CACHED = 1024  # believed answers kept, the oldest dropped first
_SCHEMES = ("http", "https")


class OcspClient:
    """Asks responders the stations name about certificates the contract CA stands behind."""

    def __init__(
        self,
        roots: Sequence[x509.Certificate],
        allowed_hosts: Sequence[str],
        clock: Clock,
        session: Session,
    ) -> None:
        self.roots = list(roots)
        self._allowed = frozenset(h.strip().lower() for h in allowed_hosts if h.strip())
        self._clock = clock
        self._session = session
        self._limit = asyncio.Semaphore(CONCURRENT)
        self._cache: dict[CertId, Verdict] = {}

    async def check(self, station_id: str, cert_id: CertId, url: str) -> Verdict:
        """The believed status of `cert_id` from the responder at `url` (or a cached one);
        OcspUnusable saying why there is none. Each check is logged."""
        now = datetime.fromtimestamp(self._clock.now(), UTC)
        try:
            found = self._cached(cert_id, now)
            source = "cached"
            if found is None:
                found = verdict(await self._ask(url, cert_id), cert_id, self.roots, now)
                self._keep(cert_id, found)
                source = printable(url)
        except OcspUnusable as exc:
            log.warning(
                "OCSP for %s's certificate %s at %s: %s",
                station_id,
                cert_id.label,
                printable(url),
                exc,
                extra={"station": station_id},
            )
            raise
        log.info(
            "OCSP for %s's certificate %s (%s): %s",
            station_id,
            cert_id.label,
            source,
            found.status,
            extra={"station": station_id},
        )
        return found

    def _cached(self, cert_id: CertId, now: datetime) -> Verdict | None:
        found = self._cache.get(cert_id)
        if found is None or found.next_update is None or found.next_update <= now:
            self._cache.pop(cert_id, None)
            return None
        return found

    def _keep(self, cert_id: CertId, found: Verdict) -> None:
        if found.next_update is None:  # no nextUpdate: newer information is always available
            return
        self._cache.pop(cert_id, None)
        self._cache[cert_id] = found
        while len(self._cache) > CACHED:
            del self._cache[next(iter(self._cache))]

    async def _ask(self, url: str, cert_id: CertId) -> bytes:
        self._check_url(url)
        async with self._limit:
            try:
                return await self._session.post(
                    url,
                    request_der(cert_id),
                    "application/ocsp-request",
                    MAX_ANSWER_BYTES,
                    TIMEOUT_S,
                )
            except HttpFailure as exc:
                raise OcspUnusable(str(exc)) from None

    def _check_url(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise OcspUnusable("the responder URL is not a URL") from None
        host = (parts.hostname or "").lower()
        if parts.scheme not in _SCHEMES or not host or parts.username or parts.password:
            raise OcspUnusable("the responder URL is not http(s)://host/…")
        named = {host} if port is None else {host, f"{host}:{port}"}
        if not named & self._allowed:
            raise OcspUnusable(f"responder host {printable(host)} is not in --ocsp-responder-hosts")
