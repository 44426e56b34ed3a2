"""A customer-information report assembled from its NotifyCustomerInformation parts. Pure.

The state keeps each part as a notice (topic CUSTOMER, subject `requestId:seqNo`,
bounded per station like every notice); here the parts of one request are put in
seqNo order and joined. A report is complete when parts 0 to the last came and the
last says no more are to come (tbc false); a gap or a missing end shows as incomplete.
"""

from __future__ import annotations

from dataclasses import dataclass

from .state import Notice, Topic

LAST_PART = "last part"  # the status core/model/readers/notices.py gives a tbc=false part
MAX_REPORT_TEXT = 16_384  # characters of one assembled report the console holds


@dataclass(frozen=True, slots=True)
class CustomerReport:
    """One request's report: its id, when its newest part came, how many parts came,
    whether every part came, and their data in order (cut to MAX_REPORT_TEXT)."""

    request_id: str
    at: float
    parts: int
    complete: bool
    text: str


def _part(notice: Notice) -> tuple[str, int] | None:
    """(request id, seqNo) of a part's subject; None for one that is not a part's."""
    request, _, seq = notice.subject.rpartition(":")
    return (request, int(seq)) if request and seq.isdigit() else None


def customer_reports(notices: list[Notice]) -> list[CustomerReport]:
    """The reports the CUSTOMER notices make, newest first."""
    by_request: dict[str, dict[int, Notice]] = {}
    for notice in notices:
        part = _part(notice) if notice.topic is Topic.CUSTOMER else None
        if part is not None:
            by_request.setdefault(part[0], {})[part[1]] = notice
    reports = []
    for request, parts in by_request.items():
        ordered = [parts[seq] for seq in sorted(parts)]
        whole = sorted(parts) == list(range(len(parts))) and ordered[-1].status == LAST_PART
        text = "".join(part.detail for part in ordered)[:MAX_REPORT_TEXT]
        newest = max(part.at for part in ordered)
        reports.append(CustomerReport(request, newest, len(parts), whole, text))
    return sorted(reports, key=lambda r: (r.at, r.request_id), reverse=True)
