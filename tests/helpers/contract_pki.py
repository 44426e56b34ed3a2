"""Plug & Charge on loopback: a contract CA made with cryptography, a real OCSP responder
and a contract certificate provider (aiohttp on 127.0.0.1), as the CSMS meets them."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from ocppdeck.core.demo_contracts import Issued, named
from ocppdeck.core.sim.contract_certificate import ContractCertificate, contract_certificate

EMAID = "DEABCC123ABC56"  # the test EV's contract id
ROOT_NAME = "Test V2G Root"


def _certificate(
    common_name: str,
    issuer: Issued | None,
    ca: bool,
    extensions: list[x509.ExtensionType] | None = None,
    expired: bool = False,
) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    end = now - timedelta(days=1) if expired else now + timedelta(days=30)
    builder = (
        x509.CertificateBuilder()
        .subject_name(named(common_name))
        .issuer_name(named(common_name) if issuer is None else issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=30))
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    for extension in extensions or []:
        builder = builder.add_extension(extension, critical=False)
    signer = key if issuer is None else issuer.key
    return Issued(builder.sign(signer, hashes.SHA256()), key)


@dataclass
class ContractPki:
    """A contract (V2G) root, its PEM file, and certificates it issues."""

    folder: Path
    root: Issued = field(init=False)
    root_file: Path = field(init=False)

    def __post_init__(self) -> None:
        self.root = _certificate(ROOT_NAME, None, ca=True)
        self.root_file = self.folder / "contract-root.pem"
        self.root_file.write_bytes(self.root.cert.public_bytes(serialization.Encoding.PEM))

    def contract(
        self, responder_url: str, expired: bool = False
    ) -> tuple[Issued, ContractCertificate]:
        """An EV contract certificate for EMAID naming `responder_url`, and the simulator's
        contract made of it."""
        aia = x509.AuthorityInformationAccess(
            [
                x509.AccessDescription(
                    AuthorityInformationAccessOID.OCSP,
                    x509.UniformResourceIdentifier(responder_url),
                )
            ]
        )
        leaf = _certificate(EMAID, self.root, ca=False, extensions=[aia], expired=expired)
        return leaf, contract_certificate(EMAID, [leaf.cert], self.root.cert, responder_url)

    def delegate(self) -> Issued:
        """A responder certificate the root issued for OCSP signing."""
        usage = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING])
        return _certificate("Test OCSP Responder", self.root, ca=False, extensions=[usage])


def rogue_signer() -> Issued:
    """A CA the contract CA knows nothing of."""
    return _certificate("Rogue Responder", None, ca=True)


@dataclass
class Responder:
    """What the loopback OCSP responder answers: serials revoked or unknown to it, the signer
    it uses (the root when None), and how many requests it got."""

    pki: ContractPki
    revoked: set[int] = field(default_factory=set)
    unknown: set[int] = field(default_factory=set)
    signer: Issued | None = None
    garbage: bool = False
    forged: bool = False  # signs with another key under the root's name
    redirect: str = ""  # when set, a request without a query is sent there (307)
    requests: int = 0
    url: str = ""

    def answer(self, body: bytes) -> bytes:
        self.requests += 1
        if self.garbage:
            return b"not an OCSP response"
        asked = ocsp.load_der_ocsp_request(body)
        signer = self.signer or self.pki.root
        now = datetime.now(UTC)
        revoked = asked.serial_number in self.revoked
        status = ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD
        if asked.serial_number in self.unknown:
            status = ocsp.OCSPCertStatus.UNKNOWN
        builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
            issuer_name_hash=asked.issuer_name_hash,
            issuer_key_hash=asked.issuer_key_hash,
            serial_number=asked.serial_number,
            algorithm=asked.hash_algorithm,
            cert_status=status,
            this_update=now - timedelta(minutes=1),
            next_update=now + timedelta(hours=1),
            revocation_time=now - timedelta(days=1) if revoked else None,
            revocation_reason=None,
        )
        if self.forged:  # a key of its own under the root's name, the certificate kept back
            forger = _certificate(ROOT_NAME, None, ca=True)
            builder = builder.responder_id(ocsp.OCSPResponderEncoding.NAME, forger.cert)
            signed = builder.sign(forger.key, hashes.SHA256())
            return signed.public_bytes(serialization.Encoding.DER)
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, signer.cert)
        if signer is not self.pki.root:
            builder = builder.certificates([signer.cert])
        signed = builder.sign(signer.key, hashes.SHA256())
        return signed.public_bytes(serialization.Encoding.DER)


async def _serve(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_post("/", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}/"


@asynccontextmanager
async def ocsp_responder(pki: ContractPki) -> AsyncIterator[Responder]:
    """A running OCSP responder on 127.0.0.1; stopped on leaving."""
    responder = Responder(pki)

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        if responder.redirect and not request.query:  # the target (with a query) answers
            raise web.HTTPTemporaryRedirect(responder.redirect)
        return web.Response(body=responder.answer(body), content_type="application/ocsp-response")

    runner, responder.url = await _serve(handle)
    try:
        yield responder
    finally:
        await runner.cleanup()


@dataclass
class Provider:
    """What the loopback certificate provider answers (raw bytes), and what it was sent."""

    answer: bytes = b""
    received: list[dict[str, object]] = field(default_factory=list)
    url: str = ""


EXI_RESPONSE = base64.b64encode(b"\x80\x98\x02 a CertificateInstallationRes").decode()


@asynccontextmanager
async def certificate_provider() -> AsyncIterator[Provider]:
    """A running contract certificate provider on 127.0.0.1; stopped on leaving."""
    provider = Provider(answer=b'{"exiResponse": "' + EXI_RESPONSE.encode() + b'"}')

    async def handle(request: web.Request) -> web.Response:
        provider.received.append(await request.json())
        return web.Response(body=provider.answer, content_type="application/json")

    runner, provider.url = await _serve(handle)
    try:
        yield provider
    finally:
        await runner.cleanup()
