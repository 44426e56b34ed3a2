"""The URLs that let a station fetch a file or upload one without the API's token.

A URL carries its own proof: an HMAC-SHA256, under a key kept in the data dir, of what
it allows (fetch this file, or upload for this station) and until when. Checking it
needs no list of URLs given out, so the console can issue one and the API accept it;
it is compared in constant time. An upload URL also carries a nonce, so the API can
refuse it once used (core/files/desk.py remembers the used ones until they expire).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..disk import files
from .names import station_folder

KEY_FILE = "files-key"
KEY_BYTES = 32


def load_or_create_key(data_dir: Path) -> bytes:
    """The signing key in the data dir, written (0600) on first use."""
    path = data_dir / KEY_FILE
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        key = b""
    if len(key) != KEY_BYTES:
        files.private_dir(data_dir)
        key = secrets.token_bytes(KEY_BYTES)
        files.write_atomic(path, key)  # made 0600 by mkstemp
    return key


def new_nonce() -> str:
    """A fresh nonce for an upload URL: unguessable, URL-safe."""
    return secrets.token_urlsafe(12)


@dataclass(frozen=True, slots=True)
class Signer:
    """Signs and checks the paths of file and upload URLs."""

    key: bytes

    def _mac(self, *parts: str) -> str:
        digest = hmac.new(self.key, "\0".join(parts).encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def file_path(self, name: str, expires: int) -> str:
        """The path that serves `name` from the files dir until `expires` (epoch seconds)."""
        return f"/files/{expires}/{self._mac('get', name, str(expires))}/{quote(name)}"

    def file_allowed(self, name: str, expires: str, mac: str, now: float) -> bool:
        """Whether a file URL's parts are ours and not yet expired."""
        good = hmac.compare_digest(mac.encode(), self._mac("get", name, expires).encode())
        return good and _not_expired(expires, now)

    def upload_path(self, station_id: str, expires: int, nonce: str) -> str:
        """The path that takes one upload for a station until `expires`."""
        mac = self._mac("put", station_id, str(expires), nonce)
        # The station as its folder's name: no "." or ".." segment a client would fold away.
        return f"/uploads/{station_folder(station_id)}/{expires}/{nonce}/{mac}"

    def upload_allowed(
        self, station_id: str, expires: str, nonce: str, mac: str, now: float
    ) -> bool:
        """Whether an upload URL's parts are ours and not yet expired (not whether used)."""
        wanted = self._mac("put", station_id, expires, nonce)
        good = hmac.compare_digest(mac.encode(), wanted.encode())
        return good and _not_expired(expires, now)


def _not_expired(expires: str, now: float) -> bool:
    return expires.isdigit() and len(expires) <= 12 and int(expires) >= now
