"""File names from a station's words: safe to create in our folders, whatever they said. Pure.

An upload's name is the station's (or its HTTP client's) choice: only its last path part
is kept, cut to a plain alphabet, never hidden (no leading dot), never empty. A station's
folder is its id with every character outside that alphabet escaped (`~` and two hex
digits a byte), so "..", "a/b" or "CP:1" cannot reach outside the uploads folder, and the id reads
back exactly.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

MAX_NAME = 100  # characters of a stored file name
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_FOLDER_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")  # '.' too: no "." or ".." folder
_ESCAPE = re.compile(r"(?:~[0-9a-f]{2})+")
FALLBACK = "upload.bin"


def safe_name(given: str) -> str:
    """A plain file name from what a station called its file (percent-decoded): the last
    path part, unsafe characters as `_`, no leading dots, at most MAX_NAME characters (the
    end kept)."""
    last = re.split(r"[/\\]", unquote(given))[-1]  # percent-encoded slashes are slashes
    plain = _UNSAFE.sub("_", last).lstrip(".")
    return plain[-MAX_NAME:].lstrip(".") or FALLBACK


def station_folder(station_id: str) -> str:
    """The folder name of a station's uploads (and its part of an upload URL): its id,
    unsafe characters escaped."""
    return _FOLDER_UNSAFE.sub(
        lambda m: "".join(f"~{byte:02x}" for byte in m.group().encode()), station_id
    )


def station_of(folder: str) -> str:
    """The station id a folder name holds (the reverse of `station_folder`)."""
    return _ESCAPE.sub(
        lambda m: bytes.fromhex(m.group().replace("~", "")).decode("utf-8", "replace"), folder
    )


def served_name(name: str) -> bool:
    """Whether a name may be served from the files dir: one plain part, not hidden."""
    return bool(name) and safe_name(name) == name
