"""A live engine on 127.0.0.1 (port 0) in a temporary data dir, and what tests read of it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from ocppdeck.core.config import Settings
from ocppdeck.core.engine import Engine
from ocppdeck.core.wire.frame import Direction, Frame, Kind


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


@asynccontextmanager
async def own_engine(tmp_path: Path, **overrides: Any) -> AsyncIterator[Engine]:
    """A started engine with these settings; closed on leaving, whatever happens."""
    live = Engine(make_settings(tmp_path, **overrides))
    await live.start()
    try:
        yield live
    finally:
        await live.close()


def frames_of(engine: Engine, station_id: str) -> list[Frame]:
    """The frames of one station still in the engine's frame log."""
    log = engine.frames
    return [f for p in log.positions() if (f := log.get(p)) is not None and f.station == station_id]


def partner_of(engine: Engine, frame: Frame) -> Frame | None:
    """The request or answer the frame log joined to `frame`."""
    log = engine.frames
    pos = next(p for p in log.positions() if log.get(p) == frame)
    return log.partner(pos)


def out_calls(engine: Engine, station_id: str, action: str) -> list[Frame]:
    """The CALLs the CSMS sent a station with that action."""
    return [
        f
        for f in frames_of(engine, station_id)
        if f.kind is Kind.CALL and f.direction is Direction.OUT and f.action == action
    ]


async def wait_for(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    """Poll until `predicate()` is truthy; fail the test after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {predicate}")
        await asyncio.sleep(0.01)
