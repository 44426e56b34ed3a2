"""A station's identity from the websocket path, by the OCPP 2.0.1 rules.

A station connects to `/<identity>` or `/ocpp/<identity>`. The identity is
percent-decoded, then must be 1 to 48 characters from RFC 3986's unreserved set
plus `* = : + | @` (OCPP 2.0.1 part 4, 3.1.1); 1.6 stations are held to the same
rule. Anything else never becomes a station. Pure.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

MAX_LENGTH = 48
_ALLOWED = re.compile(rf"[A-Za-z0-9\-._~*=:+|@]{{1,{MAX_LENGTH}}}")


class IdentityError(ValueError):
    """A path that names no valid station; the message says why, for the refusal."""


class NotAStationPath(IdentityError):
    """A path that is not `/<id>` or `/ocpp/<id>` at all (404, where a bad id is 400)."""


def station_from_path(path: str) -> str:
    """The identity in a handshake's path; IdentityError when the path is not a station's."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    if len(parts) == 2 and parts[0] == "ocpp":
        parts = parts[1:]
    if len(parts) != 1:
        raise NotAStationPath("connect to /<station id> or /ocpp/<station id>")
    try:
        identity = unquote(parts[0], errors="strict")
    except UnicodeDecodeError:
        raise IdentityError("the station id is not UTF-8 once percent-decoded") from None
    return check_identity(identity)


def check_identity(identity: str) -> str:
    """The identity if OCPP allows it, else IdentityError saying what is allowed."""
    if not _ALLOWED.fullmatch(identity):
        raise IdentityError(
            f"a station id is 1 to {MAX_LENGTH} characters of A-Z a-z 0-9 - . _ ~ * = : + | @"
        )
    return identity
