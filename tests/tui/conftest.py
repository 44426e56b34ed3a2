"""Snapshots taken only once the screen has settled."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest
from textual.pilot import Pilot

Step = Callable[[Pilot[None]], Awaitable[None] | None]


SETTLE_ROUNDS = 20  # a screen that never settles (a blinking cursor) is taken as it is


async def settled(pilot: Pilot[None]) -> None:
    """Until the screen stops changing: the first layout lands, the tables refit their
    columns to it, and their scrollbars come or go with the rows that then fit."""
    shown = None
    for _ in range(SETTLE_ROUNDS):
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        now = pilot.app.export_screenshot()
        if now == shown:
            return
        shown = now


@pytest.fixture
def snap_compare(snap_compare: Callable[..., bool]) -> Callable[..., bool]:
    """The plugin's `snap_compare`, with keys and `run_before` held back until the screen
    has settled, and the shot taken once it has settled again: on a loaded machine the
    first layout can come after the first key, and the refit it brings then races the
    keys, or the shot (CI once; a full run here once: a table's scrollbar still showing)."""

    def compare(
        app: Any, *, press: Sequence[str] = (), run_before: Step | None = None, **kwargs: Any
    ) -> bool:
        async def settle_first(pilot: Pilot[None]) -> None:
            await settled(pilot)
            if run_before is not None:
                step = run_before(pilot)
                if inspect.isawaitable(step):
                    await step
            if press:
                await pilot.press(*press)
            await settled(pilot)  # what the keys and steps set off lands before the shot

        return snap_compare(app, run_before=settle_first, **kwargs)

    return compare
