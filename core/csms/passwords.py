"""Station passwords (OCPP security profiles 1 and 2): made, checked, and kept only as hashes.

A password is stored as a salted scrypt hash (the standard library's, from
OpenSSL) in a self-describing string, so its cost can be raised later without
breaking stored ones. Checking compares in constant time. scrypt is slow on
purpose; the CSMS runs it off the event loop (see `Verifier`).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import string

# scrypt cost: 2^14 x 8 x 1 takes about 50 ms and 16 MB, as OWASP suggests for scrypt.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_MAXMEM = 64 * 1024 * 1024
_SALT_BYTES = 16
_KEY_BYTES = 32
SCHEME = "scrypt"

# OCPP: a password is 16 to 40 characters (2.0.1 BasicAuthPassword, 1.6 AuthorizationKey).
MIN_LENGTH = 16
MAX_LENGTH = 40
_PRINTABLE = frozenset(string.printable) - frozenset("\t\n\r\x0b\x0c")


class PasswordError(ValueError):
    """A password that cannot be used; the message says why."""


def check_password(password: str) -> str:
    """The password if OCPP allows it (16 to 40 printable ASCII characters), else PasswordError."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise PasswordError(f"a password is {MIN_LENGTH} to {MAX_LENGTH} characters")
    if not set(password) <= _PRINTABLE:
        raise PasswordError("a password is printable ASCII characters")
    return password


def generate_password() -> str:
    """A fresh password: 40 hex characters (20 random bytes), what 1.6 calls an
    AuthorizationKey and 2.0.1 accepts as a BasicAuthPassword."""
    return secrets.token_hex(20)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=length
    )


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$key` (salt and key in base64) for a checked password."""
    salt = secrets.token_bytes(_SALT_BYTES)
    key = _derive(check_password(password), salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, _KEY_BYTES)
    return "$".join((SCHEME, str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(key)))


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` is the one `stored` was made from (False for a broken record)."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != SCHEME:
            return False
        expected = base64.b64decode(key, validate=True)
        derived = _derive(
            password, base64.b64decode(salt, validate=True), int(n), int(r), int(p), len(expected)
        )
    except (ValueError, TypeError):  # a malformed record, or scrypt refusing its parameters
        return False
    return hmac.compare_digest(derived, expected)


class Verifier:
    """Checks passwords off the event loop, a few at a time.

    A reconnect storm of a thousand stations queues here instead of taking
    every core: the stations already connected keep their answer times.
    """

    def __init__(self, concurrency: int = 2) -> None:
        self._slots = asyncio.Semaphore(concurrency)

    async def verify(self, password: str, stored: str) -> bool:
        """`verify_password` in a worker thread, at most `concurrency` at once."""
        async with self._slots:
            return await asyncio.to_thread(verify_password, password, stored)

    async def hash(self, password: str) -> str:
        """`hash_password` in a worker thread, at most `concurrency` at once."""
        async with self._slots:
            return await asyncio.to_thread(hash_password, password)
