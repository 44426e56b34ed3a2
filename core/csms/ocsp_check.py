"""OCSP for contract certificates, without the network: the request a station's hash data
asks for, and whether a responder's answer is to be believed.

A station names a certificate by its issuer's name and key hashes and its serial
(OCPP's OCSPRequestDataType); those are its bytes, checked here before use. An
answer counts only when it is signed by a responder the contract CA stands
behind (RFC 6960 4.2.2.2): the CA that issued the certificate, or a certificate
that CA issued for OCSP signing; and that CA must be one of the configured
roots or chain up to one through the certificates the answer carries. An answer
for another certificate, one not yet valid or past its nextUpdate counts as no
answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

HASHES: Mapping[str, type[hashes.HashAlgorithm]] = {
    "SHA256": hashes.SHA256,
    "SHA384": hashes.SHA384,
    "SHA512": hashes.SHA512,
}
_SKEW = timedelta(minutes=5)  # clocks of responder and CSMS may differ by this much
_MAX_CHAIN = 4  # CA certificates between a responder's issuer and a configured root


class OcspUnusable(ValueError):
    """No status can be told from this; the message says why (logged, told to stations)."""


@dataclass(frozen=True, slots=True)
class CertId:
    """A certificate as OCSP names it: hash algorithm, issuer name and key hashes, serial."""

    algorithm: str  # SHA256, SHA384 or SHA512
    name_hash: bytes
    key_hash: bytes
    serial: int

    @property
    def label(self) -> str:
        """How logs name it: the serial, in hex."""
        return f"serial {self.serial:x}"


@dataclass(frozen=True, slots=True)
class Verdict:
    """A believed answer: good, revoked or unknown, until when, and its DER bytes."""

    status: str  # "good", "revoked" or "unknown"
    next_update: datetime | None
    der: bytes


def cert_id_of(data: Mapping[str, Any]) -> CertId:
    """The certificate a station's hash data (snake_case keys) names; OcspUnusable if it
    names none (the schemas bound the lengths; the content is checked here)."""
    if not isinstance(data, Mapping):
        raise OcspUnusable("the hash data is not an object")
    algorithm = str(data.get("hash_algorithm", ""))
    if algorithm not in HASHES:
        raise OcspUnusable(f"hash algorithm {algorithm[:10]!r} is not SHA256, SHA384 or SHA512")
    size = HASHES[algorithm].digest_size
    try:
        name_hash = bytes.fromhex(str(data.get("issuer_name_hash", "")))
        key_hash = bytes.fromhex(str(data.get("issuer_key_hash", "")))
        serial = int(str(data.get("serial_number", "")), 16)
    except ValueError:
        raise OcspUnusable("issuer hashes and serial number must be hexadecimal") from None
    if len(name_hash) != size or len(key_hash) != size:
        raise OcspUnusable(f"issuer hashes are not {algorithm} digests")
    if serial < 0:
        raise OcspUnusable("a serial number is not negative")
    return CertId(algorithm, name_hash, key_hash, serial)


def request_der(cert_id: CertId) -> bytes:
    """The DER OCSPRequest for one certificate."""
    builder = ocsp.OCSPRequestBuilder().add_certificate_by_hash(
        cert_id.name_hash, cert_id.key_hash, cert_id.serial, HASHES[cert_id.algorithm]()
    )
    return builder.build().public_bytes(serialization.Encoding.DER)


def cert_id_for(certificate: x509.Certificate, issuer: x509.Certificate, algorithm: str) -> CertId:
    """How OCSP names `certificate`, issued by `issuer`, under `algorithm`."""
    name_hash, key_hash = issuer_hashes(issuer, algorithm)
    return CertId(algorithm, name_hash, key_hash, certificate.serial_number)


def issuer_hashes(issuer: x509.Certificate, algorithm: str) -> tuple[bytes, bytes]:
    """The hashes of a CA's subject name and public key bits, as a CertID holds them."""
    return _digest(algorithm, issuer.subject.public_bytes()), _digest(
        algorithm, key_bits(issuer.public_key())
    )


def key_bits(public_key: Any) -> bytes:
    """The subjectPublicKey BIT STRING's bits (what OCSP key hashes are taken of)."""
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _, body = _tlv(spki, 0)  # SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey }
    after_algorithm, _ = _tlv(body, 0)
    _, bit_string = _tlv(body, after_algorithm)
    return bit_string[1:]  # the first byte counts unused bits (0 for keys)


def _tlv(data: bytes, at: int) -> tuple[int, bytes]:
    """The DER element at `at`: where the next one starts, and its contents."""
    length = data[at + 1]
    start = at + 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[start : start + count], "big")
        start += count
    return start + length, data[start : start + length]


