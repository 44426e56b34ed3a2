"""The URLs a command hands a station: a firmware file to fetch, a place to upload a log.

Issuing needs only the settings and the signing key (core/files/signing.py), so the
console can fill a form's location without asking the API; the API's desk also
remembers which upload URLs were used, so each takes one upload only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..clock import Clock
from ..config import Settings
from ..csms.builders.contract import CommandUnavailable
from .names import served_name
from .signing import Signer, load_or_create_key, new_nonce

MAX_OFFERED = 500  # files of the files dir a form offers
# Upload URLs remembered as used until they expire: far more than a fleet's logs in an
# hour; past it new uploads are refused until some expire, rather than one taken twice.
MAX_USED = 10_000


class FilesUnavailable(CommandUnavailable):
    """A URL that cannot be issued (no files dir, no API port); the message says what to set."""


def base_url_of(settings: Settings) -> str | None:
    """Where stations reach the API port: `files_url`, else the API's host and port (None
    when the API is off or its port is chosen at start)."""
    if settings.files_url:
        return settings.files_url.rstrip("/")
    if not settings.api_port:
        return None
    host, port = settings.api_host, settings.api_port
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@dataclass(slots=True)
class FileDesk:
    """Issues file and upload URLs; the API's desk also checks and spends upload URLs."""

    settings: Settings
    clock: Clock
    bound_url: str | None = None  # the API's desk: where it listens (files_url comes first)
    _signer: Signer | None = None
    _used: dict[str, float] = field(default_factory=dict)  # nonce -> expiry
    _busy: set[str] = field(default_factory=set)  # nonces of uploads under way

    @property
    def signer(self) -> Signer:
        """The signer, its key read (or made) on first use."""
        if self._signer is None:
            self._signer = Signer(load_or_create_key(self.settings.data_dir))
        return self._signer

    def _base(self) -> str:
        base = base_url_of(self.settings)
        if not self.settings.files_url and self.bound_url is not None:
            base = self.bound_url
        if base is None:
            raise FilesUnavailable(
                "stations reach ocppdeck's files through the control API: give --api-port N "
                "(or --files-url URL)"
            )
        return base

    def _expiry(self, wait: float = 0.0) -> int:
        return int(self.clock.now() + max(wait, 0.0)) + self.settings.file_url_minutes * 60

    def offered(self) -> list[str]:
        """The files of the files dir a station may be sent to, by name (at most
        MAX_OFFERED); [] without a files dir."""
        folder = self.settings.files_dir
        if folder is None:
            return []
        try:
            names = [
                e.name
                for e in os.scandir(folder)
                if e.is_file(follow_symlinks=False) and served_name(e.name)
            ]
        except OSError:
            return []
        return sorted(names)[:MAX_OFFERED]

    def file_url(self, name: str, wait: float = 0.0) -> str:
        """A URL that serves `name` from the files dir for `file_url_minutes` past `wait`
        seconds from now (a station told to fetch it later finds it still valid)."""
        if self.settings.files_dir is None:
            raise FilesUnavailable("no files dir: give --files-dir DIR")
        if not served_name(name) or not (self.settings.files_dir / name).is_file():
            raise FilesUnavailable(f"{name!r} is not a file of the files dir")
        return self._base() + self.signer.file_path(name, self._expiry(wait))

    def upload_url(self, station_id: str) -> str:
        """A URL that takes one upload for a station (its folder under uploads/) until it
        expires. A station adds its file's name to it, or posts the file as a form."""
        return self._base() + self.signer.upload_path(station_id, self._expiry(), new_nonce())

    def file_path(self, name: str, expires: str, mac: str) -> Path | None:
        """The file a file URL serves, or None: a URL not ours or expired, a name that is
        not a plain file directly in the files dir (no traversal, no symlink out)."""
        folder = self.settings.files_dir
        if folder is None or not served_name(name):
            return None
        if not self.signer.file_allowed(name, expires, mac, self.clock.now()):
            return None
        path = (folder / name).resolve()
        if path.parent != folder.resolve() or not path.is_file():
            return None
        return path

    def begin_upload(self, station_id: str, expires: str, nonce: str, mac: str) -> str | None:
        """Spend an upload URL: None when it is ours, unexpired and unused (it is then
        busy until `end_upload`), else why it is refused."""
        now = self.clock.now()
        if not self.signer.upload_allowed(station_id, expires, nonce, mac, now):
            return "this upload URL is not valid or has expired"
        self._used = {n: t for n, t in self._used.items() if t >= now}
        if nonce in self._used or nonce in self._busy:
            return "this upload URL has been used"
        if len(self._used) + len(self._busy) >= MAX_USED:
            return "too many uploads of late: ask again later"
        self._busy.add(nonce)
        return None

    def end_upload(self, nonce: str, expires: str, kept: bool) -> None:
        """An upload ended: a kept one spends its URL; a failed one frees it for a retry."""
        self._busy.discard(nonce)
        if kept:
            self._used[nonce] = float(expires)
