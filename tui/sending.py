"""How a screen sends a command: the console queues it and reports how it ended."""

from __future__ import annotations

from collections.abc import Callable

from ..core.csms.outbound_queue import QueuedCall

# Given a thunk that queues the call (it may raise CommandUnavailable) and a label for the
# notifications; returns the queued call, or None when it could not be queued.
Send = Callable[[Callable[[], QueuedCall], str], QueuedCall | None]
