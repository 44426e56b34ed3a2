"""A scenario or template file read for checking: its TOML data and its raw lines."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .problems import Lines, Problem, ScenarioRefused

MAX_FILE_BYTES = 1_048_576  # a scenario is a script, not a data set
_AT_LINE = re.compile(r"\(at line (\d+), column \d+\)")


@dataclass(frozen=True, slots=True)
class Source:
    """A parsed TOML file and the lines it came from."""

    data: dict[str, Any]
    lines: Lines


def read_source(path: Path) -> Source:
    """Read and parse `path`; ScenarioRefused (with the line) when it cannot be."""
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioRefused([Problem(path, 1, f"cannot read: {exc.strerror or exc}")]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioRefused([Problem(path, 1, f"larger than {MAX_FILE_BYTES} bytes")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioRefused([Problem(path, line, "not UTF-8 text")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _AT_LINE.search(str(exc))
        line = int(found.group(1)) if found else 1
        message = _AT_LINE.sub("", str(exc)).strip()
        raise ScenarioRefused([Problem(path, line, f"TOML syntax: {message}")]) from None
    return Source(data, Lines.of(path, text))
