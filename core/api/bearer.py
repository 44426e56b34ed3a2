"""The API's bearer token: kept in a file private to the user, compared in constant time."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path

from ..config import Settings
from ..disk import files

TOKEN_FILE = "api-token"
MAX_TOKEN_BYTES = 4096  # a token file larger than this is not a token


class TokenError(Exception):
    """A token file that cannot be read or is empty; the message says which."""


def token_path(settings: Settings) -> Path:
    """Where the token is: the file given, else `api-token` in the data dir."""
    return settings.api_token_file or settings.data_dir / TOKEN_FILE


def read_token(path: Path) -> str:
    """The token in `path` (surrounding blanks removed); TokenError when there is none."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_TOKEN_BYTES + 1)
    except OSError as exc:
        raise TokenError(f"cannot read the API token {path}: {exc.strerror or exc}") from None
    text = data.decode("utf-8", "replace").strip()
    if not text or len(data) > MAX_TOKEN_BYTES or not text.isprintable():
        raise TokenError(f"{path} holds no API token")
    return text


def load_or_create(settings: Settings) -> str:
    """The server's token: read from `api_token_file` when given (it must exist), else from
    the data dir, where a new one is written (0600) on first use."""
    path = token_path(settings)
    if settings.api_token_file is not None or path.exists():
        return read_token(path)
    files.private_dir(path.parent)
    token = secrets.token_urlsafe(32)
    files.write_atomic(path, token.encode("ascii") + b"\n")  # made 0600 by mkstemp
    return token


def authorized(header: str | None, token: str) -> bool:
    """Whether an Authorization header carries the token (`Bearer TOKEN`), compared in
    constant time so a wrong guess learns nothing from how long it took."""
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())
