"""A real HTTP client on 127.0.0.1 against an engine's control API, and its event stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp

from ocppdeck.core.api.bearer import TOKEN_FILE
from ocppdeck.core.engine import Engine

READ_TIMEOUT = 10.0  # seconds a test waits for the next line of a stream


def token_of(engine: Engine) -> str:
    """The token the engine made in its data dir."""
    return (engine.settings.data_dir / TOKEN_FILE).read_text().strip()


def api_url(engine: Engine) -> str:
    """Where the engine's API answers."""
    assert engine.api is not None, "started without api_port"
    return engine.api.url


@asynccontextmanager
async def api_client(
    engine: Engine, token: str | None = None
) -> AsyncIterator[aiohttp.ClientSession]:
    """A session that sends the engine's token (or `token`) with every request."""
    bearer = token if token is not None else token_of(engine)
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    async with aiohttp.ClientSession(base_url=api_url(engine), headers=headers) as session:
        yield session


@dataclass(frozen=True, slots=True)
class Event:
    """One server-sent event."""

    name: str
    id: str
    data: str


async def next_event(response: aiohttp.ClientResponse) -> Event:
    """The next event of a stream (comments skipped); fails the test after READ_TIMEOUT."""
    name, event_id, data = "message", "", []
    while True:
        raw = await asyncio.wait_for(response.content.readline(), READ_TIMEOUT)
        if not raw:
            raise AssertionError("the stream ended")
        line = raw.decode().rstrip("\n")
        if not line:
            if data:
                return Event(name, event_id, "\n".join(data))
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(": ")
        if field == "event":
            name = value
        elif field == "id":
            event_id = value
        elif field == "data":
            data.append(value)
