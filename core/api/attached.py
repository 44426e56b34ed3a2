"""A console attached to a running instance through its API: a source like any other.

The state is the same projection's, restored from `GET /api/snapshot` and folded on from
the frame stream (`GET /api/frames?after=SEQ`), so it is the state the CSMS holds. The
frame log starts with the frames the CSMS still holds before the snapshot. Commands are
built and checked here as on the CSMS, then sent through the API (core/api/relay.py); the
id tags and the station registry are the CSMS's, worked through the API
(core/api/remote_tags.py, core/api/remote_registry.py).

A lost connection never ends the console: the title bar says so, and it reconnects,
resuming after the last frame folded, once the CSMS shows that frame as it was (the same
run, or one restored from its recording). When the CSMS no longer holds the frames since
then (it dropped a slow stream, or moved past them) or holds other ones (a demo started
anew), the state is taken again from a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp

from ..clock import Clock, SystemClock
from ..config import Settings
from ..csms.authorization import KeptTags
from ..csms.commands import Commands
from ..csms.crafter import Crafter
from ..csms.id_tags import IdTagBook
from ..csms.registry_desk import RegistryDesk
from ..disk import snapshot
from ..model.projection import Projection
from ..model.state import State
from ..wire.codec import FrameError, decode
from ..wire.frame import Frame
from ..wire.frame_log import FrameLog
from .client import TIMEOUT_S
from .relay import ApiRelay
from .remote_registry import ApiRegistry
from .remote_tags import ApiTagStore

log = logging.getLogger("ocppdeck.api.attached")

BACKLOG_FRAMES = 2_000  # frames before the snapshot asked for, so the frame log is not empty
STREAM_SILENCE_S = 45.0  # three of the stream's keepalives missed: the connection is dead
RETRY_S = (0.5, 1.0, 2.0, 5.0)  # waits between reconnects, the last repeated
MAX_LINE_BYTES = 8 * 1024 * 1024  # the longest event line read (a frame is at most 1 MB)


class ApiLost(Exception):
    """The API is unreachable or refuses us; the message says why, for the title bar."""


class Resync(Exception):
    """The stream has a gap: the state is taken again from a snapshot."""


class AttachedSource:
    """A running instance's state, frames and commands, through its API."""

    def __init__(
        self, url: str, token: str, settings: Settings, clock: Clock | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self.settings = settings
        self.clock = clock or SystemClock()
        self.projection = Projection()
        self.frames = FrameLog(max_bytes=settings.frame_log_mb * 1024 * 1024)
        self.relay = ApiRelay(lambda: self._session, lambda: self.state, self.clock)
        self.tags = ApiTagStore(lambda: self._session, self.clock)
        # The relay offers what Commands calls of a CSMS; the tags' copy, a local list's tags.
        listed = KeptTags(self.tags, self.clock)
        self.commands = Commands(self.relay, lambda: self.state, self.clock, tags=listed)  # type: ignore[arg-type]
        self.crafter: Crafter | None = Crafter(self.commands, self.clock)
        # The tag store offers what IdTagBook asks of a store.
        self.id_tags: IdTagBook | None = IdTagBook(self.tags, self.clock)  # type: ignore[arg-type]
        self.remote_registry = ApiRegistry(lambda: self._session, self.clock)
        self.registry: RegistryDesk | None = self.remote_registry
        # What stays with the CSMS's own console: its plugins, its disk.
        self.transport = None
        self.automations = None
        self.disk = None
        self.lost: str | None = None  # why the API is away, while it is
        self.last_seq = 0  # the last frame folded
        self._shown_seq = 0  # the last frame put in the frame log
        self._last: Frame | None = None  # the frame of last_seq, to know the CSMS's run again
        self._check: Frame | None = None  # the frame a resumed stream must start with
        self._fresh = False  # a snapshot was just taken: the next stream follows on from it
        self._stale = False  # the state must be taken again from a snapshot
        self._retries = 0  # reconnects since the stream last answered
        self._token = token
        self._session: aiohttp.ClientSession | None = None
        self._follow: asyncio.Task[None] | None = None

    @property
    def mode(self) -> str:
        """Attached, and while the API is away, that it is: the title bar puts this part
        before the address, so even a narrow one shows a lost connection."""
        return "attached" if self.lost is None else "attached: API LOST, reconnecting"

    @property
    def state(self) -> State:
        """What the projection knows now."""
        return self.projection.state

    @property
    def start_note(self) -> str | None:
        """What an attached console cannot do."""
        return "Attached through the API: automations run, and are switched, where the CSMS runs."

    def describe(self) -> str:
        """The API's address (the log has why it was lost, when it is)."""
        return self.url

    async def start(self) -> None:
        """Take the state from a snapshot, then follow the frame stream. OSError when the
        API cannot be reached at all (the console says so and ends)."""
        self._session = aiohttp.ClientSession(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self._token}"},
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=10.0, sock_read=TIMEOUT_S),
            read_bufsize=MAX_LINE_BYTES,
        )
        try:
            await self._resync()
        except ApiLost as exc:
            await self.close()
            raise OSError(f"the API at {self.url}: {exc}") from None
        await self.tags.load()
        await self.remote_registry.load()
        self._follow = asyncio.get_running_loop().create_task(self._keep_following())

    async def close(self) -> None:
        """Stop following and waiting for answers; close the connection."""
        if self._follow is not None:
            self._follow.cancel()
            await asyncio.gather(self._follow, return_exceptions=True)
            self._follow = None
        await self.relay.close()
        await self.tags.close()
        await self.remote_registry.close()
        if self._session is not None:
            await self._session.close()
            self._session = None

    # --- following ------------------------------------------------------------
    async def _keep_following(self) -> None:
        while True:
            was = self.lost
            try:
                if self._stale:
                    await self._resync()
                await self._follow_stream()  # returns when the CSMS ends the stream
                self.lost = "the CSMS ended the frame stream"
            except Resync:
                self._stale = True
            except ApiLost as exc:
                self.lost = str(exc)
                self._fresh = False  # what answers next may be another run: check it
            if self.lost is not None and was is None:
                log.warning("api connection lost", extra={"url": self.url, "why": self.lost})
            await asyncio.sleep(RETRY_S[min(self._retries, len(RETRY_S) - 1)])
            self._retries += 1

    async def _get(self, path: str) -> bytes:
        assert self._session is not None, "not started"
        try:
            async with self._session.get(path) as response:
                data = await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ApiLost(str(exc) or type(exc).__name__) from None
        if response.status != 200:
            raise ApiLost(_refusal(response.status, path))
        return data

    async def _resync(self) -> None:
        """The whole state from a snapshot; the frames after it are folded on it."""
        try:
            snap = snapshot.read(await self._get("/api/snapshot"))
        except snapshot.SnapshotError as exc:
            raise ApiLost(f"an unreadable snapshot: {exc}") from None
        self.projection.restore(snap.projection)
        self.last_seq = snap.seq
        self._last = None
        self._fresh = True
        self._shown_seq = min(self._shown_seq, snap.seq)  # a CSMS started anew counts again
        self._stale = False

    async def _follow_stream(self) -> None:
        """Fold the stream's frames until it ends. Just after a snapshot, the stream
        starts with the frames the CSMS still holds before it (to fill the frame log); on
        a reconnect, with the last frame folded, to check the CSMS's run is the same one
        (without that frame to check, the state is taken from a snapshot again)."""
        assert self._session is not None, "not started"
        if self._fresh:
            self._check = None
            after = self.last_seq if self._shown_seq else max(0, self.last_seq - BACKLOG_FRAMES)
        elif self._last is None:
            raise Resync
        else:
            self._check = self._last
            after = self.last_seq - 1
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=10.0, sock_read=STREAM_SILENCE_S)
        try:
            async with self._session.get(
                "/api/frames", params={"after": str(after)}, timeout=timeout
            ) as response:
                if response.status != 200:
                    raise ApiLost(_refusal(response.status, "/api/frames"))
                self.lost = None
                self._retries = 0
                self._fresh = False
                await self._read_events(response, after)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ApiLost(str(exc) or type(exc).__name__) from None
        except ValueError as exc:  # a line over MAX_LINE_BYTES
            log.warning("frame stream line not read: %s", exc)
            raise Resync from None

    async def _read_events(self, response: aiohttp.ClientResponse, after: int) -> None:
        name, data = "message", b""
        async for raw in response.content:
            line = raw.rstrip(b"\r\n")
            if line:
                field, _, value = line.partition(b":")
                if field == b"event":
                    name = value.strip().decode("ascii", "replace")
                elif field == b"data":
                    data = value.removeprefix(b" ")
                continue
            if name == "dropped":  # the CSMS left this stream behind
                raise Resync
            if name == "frame" and data:
                self._take(data, after)
            name, data = "message", b""

    def _take(self, line: bytes, after: int) -> None:
        """Show a frame; fold it when it is the next one. Resync on a frame the stream
        should not hold (a CSMS started anew counts from 1 again), after a gap, or when a
        resumed stream does not start with the last frame folded."""
        try:
            frame = decode(line)
        except FrameError as exc:
            log.warning("frame stream event not read: %s", exc)
            return
        if self._check is not None:
            if frame != self._check:
                raise Resync
            self._check = None
            return
        seq = frame.seq
        if seq <= after or seq > self.last_seq + 1:
            raise Resync
        if seq > self._shown_seq:
            self.frames.append(frame, line)
            self._shown_seq = seq
        if seq == self.last_seq + 1:
            self.projection.apply(frame)
            self.last_seq = seq
        if seq == self.last_seq:  # folded now, or the snapshot's own last frame
            self._last = frame


def _refusal(status: int, path: str) -> str:
    if status == 401:
        return "the API refused the token"
    return f"{path}: HTTP {status}"