def _digest(algorithm: str, data: bytes) -> bytes:
    h = hashes.Hash(HASHES[algorithm]())
    h.update(data)
    return h.finalize()


def verdict(
    der: bytes, cert_id: CertId, roots: Sequence[x509.Certificate], now: datetime
) -> Verdict:
    """What a responder's DER answer says of `cert_id`, if the contract CA stands behind it;
    OcspUnusable otherwise."""
    try:
        answer = ocsp.load_der_ocsp_response(der)
    except ValueError:
        raise OcspUnusable("the responder's answer is not an OCSP response") from None
    if answer.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise OcspUnusable(f"the responder answered {answer.response_status.name}")
    single = _single_for(answer, cert_id)
    if single.this_update_utc > now + _SKEW:
        raise OcspUnusable("the responder's answer is not valid yet")
    next_update = single.next_update_utc
    if next_update is not None and next_update < now - _SKEW:
        raise OcspUnusable("the responder's answer is out of date")
    carried = list(answer.certificates)
    signer = _signer(answer, [*carried, *roots])
    if not _signed_by(signer, answer):
        raise OcspUnusable("the responder's signature does not verify")
    issuer = _issuer_of(cert_id, [*roots, *carried])
    if issuer is None:
        raise OcspUnusable("the certificate's issuer is not known to the contract CA")
    if not _authorized(signer, issuer, now):
        raise OcspUnusable("the responder is not authorized by the certificate's issuer")
    if not _chains_to_root(issuer, carried, roots):
        raise OcspUnusable("the certificate's issuer does not chain to the contract CA")
    status = single.certificate_status.name.lower()  # GOOD, REVOKED, UNKNOWN
    return Verdict(status, next_update, der)


def _single_for(answer: ocsp.OCSPResponse, cert_id: CertId) -> ocsp.OCSPSingleResponse:
    for single in answer.responses:
        if (
            single.serial_number == cert_id.serial
            and single.issuer_name_hash == cert_id.name_hash
            and single.issuer_key_hash == cert_id.key_hash
            and single.hash_algorithm.name.upper() == cert_id.algorithm
        ):
            return single
    raise OcspUnusable("the responder answered for another certificate")


def _signer(answer: ocsp.OCSPResponse, candidates: Sequence[x509.Certificate]) -> x509.Certificate:
    by_name, by_key = answer.responder_name, answer.responder_key_hash
    for cert in candidates:
        if by_name is not None and cert.subject == by_name:
            return cert
        if by_key is not None and _digest_sha1(key_bits(cert.public_key())) == by_key:
            return cert
    raise OcspUnusable("the responder's certificate is neither carried nor configured")


def _digest_sha1(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SHA1())  # the ResponderID's byKey is a SHA-1 hash (RFC 6960)
    h.update(data)
    return h.finalize()


def _signed_by(signer: x509.Certificate, answer: ocsp.OCSPResponse) -> bool:
    key = signer.public_key()
    algorithm = answer.signature_hash_algorithm
    signature, data = answer.signature, answer.tbs_response_bytes
    try:
        if isinstance(key, rsa.RSAPublicKey) and algorithm is not None:
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey) and algorithm is not None:
            key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(signature, data)
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _issuer_of(cert_id: CertId, candidates: Sequence[x509.Certificate]) -> x509.Certificate | None:
    for cert in candidates:
        named = issuer_hashes(cert, cert_id.algorithm) == (cert_id.name_hash, cert_id.key_hash)
        if named and _is_ca(cert):
            return cert
    return None


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def _authorized(signer: x509.Certificate, issuer: x509.Certificate, now: datetime) -> bool:
    """The issuing CA itself, or a current certificate it issued for OCSP signing."""
    if signer == issuer:
        return True
    if not signer.not_valid_before_utc - _SKEW <= now <= signer.not_valid_after_utc + _SKEW:
        return False
    try:
        usage = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return ExtendedKeyUsageOID.OCSP_SIGNING in usage and issued_by(signer, issuer)


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether `issuer`'s key signed `cert` (and its name is `cert`'s issuer)."""
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _chains_to_root(
    cert: x509.Certificate, carried: Sequence[x509.Certificate], roots: Sequence[x509.Certificate]
) -> bool:
    """Whether `cert` is a configured root or is issued, through carried CA certificates,
    by one (at most `_MAX_CHAIN` steps)."""
    for _ in range(_MAX_CHAIN + 1):
        if cert in roots:
            return True
        parent = next(
            (c for c in [*roots, *carried] if c != cert and _is_ca(c) and issued_by(cert, c)),
            None,
        )
        if parent is None:
            return False
        cert = parent
    return False
