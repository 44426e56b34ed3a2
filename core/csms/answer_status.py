"""What a station's answer says: its status, or the statuses of its list of results.

An answer is an `ocpp` call_result (snake_case fields, nested values as dicts).
Every answer a CSMS gets that carries a status, in every version, carries it in
one of two ways (the library's response schemas; a test checks them all): a
top-level `status`, or one list of results whose items each hold one
(`setVariableResult[].attributeStatus`, `clearMonitoringResult[].status`). The
first is said as is; the second is counted ("2 Accepted, 1 Rejected"), so one
refusal in a batch is never shown as a plain "answered". A 2.x statusInfo (the
station's reason code) becomes the detail, and so do the results at fault.

The answer is the station's: a crafted call skips the schema, so any value may
come back. Words and details are cut short, and a list is summed up in a few words.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from typing import Any

NO_STATUS = "Answered"  # an answer without a status (GetConfiguration, GetLocalListVersion)
# The words that say the station did (or will do) what was asked; any other is shown as a refusal.
DONE = frozenset({"Accepted", "Unlocked", "Scheduled", NO_STATUS})
_WORD = 40  # characters of a status word
_DETAIL = 160  # characters of a detail
_KINDS = 4  # distinct words counted; the others are summed as "N other"
_NAMED = 3  # results at fault named in the detail


@dataclass(frozen=True, slots=True)
class AnswerStatus:
    """The status an answer says, and the station's reasons when it gave any."""

    status: str
    detail: str = ""


def answer_status(response: Any) -> AnswerStatus:
    """The status of an answer: its `status`, a count of its results' statuses, or
    "Answered" when it carries none."""
    fields = _fields(response)
    if "status" in fields and fields["status"] is not None:
        return AnswerStatus(_word(fields["status"]), _reason(fields.get("status_info")))
    for value in fields.values():
        results = _results(value)
        if results:
            return _summed(results)
    return AnswerStatus(NO_STATUS)


def means_done(status: str) -> bool:
    """Whether every word of a status (as `answer_status` says it) means done."""
    words = [w for w in status.replace(",", " ").split() if not w.isdigit()]
    return bool(words) and all(w in DONE for w in words)


def _fields(response: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(response) and not isinstance(response, type):
        return {f.name: getattr(response, f.name) for f in dataclasses.fields(response)}
    return response if isinstance(response, dict) else {}


def _status_key(item: dict[str, Any]) -> str | None:
    """The key of a result's status: `status`, or one such as `attribute_status`."""
    return next((k for k in item if k == "status" or str(k).endswith("_status")), None)


def _results(value: Any) -> list[tuple[str, dict[str, Any]]]:
    """Each result's status word with the result, when `value` is a list of results."""
    if not isinstance(value, list) or not value:
        return []
    found = []
    for item in value:
        key = _status_key(item) if isinstance(item, dict) else None
        if key is None:
            return []
        found.append((_word(item[key]), item))
    return found


def _summed(results: list[tuple[str, dict[str, Any]]]) -> AnswerStatus:
    counts = Counter(word for word, _ in results)
    if len(results) == 1:
        status = results[0][0]
    else:
        shown = [f"{n} {word}" for word, n in list(counts.items())[:_KINDS]]
        others = sum(list(counts.values())[_KINDS:])
        status = ", ".join(shown + ([f"{others} other"] if others else []))
    refused = [(word, item) for word, item in results if word not in DONE]
    named = [_named(word, item) for word, item in refused[:_NAMED]]
    if len(refused) > _NAMED:
        named.append(f"{len(refused) - _NAMED} more")
    return AnswerStatus(status, _cut("; ".join(named), _DETAIL))


def _named(word: str, item: dict[str, Any]) -> str:
    """A result at fault: which component and variable, its status and its reason."""
    names = [
        str(part["name"])
        for part in (item.get("component"), item.get("variable"))
        if isinstance(part, dict) and "name" in part
    ]
    reason = _reason(next((v for k, v in item.items() if str(k).endswith("status_info")), None))
    said = " ".join(filter(None, [".".join(names), word]))
    return f"{said} ({reason})" if reason else said


def _reason(info: Any) -> str:
    """A 2.x statusInfo as text: its reason code, and its additional info when given."""
    if not isinstance(info, dict):
        return ""
    parts = [str(info[k]) for k in ("reason_code", "additional_info") if info.get(k)]
    return _cut(": ".join(parts), _DETAIL)


def _word(value: Any) -> str:
    text = str(getattr(value, "value", value)).strip()
    return _cut(text, _WORD) or "?"


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"
