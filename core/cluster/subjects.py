"""Names on the bus: the frame stream and its subjects, the command bucket and its keys.

A station id may hold any character a station sends; a subject token may not hold
`.`, `*`, `>` or white space, and a key-value key only `-/_=.` besides letters and
digits. `token` writes an id with only letters, digits, `-` and `_`, every other
byte as `=XX` (hex), so the same token fits both and `untoken` gives the id back.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from urllib.parse import urlsplit

STREAM = "OCPPDECK_FRAMES"
FRAMES = "ocppdeck.frames"  # ocppdeck.frames.<node>.<station>
QUEUE_BUCKET = "ocppdeck_queue"  # keys q.<station>.<id>
QUEUE_KEYS = "q.>"
IDS_BUCKET = "ocppdeck_ids"  # the cluster's counters, each the highest id given out
TRANSACTION_IDS_KEY = "transaction"  # 1.6 transaction ids (core/cluster/id_blocks.py)
SCHEMES = ("nats", "tls")

_SAFE = re.compile(rb"[A-Za-z0-9_-]")
_ESCAPE = re.compile(r"=([0-9A-F]{2})")
EMPTY = "="  # the token of "" (a SERVER_START's station): a token is never empty


def token(text: str) -> str:
    """`text` as one subject token and key part (reversible with `untoken`)."""
    if not text:
        return EMPTY
    return "".join(
        chr(b) if _SAFE.fullmatch(bytes((b,))) else f"={b:02X}" for b in text.encode("utf-8")
    )


def untoken(tok: str) -> str:
    """The text `token` wrote as `tok`."""
    if tok == EMPTY:
        return ""
    out = bytearray()
    pos = 0
    for match in _ESCAPE.finditer(tok):
        out += tok[pos : match.start()].encode("ascii", "replace")
        out.append(int(match.group(1), 16))
        pos = match.end()
    out += tok[pos:].encode("ascii", "replace")
    return out.decode("utf-8", "replace")


def frame_subject(node: str, station: str) -> str:
    """The subject of a node's frames of one station."""
    return f"{FRAMES}.{token(node)}.{token(station)}"


def node_of(subject: str) -> str:
    """The node that published a frame on `subject`."""
    return untoken(subject.split(".")[2])


def queue_key(station: str, command_id: int) -> str:
    """The key-value key of one queued command."""
    return f"q.{token(station)}.{command_id}"


def bus_url_of(path: PurePath | None) -> str | None:
    """The bus URL given where a file or folder was expected, else None.

    A path keeps one slash of `nats://`, so the URL is read back from `nats:/HOST:PORT`.
    """
    if path is None:
        return None
    text = str(path)
    for scheme in SCHEMES:
        if text.startswith(f"{scheme}:/") and not text.startswith(f"{scheme}://"):
            text = f"{scheme}://{text[len(scheme) + 2 :]}"
        if is_bus_url(text):
            return text
    return None


def shown_url(url: str) -> str:
    """A bus URL as logs and the title bar show it: without a user or password in it."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def is_bus_url(text: str) -> bool:
    """Whether `text` names a NATS server (nats://HOST:PORT or tls://…)."""
    parts = urlsplit(text)
    return parts.scheme in SCHEMES and bool(parts.hostname)
