"""Pseudonyms for identifying values, keyed by a secret: what `ocppdeck redact` writes
in place of an id tag, a serial number, a station id, a URL, a password…

Each is made from the HMAC-SHA256 of the value under the key, so the same value
gets the same pseudonym in every file redacted with the same key, and nobody
without the key can tell which value it stands for. The value alone is hashed
(its sort only picks the shape), so a tag that equals a station id still shows
as the same digest. Each shape fits the schema of the fields it replaces: an id
tag stays within 1.6's 20 characters, a station id within the characters and
length a station id may have, a password between 16 and 40 hex characters.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from enum import StrEnum

DIGEST_HEX = 12  # 48 bits: no two of a million values are likely to meet
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://")
PEM = re.compile(r"-----BEGIN (?P<label>[A-Z0-9 ]+)-----.*?-----END (?P=label)-----", re.DOTALL)
_HEX_LIMIT = 128  # the longest issuerNameHash / issuerKeyHash a schema allows
_PASSWORD_LIMIT = 40


class Secret(StrEnum):
    """What sort of value was redacted; each sort has its own shape."""

    STATION = "station"
    ID_TAG = "id tag"
    SERIAL = "serial number"
    PASSWORD = "password"
    URL = "URL"
    CERTIFICATE = "certificate"
    HASH = "hash"
    TEXT = "free text"
    ADDRESS = "network address"


class Pseudonyms:
    """The pseudonym of any value under one key."""

    def __init__(self, key: str) -> None:
        self._key = key.encode("utf-8")

    def digest(self, value: str) -> bytes:
        """The HMAC of a value under the key."""
        return hmac.new(self._key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()

    def of(self, secret: Secret, value: str) -> str:
        """The pseudonym of `value` as a `secret` of that sort."""
        digest = self.digest(value)
        short = digest.hex()[:DIGEST_HEX]
        match secret:
            case Secret.STATION:
                return f"CS-{short}"
            case Secret.ID_TAG:
                return f"TAG-{short}"
            case Secret.SERIAL:
                return f"SN-{short}"
            case Secret.PASSWORD:
                # Hex of the original's length, at most 40: a 1.6 AuthorizationKey stays
                # hex, a 2.x password within its limit (20 for a VPN's, 40 for Basic auth).
                return _hex(digest, min(len(value), _PASSWORD_LIMIT))
            case Secret.URL:
                scheme = _SCHEME.match(value)
                return f"{scheme.group(1) if scheme else 'https'}://redacted.invalid/{short}"
            case Secret.CERTIFICATE:
                return self._certificate(value, digest)
            case Secret.HASH:
                # Hex of the original's length: a hash field keeps its form and limit.
                return _hex(digest, min(len(value), _HEX_LIMIT))
            case Secret.TEXT:
                return f"data-{digest.hex()[:16]}"
            case Secret.ADDRESS:
                # An address from 198.18.0.0/15, kept for tests and benchmarks (RFC 2544).
                return f"198.{18 + (digest[0] & 1)}.{digest[1]}.{digest[2]}"

    def number(self, value: int) -> int:
        """The pseudonym of a number where an identifier should be (a SIM PIN, or a
        station's id tag sent as a number): a number of as many digits."""
        digits = min(len(str(abs(value))), 18)
        return int.from_bytes(self.digest(str(value))[:8]) % 10**digits

    def _certificate(self, value: str, digest: bytes) -> str:
        if PEM.search(value) is None:
            # Base64 where base64 was (an EXI request, a DER certificate).
            return base64.b64encode(digest).decode("ascii")
        return replace_pem(value, self)


def pem(label: str, digest: bytes) -> str:
    """A PEM block of `label` whose body is `digest`: it reads as PEM, it holds nothing."""
    body = base64.b64encode(digest).decode("ascii")
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----"


def replace_pem(text: str, pseudonyms: Pseudonyms) -> str:
    """`text` with every PEM block in it replaced by its pseudonym."""
    return PEM.sub(lambda m: pem(m["label"], pseudonyms.digest(m.group(0))), text)


def _hex(digest: bytes, size: int) -> str:
    """`size` hex characters from a digest (repeated when it is too short)."""
    return (digest.hex() * (size // 64 + 1))[:size]
