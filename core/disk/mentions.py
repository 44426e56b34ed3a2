"""Identifying values already met, so that redaction finds them inside free text too:
a station id in a refusal note, an id tag echoed in a CallError's description.

A value is searched as a whole word (no letter or digit just before or after
it), so a station "CP-1" is not found in "CP-10". Values shorter than
MIN_SEARCHED are only replaced where a field holds them whole: searched inside
text, "A1" would be found everywhere. The table is bounded; values past the
bound are still replaced in their own fields, only not searched for in text.
"""

from __future__ import annotations

import re
from typing import Any

MIN_SEARCHED = 3
MAX_SEARCHED = 128  # longer values (certificates, data) are not words in a sentence
MAX_KNOWN = 100_000


class Mentions:
    """Values and their pseudonyms; where one value was met as several sorts, the
    lowest rank wins, whatever the order they were met in."""

    def __init__(self, limit: int = MAX_KNOWN) -> None:
        self._names: dict[str, tuple[int, str]] = {}
        self._limit = limit
        self.overflow = 0  # values met past the limit: replaced in place, not searched
        self._pattern = ""
        self._pattern_size = -1

    def __len__(self) -> int:
        return len(self._names)

    def note(self, value: str, rank: int, pseudonym: str) -> None:
        """Remember that `value` is shown as `pseudonym` (as a sort of this rank)."""
        if not MIN_SEARCHED <= len(value) <= MAX_SEARCHED:
            return
        held = self._names.get(value)
        if held is None:
            if len(self._names) >= self._limit:
                self.overflow += 1
                return
        elif held[0] <= rank:
            return
        self._names[value] = (rank, pseudonym)
        self._pattern_size = -1

    def pseudonym(self, value: str) -> str:
        """The pseudonym of a value noted before."""
        return self._names[value][1]

    def pattern(self) -> str:
        """A regular expression (source) that finds any noted value as a whole word; it
        matches nothing when none is noted. A trie, so that a long table costs little."""
        if self._pattern_size != len(self._names):
            words = _trie(self._names) if self._names else "(?!)"
            self._pattern = rf"(?<![A-Za-z0-9])(?:{words})(?![A-Za-z0-9])"
            self._pattern_size = len(self._names)
        return self._pattern


def _trie(words: dict[str, object]) -> str:
    """One alternation for many words, by shared prefix: at each character at most one
    branch can go on, and the longest word is tried first."""
    root: dict[str, dict[str, Any]] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _branches(root)


def _branches(node: dict[str, dict[str, Any]]) -> str:
    ends = "" in node
    parts = [re.escape(char) + _branches(child) for char, child in node.items() if char]
    if not parts:
        return ""
    if len(parts) == 1 and not ends:
        return parts[0]
    body = f"(?:{'|'.join(parts)})"
    return f"{body}?" if ends else body
