"""Snapshots taken only once the screen has settled."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

Step = Callable[[Pilot[None]], Awaitable[None] | None]


async def settled(pilot: Pilot[None]) -> None:
    """Let the first layout land (the tables refit their columns to the pane on it)."""
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


@pytest.fixture
def snap_compare(snap_compare: Callable[..., bool]) -> Callable[..., bool]:
    """The plugin's `snap_compare`, with keys and `run_before` held back until the screen
    has settled: on a loaded machine the first layout can come after the first key, and
    the refit it brings then races the keys."""

    def compare(app: Any, *, run_before: Step | None = None, **kwargs: Any) -> bool:
        async def settle_first(pilot: Pilot[None]) -> None:
            await settled(pilot)
            if run_before is not None:
                step = run_before(pilot)
                if inspect.isawaitable(step):
                    await step

        return snap_compare(app, run_before=settle_first, **kwargs)

    return compare
