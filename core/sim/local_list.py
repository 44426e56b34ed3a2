"""The local authorization list a simulated station keeps: a version and a status per id tag.

Version-neutral: a link hands `update` the entries of its SendLocalList and answers
GetLocalListVersion with `version`; the station authorizes from `status_of` before it
asks the CSMS. The answers' words are the same in 1.6 and 2.x.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

MAX_ENTRIES = 1_000  # per station (1.6 LocalAuthListMaxLength, 2.x LocalAuthListCtrlr.Entries)
MAX_TAG_LENGTH = 36  # the longest 2.x idToken; 1.6 id tags are shorter


class UpdateStatus(StrEnum):
    """A SendLocalList answer."""

    ACCEPTED = "Accepted"
    FAILED = "Failed"
    VERSION_MISMATCH = "VersionMismatch"


@dataclass(slots=True)
class LocalList:
    """The list: version 0 is "no list" (1.6 and 2.x alike)."""

    version: int = 0
    entries: dict[str, str] = field(default_factory=dict)  # id tag -> status

    def update(
        self, version: int, full: bool, changes: Iterable[tuple[str, str | None]]
    ) -> UpdateStatus:
        """Apply a SendLocalList: `changes` are (id tag, status), a None status removes the
        tag (differential only). A differential must carry a newer version than the one held
        (VersionMismatch otherwise); a list that would outgrow MAX_ENTRIES fails and changes
        nothing."""
        if not full and version <= self.version:
            return UpdateStatus.VERSION_MISMATCH
        entries = {} if full else dict(self.entries)
        for tag, status in changes:
            if len(tag) > MAX_TAG_LENGTH:
                return UpdateStatus.FAILED
            if status is None:
                entries.pop(tag, None)
            else:
                entries[tag] = status
            if len(entries) > MAX_ENTRIES:
                return UpdateStatus.FAILED
        self.version, self.entries = version, entries
        return UpdateStatus.ACCEPTED

    def status_of(self, id_tag: str) -> str | None:
        """The tag's status on the list, None when it is not listed."""
        return self.entries.get(id_tag)
