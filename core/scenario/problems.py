"""What is wrong with a scenario or template file, as `FILE:LINE: what is wrong`.

tomllib names the line of a syntax error only; for a value that parses but makes no
sense, `Lines` finds it in the raw text: the n-th `[[steps]]` (or `[[stations]]`)
header, then the key inside that block.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]")


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in a file."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ScenarioRefused(Exception):
    """A scenario (or a template it uses) that cannot run; every problem found is listed."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Lines:
    """The raw text of a TOML file, to point at the line a value came from."""

    path: Path
    lines: tuple[str, ...]
    headers: tuple[int, ...]  # 0-based lines of every `[[...]]` header, in order
    entries: dict[str, tuple[int, ...]]  # array name -> the lines of its headers

    @classmethod
    def of(cls, path: Path, text: str) -> Lines:
        """The lines of `text`, read from `path`."""
        lines = tuple(text.splitlines())
        found = [(n, m.group(1)) for n, line in enumerate(lines) if (m := _HEADER.match(line))]
        entries: dict[str, list[int]] = {}
        for n, name in found:
            entries.setdefault(name, []).append(n)
        return cls(
            path,
            lines,
            tuple(n for n, _ in found),
            {name: tuple(starts) for name, starts in entries.items()},
        )

    def block(self, array: str | None, index: int) -> tuple[int, int]:
        """The 0-based line range of the `index`-th `[[array]]` entry (its header included;
        it runs to the next `[[...]]` header); `array` None: the whole file."""
        mine = self.entries.get(array or "", ())
        if array is None or index >= len(mine):
            # Top-level keys come before any table (TOML says so): the first match is theirs;
            # a template's [meter] and [quirks] come after.
            return 0, len(self.lines)
        start = mine[index]
        after = bisect_right(self.headers, start)
        return start, self.headers[after] if after < len(self.headers) else len(self.lines)

    def line_of(self, array: str | None, index: int = 0, key: str | None = None) -> int:
        """The 1-based line of `key` in the `index`-th `[[array]]` entry (or the top of the
        file); the entry's header when the key is not written there."""
        start, end = self.block(array, index)
        if key is not None:
            pattern = re.compile(
                rf"^\s*{re.escape(key)}\s*=|^\s*\[\s*[\w.-]*\.{re.escape(key)}\s*\]"
            )
            for n in range(start, end):
                if pattern.match(self.lines[n]):
                    return n + 1
            inline = re.compile(rf"[{{,]\s*{re.escape(key)}\s*=")  # in an inline table
            for n in range(start, end):
                if inline.search(self.lines[n]):
                    return n + 1
        return start + 1 if array is not None else 1

    def problem(
        self, message: str, array: str | None = None, index: int = 0, key: str | None = None
    ) -> Problem:
        """A problem at the line of `key` in an entry."""
        return Problem(self.path, self.line_of(array, index, key), message)
