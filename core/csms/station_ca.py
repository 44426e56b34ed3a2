"""ocppdeck as the CA of station certificates: a station's CSR checked, then signed.

Given a CA certificate and key (`--station-ca-cert` / `--station-ca-key`), the
CSMS answers SignCertificate (1.6 security extension, 2.x) and sends the chain
in CertificateSigned. A CSR is the station's bytes, hostile until checked: its
size, that it parses, that it is signed by the key it carries, and that its
common name is the identity of the station that sent it. The certificate made
names the station and nothing else the CSR asks for: the CSR's other subject
fields and extensions are not copied. It is for TLS client authentication
(security profile 3) and lasts `VALID_DAYS`, never past the CA itself.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..clock import Clock

VALID_DAYS = 365
# Both versions' schemas bound a CSR to 5500 characters; checked here whatever they say.
MAX_CSR_CHARS = 5500
MIN_RSA_BITS = 2048
_BACKDATE = timedelta(minutes=5)  # a station whose clock runs a little behind takes it


class CaError(ValueError):
    """A CA certificate or key ocppdeck cannot sign with; the message says why."""


class CsrRefused(ValueError):
    """A CSR ocppdeck will not sign; the message says why (logged, and told a 2.x station)."""


@dataclass(frozen=True, slots=True)
class Signed:
    """A certificate made for a station: the chain to send (PEM, leaf first) and its end."""

    station_id: str
    chain: str
    serial: int
    not_after: float  # seconds since the epoch


class StationCa:
    """Signs station CSRs with one CA certificate and key."""

    def __init__(self, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        self._cert = cert
        self._key = key
        self._cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    @classmethod
    def load(cls, cert_path: Path, key_path: Path) -> StationCa:
        """The CA from PEM files; CaError when they are no CA certificate and its key."""
        try:
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
            key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise CaError(f"station CA: {exc}") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise CaError("station CA: the key is neither RSA nor EC")
        if key.public_key().public_numbers() != cert.public_key().public_numbers():
            raise CaError("station CA: the key is not the certificate's")
        try:
            constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        except x509.ExtensionNotFound:
            constraints = None
        if constraints is None or not constraints.ca:
            raise CaError("station CA: the certificate is not a CA (basicConstraints CA:TRUE)")
        return cls(cert, key)

    @property
    def certificate_pem(self) -> str:
        """The CA certificate (PEM): what a station trusts, and the chain's end."""
        return self._cert_pem

    def check(self, station_id: str, csr: str) -> x509.CertificateSigningRequest:
        """The parsed CSR if ocppdeck would sign it for `station_id`, else CsrRefused."""
        if len(csr) > MAX_CSR_CHARS:
            raise CsrRefused(f"the CSR is over {MAX_CSR_CHARS} characters")
        try:
            request = x509.load_pem_x509_csr(csr.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise CsrRefused("the CSR is not a PEM certificate signing request") from None
        if not request.is_signature_valid:
            raise CsrRefused("the CSR's signature does not verify with its own key")
        names = [a.value for a in request.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
        if names != [station_id]:
            shown = ", ".join(repr(str(n)[:64]) for n in names) or "none"
            raise CsrRefused(f"the CSR's common name is {shown}, not the station id {station_id!r}")
        key = request.public_key()
        if isinstance(key, rsa.RSAPublicKey):
            if key.key_size < MIN_RSA_BITS:
                raise CsrRefused(f"an RSA key of {key.key_size} bits is under {MIN_RSA_BITS}")
        elif not isinstance(key, ec.EllipticCurvePublicKey):
            raise CsrRefused("the CSR's key is neither RSA nor EC")
        return request

    def sign(self, station_id: str, csr: str, clock: Clock) -> Signed:
        """A certificate for the station from its CSR (checked again: CsrRefused)."""
        request = self.check(station_id, csr)
        now = datetime.fromtimestamp(clock.now(), UTC)
        not_after = min(now + timedelta(days=VALID_DAYS), self._cert.not_valid_after_utc)
        serial = secrets.randbits(127) + 1  # positive, under 20 bytes, unguessable
        public = request.public_key()
        issuer_key_id = x509.AuthorityKeyIdentifier.from_issuer_public_key(
            self._cert.public_key()  # type: ignore[arg-type]
        )
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, station_id)]))
            .issuer_name(self._cert.subject)
            .public_key(public)
            .serial_number(serial)
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(public), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(issuer_key_id, critical=False)
            .sign(self._key, hashes.SHA256())
        )
        leaf = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
        return Signed(station_id, leaf + self._cert_pem, serial, not_after.timestamp())


def _key_usage(public: object) -> x509.KeyUsage:
    """Signing for TLS; RSA keys also encipher keys (TLS 1.2 RSA key exchange)."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=isinstance(public, rsa.RSAPublicKey),
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
