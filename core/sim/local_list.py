"""The local authorization list a simulated station keeps: a version, and a status and
group per id tag.

Version-neutral: a link hands `update` the entries of its SendLocalList (the group is 1.6's
parentIdTag, 2.x's groupIdToken) and answers GetLocalListVersion with `version`; the station
decides from `verdict` before it asks the CSMS, so a tag of a transaction's group may stop
it, and a master pass act, while the CSMS is away. The answers' words are the same in 1.6
and 2.x.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from .tag_verdict import TagVerdict, group_name

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
    groups: dict[str, str] = field(default_factory=dict)  # id tag -> group, of those with one

    def update(
        self, version: int, full: bool, changes: Iterable[tuple[str, str | None, object]]
    ) -> UpdateStatus:
        """Apply a SendLocalList: `changes` are (id tag, status, group as sent), a None status
        removes the tag (differential only). A differential must carry a newer version than
        the one held (VersionMismatch otherwise); a list that would outgrow MAX_ENTRIES, or
        an entry with an unusable group, fails and changes nothing."""
        if not full and version <= self.version:
            return UpdateStatus.VERSION_MISMATCH
        entries = {} if full else dict(self.entries)
        groups = {} if full else dict(self.groups)
        for tag, status, sent_group in changes:
            group = group_name(sent_group)
            if len(tag) > MAX_TAG_LENGTH or (sent_group is not None and group is None):
                return UpdateStatus.FAILED
            groups.pop(tag, None)
            if status is None:
                entries.pop(tag, None)
                continue
            entries[tag] = status
            if group is not None:
                groups[tag] = group
            if len(entries) > MAX_ENTRIES:
                return UpdateStatus.FAILED
        self.version, self.entries, self.groups = version, entries, groups
        return UpdateStatus.ACCEPTED

    def status_of(self, id_tag: str) -> str | None:
        """The tag's status on the list, None when it is not listed."""
        return self.entries.get(id_tag)

    def verdict(self, id_tag: str) -> TagVerdict | None:
        """The tag's status and group on the list, None when it is not listed."""
        status = self.entries.get(id_tag)
        return None if status is None else TagVerdict(status, self.groups.get(id_tag))
