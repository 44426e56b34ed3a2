"""How a screen sends a command: the console queues it and reports how it ended."""

from __future__ import annotations

from collections.abc import Callable

from textual.notifications import SeverityLevel

from ..core.csms.commands import answer_summary
from ..core.csms.outbound_queue import CallState, Outcome, QueuedCall

# Given a thunk that queues the call (it may raise CommandUnavailable) and a label for the
# notifications; returns the queued call, or None when it could not be queued.
Send = Callable[[Callable[[], QueuedCall], str], QueuedCall | None]


def outcome_notice(action: str, outcome: Outcome) -> tuple[str, SeverityLevel]:
    """What the console says when a command ends, and how loudly: the status the answer
    carries (a Rejected inside a CALLRESULT is a warning, not "answered"), its reasons,
    or the CallError or timeout."""
    detail = f" ({outcome.detail})" if outcome.detail else ""
    if outcome.state is not CallState.ANSWERED:
        return f"{action}: {outcome.status}{detail}", "error"
    severity: SeverityLevel = "information" if outcome.accepted else "warning"
    return f"{action}: {outcome.status}{answer_summary(outcome.response)}{detail}", severity
