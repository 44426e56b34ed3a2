"""A deliberately wrong CSMS for the conformance suite to catch: ocppdeck behind a
websocket relay on 127.0.0.1 that breaks two rules, as buggy central systems do.

- It never answers the end of a transaction (1.6 StopTransaction, 2.x TransactionEvent
  Ended): the answer is swallowed on its way back.
- It authorizes every id tag: an Authorize answer's status is turned into Accepted.

Everything else passes through untouched, on real sockets both ways, so the cases that
do not end a transaction or judge a refused tag pass as they do against ocppdeck.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from ocppdeck.core.dialects import DIALECTS

CALL, RESULT = 2, 3


class _Relay:
    """One station's connection: what it asked, to know which answers to break."""

    def __init__(self) -> None:
        self.unanswered: set[str] = set()  # ids of transaction ends: never answered
        self.authorizations: set[str] = set()  # ids of Authorize calls: always Accepted

    def up(self, text: str | bytes) -> None:
        message = _parsed(text)
        if message is None or message[0] != CALL or len(message) < 4:
            return
        unique_id, action, payload = message[1], message[2], message[3]
        ended = action == "TransactionEvent" and payload.get("eventType") == "Ended"
        if action == "StopTransaction" or ended:
            self.unanswered.add(unique_id)
        elif action == "Authorize":
            self.authorizations.add(unique_id)

    def down(self, text: str | bytes) -> str | bytes | None:
        message = _parsed(text)
        if message is None or message[0] != RESULT:
            return text
        unique_id = message[1]
        if unique_id in self.unanswered:
            return None
        if unique_id in self.authorizations:
            info = message[2].get("idTagInfo") or message[2].get("idTokenInfo")
            info["status"] = "Accepted"
            return orjson.dumps(message).decode()
        return text


def _parsed(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return None


@contextlib.asynccontextmanager
async def wrong_csms(upstream: str) -> AsyncIterator[str]:
    """The wrong CSMS's URL, relaying to ocppdeck at `upstream` (ws://host:port)."""

    async def handle(ws: ServerConnection) -> None:
        relay = _Relay()
        path = ws.request.path if ws.request is not None else "/"
        protocols = [Subprotocol(ws.subprotocol)] if ws.subprotocol else None
        with contextlib.suppress(ConnectionClosed, OSError):
            async with connect(upstream + path, subprotocols=protocols) as inner:

                async def pump_up() -> None:
                    async for text in ws:
                        relay.up(text)
                        await inner.send(text)

                async def pump_down() -> None:
                    async for text in inner:
                        passed = relay.down(text)
                        if passed is not None:
                            await ws.send(passed)

                tasks = [asyncio.create_task(pump_up()), asyncio.create_task(pump_down())]
                try:
                    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for task in tasks:
                        task.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)

    offered = [Subprotocol(name) for name in DIALECTS]
    async with serve(handle, "127.0.0.1", 0, subprotocols=offered) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}"
