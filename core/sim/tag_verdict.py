"""What a simulated station knows of an id tag: its status and its group, from an Authorize
answer or its local list, and what the group allows (OCPP 1.6 parentIdTag, 2.x
groupIdToken; 2.x C09 stop by a tag of the group, C16 master pass)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_GROUP_LENGTH = 36  # the longest 2.x idToken; a longer "group" is no group


@dataclass(frozen=True, slots=True)
class TagVerdict:
    """A tag's status (Accepted, Blocked, Expired, Invalid, ConcurrentTx…) and group."""

    status: str
    group: str | None = None

    @property
    def accepted(self) -> bool:
        """Whether the tag may charge (or stop its group's transaction)."""
        return self.status == "Accepted"


def group_name(value: Any) -> str | None:
    """A group as the station keeps it: a non-empty string of at most MAX_GROUP_LENGTH
    characters; anything else a CSMS sends is no group."""
    if isinstance(value, str) and 0 < len(value) <= MAX_GROUP_LENGTH:
        return value
    return None


def from_id_tag_info(info: Any) -> TagVerdict | None:
    """A 1.6 idTagInfo (snake_case, as the library hands it over); None when it is none."""
    if not isinstance(info, dict):
        return None
    return TagVerdict(str(info.get("status", "")), group_name(info.get("parent_id_tag")))


def from_id_token_info(info: Any) -> TagVerdict | None:
    """A 2.x idTokenInfo (snake_case); None when it is none."""
    if not isinstance(info, dict):
        return None
    group = info.get("group_id_token")
    token = group.get("id_token") if isinstance(group, dict) else None
    return TagVerdict(str(info.get("status", "")), group_name(token))


def same_group(verdict: TagVerdict, group: str | None) -> bool:
    """Whether an accepted tag belongs to `group` (a transaction's, or the master pass's):
    a tag without a group belongs to none."""
    return verdict.accepted and verdict.group is not None and verdict.group == group
