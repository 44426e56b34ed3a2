"""Station passwords (OCPP security profiles 1 and 2): made, checked, and kept only as hashes.

A password is stored as a salted scrypt hash (the standard library's, from
OpenSSL) in a self-describing string, so its cost can be raised later without
breaking stored ones. Checking compares in constant time. scrypt is slow on
purpose; the CSMS runs it off the event loop (see `Verifier`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import string
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

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
T = TypeVar("T")
WORKER_NICENESS = 10  # added to the password threads' nice value
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
    """Checks passwords off the event loop, a few at a time, in threads of low priority.

    A reconnect storm of a thousand stations queues here instead of taking
    the cores from the event loop: its threads run at a lower scheduling
    priority (Linux), so the stations already connected keep their answer
    times. A password once checked is known by a keyed digest for as long as
    the process runs: a station that reconnects after a network blip is let
    in at once; a new password, or a new process, takes the slow path again.
    """

    def __init__(
        self, concurrency: int = 2, remembered: int = 100_000, queue_per_thread: int = 150
    ) -> None:
        self._concurrency = concurrency
        # About 7.5 s of checks waiting, inside a station's 10 s handshake timeout.
        self._limit = concurrency * queue_per_thread
        self._queued = 0
        self._pool: ThreadPoolExecutor | None = None  # made on first use, again after close
        self._key = secrets.token_bytes(32)  # never leaves this process
        self._known: dict[str, bytes] = {}  # stored hash -> digest of the password it took
        self._remembered = remembered

    @property
    def saturated(self) -> bool:
        """Whether so many checks wait that one more would outlast a station's patience."""
        return self._queued >= self._limit

    async def _run(self, job: Callable[..., T], *args: Any) -> T:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                self._concurrency, "ocppdeck-scrypt", initializer=_yield_to_the_loop
            )
        self._queued += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, job, *args)
        finally:
            self._queued -= 1

    def _digest(self, password: str, stored: str) -> bytes:
        message = f"{stored}\0{password}".encode("utf-8", "surrogateescape")
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def known(self, password: str, stored: str) -> bool:
        """Whether this password was checked against `stored` before (fast, constant time)."""
        remembered = self._known.get(stored)
        return remembered is not None and hmac.compare_digest(
            remembered, self._digest(password, stored)
        )

    async def verify(self, password: str, stored: str) -> bool:
        """`verify_password`, in a worker thread unless this password was checked before."""
        if self.known(password, stored):
            return True
        if not await self._run(verify_password, password, stored):
            return False
        self._known[stored] = self._digest(password, stored)
        if len(self._known) > self._remembered:
            del self._known[next(iter(self._known))]
        return True

    async def hash(self, password: str) -> str:
        """`hash_password` in a worker thread."""
        return await self._run(hash_password, password)

    def close(self) -> None:
        """Stop the threads; checks still queued are dropped."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def _yield_to_the_loop() -> None:
    """Lower this worker thread's priority (Linux: per thread), so the loop comes first."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)
