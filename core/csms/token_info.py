"""An Authorization as each version carries it, in the library's snake_case: 1.6's
idTagInfo and 2.x's idTokenInfo, in Authorize / transaction answers and local list
entries alike. The group is the tag's parent: 1.6 parentIdTag, 2.x groupIdToken."""

from __future__ import annotations

from typing import Any

from .authorization import Authorization

GROUP_TOKEN_TYPE = "Central"  # a group is an identifier the CSMS gives, not a card


def id_tag_info(found: Authorization) -> dict[str, str]:
    """A 1.6 idTagInfo: status, and the expiry and parentIdTag when there are any."""
    info = {"status": found.status}
    if found.expiry is not None:
        info["expiry_date"] = found.expiry
    if found.parent is not None:
        info["parent_id_tag"] = found.parent
    return info


def id_token_info(found: Authorization) -> dict[str, Any]:
    """A 2.x idTokenInfo: status, and the cache expiry and groupIdToken when there are any."""
    info: dict[str, Any] = {"status": found.status}
    if found.expiry is not None:
        info["cache_expiry_date_time"] = found.expiry
    if found.parent is not None:
        info["group_id_token"] = {"id_token": found.parent, "type": GROUP_TOKEN_TYPE}
    return info
