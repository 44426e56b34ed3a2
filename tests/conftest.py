"""Shared fixtures: a live engine on 127.0.0.1 (port 0) in a temporary data dir."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ocppdeck.core.engine import Engine
from tests.helpers.engine import own_engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    """A started engine with the test settings."""
    async with own_engine(tmp_path) as live:
        yield live
