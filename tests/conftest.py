"""Shared fixtures: a live engine on 127.0.0.1 (port 0) in a temporary data dir."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from ocppdeck.core.config import Settings
from ocppdeck.core.engine import Engine


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for a test: loopback, any free port, short timeouts."""
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": 0,
        "data_dir": data_dir,
        "heartbeat_interval": 30,
        "call_timeout": 5.0,
        "accept_unknown_tags": True,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    """A started engine; closed after the test whatever happens."""
    live = Engine(make_settings(tmp_path))
    await live.start()
    try:
        yield live
    finally:
        await live.close()


async def wait_for(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    """Poll until `predicate()` is truthy; fail the test after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {predicate}")
        await asyncio.sleep(0.01)
