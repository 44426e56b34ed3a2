"""A simulated station's security side: its key and certificate, its security profile, the
root certificates a CSMS installed, and the security events it reports.

Asked for a CSR, the station makes a fresh EC P-256 key and a CSR whose common name is its
id. A chain the CSMS sends back is kept only if its first certificate is for that key and
names the station; from then on the station presents it on every TLS connection (security
profile 3). Root certificates are kept in memory, named by the certificateHashData both
versions use. Nothing is written to disk but for the moment a TLS context loads its files.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

MAX_ROOTS = 20  # root certificates a station keeps; more are refused
MAX_CHAIN = 10_000  # characters of a CertificateSigned chain (the schemas' bound)


@dataclass(frozen=True, slots=True)
class Root:
    """An installed root certificate: its type and its certificateHashData (snake_case)."""

    certificate_type: str
    hash_data: dict[str, str]


def hash_data(cert: x509.Certificate) -> dict[str, str]:
    """A certificate's certificateHashData (SHA256), as OCPP names an installed certificate."""
    issuer_key = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "hash_algorithm": "SHA256",
        "issuer_name_hash": hashlib.sha256(cert.issuer.public_bytes()).hexdigest(),
        "issuer_key_hash": hashlib.sha256(issuer_key).hexdigest(),
        "serial_number": f"{cert.serial_number:x}",
    }


class StationSecurity:
    """What one simulated station keeps for security, across its connections."""

    def __init__(self, station_id: str) -> None:
        self.station_id = station_id
        self.profile: int | None = None  # the security profile the CSMS set, if any
        self._pending: ec.EllipticCurvePrivateKey | None = None  # the key of the last CSR
        self._key: ec.EllipticCurvePrivateKey | None = None
        self._chain: str | None = None
        self._context: ssl.SSLContext | None = None
        self._context_base: ssl.SSLContext | None = None
        self._presented: str | None = None  # the chain the last TLS connection presented
        self.roots: list[Root] = []
        self.rebooted = False  # the next boot follows a reset: ResetOrReboot, not Startup
        self.started = False  # StartupOfTheDevice was reported

    @property
    def has_certificate(self) -> bool:
        """Whether the station holds a certificate a CSMS signed for it."""
        return self._chain is not None

    def holds(self, chain: str) -> bool:
        """Whether `chain` is the one the station keeps."""
        return self._chain is not None and self._chain == chain

    def csr(self) -> str:
        """A new key and a CSR for it, its common name the station id (PEM)."""
        self._pending = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.station_id)])
        request = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(subject)
            .sign(self._pending, hashes.SHA256())
        )
        return request.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def take_chain(self, chain: str) -> bool:
        """Keep a signed chain if its first certificate is for the CSR's key and names the
        station; False (nothing kept) otherwise."""
        if self.holds(chain):  # a CSMS may send it again (its answer was lost): kept already
            return True
        pending = self._pending
        if pending is None or len(chain) > MAX_CHAIN:
            return False
        try:
            certs = x509.load_pem_x509_certificates(chain.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            return False
        leaf = certs[0]
        names = [a.value for a in leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
        if names != [self.station_id] or leaf.public_key() != pending.public_key():
            return False
        self._key, self._chain, self._pending = pending, chain, None
        self._context = None
        return True

    def tls(self, base: ssl.SSLContext | None) -> ssl.SSLContext | None:
        """The context to connect with: `base` (trusting the CSMS) until the station holds a
        certificate, then one trusting the same CAs that presents it."""
        if base is None or self._chain is None or self._key is None:
            return base
        if self._context is None or self._context_base is not base:
            self._context = _presenting(base, self._chain, self._key)
            self._context_base = base
        self._presented = self._chain
        return self._context

    def presents(self, chain: str) -> bool:
        """Whether the station's connection now (TLS) already presents `chain`."""
        return self._presented is not None and self._presented == chain

    def set_profile(self, value: str | int) -> bool:
        """Take the security profile a CSMS sets (0 to 3, never lower than the one held)."""
        try:
            profile = int(value)
        except (TypeError, ValueError):
            return False
        if not 0 <= profile <= 3 or (self.profile is not None and profile < self.profile):
            return False
        self.profile = profile
        return True

    def install(self, certificate_type: str, pem: str) -> str:
        """InstallCertificate: Accepted, Rejected (not a certificate, too many) or Failed."""
        if len(self.roots) >= MAX_ROOTS:
            return "Failed"
        try:
            cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            return "Rejected"
        self.roots.append(Root(certificate_type, hash_data(cert)))
        return "Accepted"

    def installed(self, types: list[str] | None) -> list[Root]:
        """The roots of these types (None or empty: all)."""
        return [r for r in self.roots if not types or r.certificate_type in types]

    def delete(self, named: dict[str, Any]) -> bool:
        """Delete the root these hashes name; False when none is."""
        kept = [r for r in self.roots if r.hash_data != _as_str(named)]
        found = len(kept) != len(self.roots)
        self.roots = kept
        return found

    def boot_event(self) -> str | None:
        """The security event a boot the CSMS accepted reports: StartupOfTheDevice the first
        time, ResetOrReboot after a reset, none on a mere reconnect."""
        if self.rebooted:
            self.rebooted = False
            return "ResetOrReboot"
        if not self.started:
            self.started = True
            return "StartupOfTheDevice"
        return None


def _as_str(named: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in named.items()}


def _presenting(
    base: ssl.SSLContext, chain: str, key: ec.EllipticCurvePrivateKey
) -> ssl.SSLContext:
    """A client context that trusts what `base` trusts and presents `chain` with `key`."""
    trusted = b"".join(base.get_ca_certs(binary_form=True))  # type: ignore[arg-type]
    context = ssl.create_default_context(cadata=trusted or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = base.check_hostname
    context.verify_mode = base.verify_mode
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # ssl loads a certificate and key only from files: private ones, gone once loaded.
    fd, name = tempfile.mkstemp(suffix=".pem")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(chain.encode("ascii") + key_pem)
        context.load_cert_chain(path)
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
    return context
