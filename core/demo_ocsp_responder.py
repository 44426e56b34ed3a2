"""The demo's OCSP responder (RFC 6960 over HTTP POST), on 127.0.0.1 only, for the demo's
contract CA (core/demo_contracts.py): each answer signed by the certificate's issuer, which
it carries when that is not the root, so the CSMS believes it as it would a real one's.

Requests come from anything on the machine: a body too big or not an OCSP request is
answered malformedRequest, one for a CA it does not hold unauthorized.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from .clock import Clock
from .csms.ocsp_check import HASHES, issuer_hashes
from .demo_contracts import Issued

LOOPBACK = "127.0.0.1"
MAX_REQUEST_BYTES = 4096  # an OCSP request for one certificate is about 100
_FRESH = timedelta(hours=1)  # each answer's nextUpdate: the CSMS keeps it until then
_CONTENT_TYPE = "application/ocsp-response"


class DemoOcspResponder:
    """Tells the status of certificates `issuers` issued: good, or revoked when its serial
    is in `revoked`."""

    def __init__(self, issuers: Sequence[Issued], clock: Clock) -> None:
        self._issuers = list(issuers)  # the first is the root: its answers carry no certificate
        self._clock = clock
        self.revoked: set[int] = set()
        self.address = ""  # host:port once listening
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        """Listen on a free port of 127.0.0.1; the URL to name in certificates."""
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_post("/", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, LOOPBACK, 0).start()
        self.address = f"{LOOPBACK}:{self._runner.addresses[0][1]}"
        return f"http://{self.address}/"

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.Response:
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            body = b""
        return web.Response(body=self.answer(body), content_type=_CONTENT_TYPE)

    def answer(self, body: bytes) -> bytes:
        """The DER answer to a DER request."""
        try:
            asked = ocsp.load_der_ocsp_request(body)
            algorithm = asked.hash_algorithm
        except ValueError:
            return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        name = algorithm.name.upper()
        named = (asked.issuer_name_hash, asked.issuer_key_hash)
        issuer = next(
            (i for i in self._issuers if name in HASHES and issuer_hashes(i.cert, name) == named),
            None,
        )
        if issuer is None:  # not one of its CAs, or a hash the CSMS would not send
            return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
        now = datetime.fromtimestamp(self._clock.now(), UTC)
        revoked = asked.serial_number in self.revoked
        builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
            issuer_name_hash=asked.issuer_name_hash,
            issuer_key_hash=asked.issuer_key_hash,
            serial_number=asked.serial_number,
            algorithm=algorithm,
            cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
            this_update=now - timedelta(minutes=1),
            next_update=now + _FRESH,
            revocation_time=now - timedelta(days=1) if revoked else None,
            revocation_reason=None,
        )
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, issuer.cert)
        if issuer is not self._issuers[0]:
            builder = builder.certificates([issuer.cert])
        signed = builder.sign(issuer.key, hashes.SHA256())
        return signed.public_bytes(serialization.Encoding.DER)


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER
    )
