"""The id tags of a running instance, kept as `IdTagBook` asks a store to keep them.

An attached console's id tags screen works through the same `IdTagBook` as on the CSMS
(the same checks, the same effective status); this store answers it from a copy of the
CSMS's tags, fetched through the API, and writes every change through to the API in
order, one request at a time. What the CSMS refuses is logged, and the next fetch shows
the CSMS's tags as they are.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp

from ..clock import Clock
from ..csms.store import IdTag
from .client import quoted

log = logging.getLogger("ocppdeck.api.tags")

FETCH_EVERY_S = 5.0  # the copy is fetched again at most this often, when the console reads it


def tag_from(view: dict[str, Any]) -> IdTag:
    """An id tag as the API shows it (core/api/views.py: tag_view), read back."""
    return IdTag(
        str(view["idTag"]),
        str(view.get("status") or "Accepted"),
        view.get("parent") or None,
        view.get("expiry") or None,
        str(view.get("type") or ""),
    )


def _fields(tag: IdTag) -> dict[str, Any]:
    return {
        "status": tag.status,
        "parent": tag.parent,
        "expiry": tag.expiry,
        "type": tag.token_type,
    }


class ApiTagStore:
    """The id tag part of a store, through the API (see the module)."""

    def __init__(self, session: Callable[[], aiohttp.ClientSession | None], clock: Clock) -> None:
        self._session = session
        self._clock = clock
        self._tags: dict[str, IdTag] = {}
        self._writes: deque[IdTag | str] = deque()  # a tag to put, or the name of one to delete
        self._writer: asyncio.Task[None] | None = None
        self._fetcher: asyncio.Task[None] | None = None
        self._fetched_at = float("-inf")

    # --- what IdTagBook calls ---------------------------------------------------
    def id_tag(self, tag: str) -> IdTag | None:
        """The id tag, if the copy knows it."""
        return self._tags.get(tag)

    def id_tags(self) -> Iterator[IdTag]:
        """Every tag of the copy; asking starts the next fetch (see FETCH_EVERY_S)."""
        if self._clock.now() - self._fetched_at >= FETCH_EVERY_S:
            self._fetched_at = self._clock.now()
            self._start_fetch()
        yield from list(self._tags.values())

    def put_id_tag(self, tag: IdTag) -> None:
        """Add or replace a tag, here at once and at the CSMS in turn."""
        self._tags[tag.tag] = tag
        self._write(tag)

    def put_id_tags(self, tags: list[IdTag]) -> None:
        """Add or replace many tags (an import)."""
        for tag in tags:
            self.put_id_tag(tag)

    def delete_id_tag(self, tag: str) -> bool:
        """Forget a tag; False when the copy did not know it."""
        if self._tags.pop(tag, None) is None:
            return False
        self._write(tag)
        return True

    # --- lifetime -----------------------------------------------------------------
    async def load(self) -> None:
        """Fetch the CSMS's tags (none when it keeps none, or does not answer)."""
        session = self._session()
        if session is None:
            return
        with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError, KeyError):
            async with session.get("/api/id-tags") as response:
                if response.status == 200 and not self._writes:
                    body = await response.json()
                    self._tags = {t.tag: t for t in map(tag_from, body["idTags"])}

    async def close(self) -> None:
        """Stop fetching and writing (changes not yet written are lost, and logged)."""
        if self._writes:
            log.warning("%d id tag changes not sent to the CSMS", len(self._writes))
        for task in (self._writer, self._fetcher):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    def _start_fetch(self) -> None:
        if self._fetcher is None or self._fetcher.done():
            self._fetcher = asyncio.get_running_loop().create_task(self.load())

    def _write(self, change: IdTag | str) -> None:
        self._writes.append(change)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while self._writes:
            what = self._writes[0]
            try:
                if isinstance(what, IdTag):
                    await self._put(what)
                else:
                    await self._send("DELETE", f"/api/id-tags/{quoted(what)}")
            except (aiohttp.ClientError, TimeoutError) as exc:
                log.warning("id tag change not sent: %s", exc)
            self._writes.popleft()
        self._fetched_at = float("-inf")  # the next look fetches what the CSMS kept

    async def _put(self, tag: IdTag) -> None:
        status = await self._send("POST", "/api/id-tags", {"idTag": tag.tag, **_fields(tag)})
        if status == 409:  # the CSMS knows it already: change it instead
            await self._send("PATCH", f"/api/id-tags/{quoted(tag.tag)}", _fields(tag))

    async def _send(self, method: str, path: str, body: Any = None) -> int:
        session = self._session()
        if session is None:
            raise aiohttp.ClientConnectionError("not attached")
        async with session.request(method, path, json=body) as response:
            if response.status >= 400 and response.status != 409:
                log.warning("id tag change refused: %s %s: %s", method, path, await response.text())
            return response.status
