"""A scripted station: the simulator's station, with its OCPP code and answers, that
does only what a scenario's steps say.

It connects when a step asks, boots when a step asks, and never charges on its own.
On top of the simulated station it keeps every frame it sent and heard, the calls
the CSMS sent it (and the answers scripted for them), a queue of what it said while
offline, and its firmware's quirks on the way out.
"""

from __future__ import annotations

import asyncio
import random
import ssl
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.typing import Subprotocol

from ..clock import Clock
from ..dialects import dialect
from ..sim.spec import SimSettings, StationSpec
from ..sim.station import CLOSE_TIMEOUT_S, SimStation, basic_auth, cancel_all
from .csms_calls import AnswerRule, Inbox, scripted
from .offline_queue import OFFLINE_TX_ID, OfflineQueue, renumbered
from .plan import StationPlan
from .wire_record import FrameRecord, RecordedSocket


class ScenarioStation(SimStation):
    """One station of a scenario, connected to `url` only while its steps say so."""

    def __init__(
        self,
        plan: StationPlan,
        url: str,
        clock: Clock,
        answer_timeout: float,
        password: str | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        spec = StationSpec(
            plan.station_id,
            plan.connectors,
            plan.vendor,
            plan.model,
            plan.protocol,
            firmware=plan.firmware,
            quirks=plan.quirks,
            template=plan.template,
        )
        settings = SimSettings(
            meter_interval=plan.meter_interval, fault_probability=0.0, password=password, tls=tls
        )
        link_answers = dialect(plan.protocol).link.value.answers
        rng = random.Random(plan.station_id)
        super().__init__(spec, url, settings, rng, clock, answers=scripted(link_answers))
        self.plan = plan
        self.response_timeout = answer_timeout
        for connector in self.connectors.values():
            connector.meter_wh = plan.start_wh
        self.record = FrameRecord(plan.station_id, plan.protocol, self._clock)  # its own time
        self.inbox = Inbox()
        self.rules: dict[str, AnswerRule] = {}
        self.offline = OfflineQueue(dialect(plan.protocol).results)
        self.refusal = ""  # why the last connection attempt failed
        self._socket: RecordedSocket | None = None
        self._served: asyncio.Task[None] | None = None
        self._late: Any = None  # a reading held back (quirk out_of_order_meters)

    async def _online(self) -> None:
        """Nothing happens by itself: the steps boot, report and charge."""

    # --- the link --------------------------------------------------------------------------
    async def connect(self) -> bool:
        """Open the websocket (if it is not open); False, with `refusal`, when it fails."""
        if self.connected:
            return True
        ws = await self._open()
        return ws is not None and await self._take(ws)

    async def replace_connection(self) -> str | None:
        """Open a second connection under the station's identity while the first is still
        open, as a station that lost its link without the CSMS noticing does: the CSMS must
        close the first. None once it did (the second is the station's now); else what
        went wrong."""
        if not self.connected:
            return "the station is offline: there is no connection to replace"
        ws = await self._open()
        if ws is None:
            return f"cannot connect: {self.refusal}"
        try:
            await self._ended()
        except TimeoutError:
            await ws.close()
            return f"the CSMS kept the first connection open for {self.response_timeout:g}s"
        return None if await self._take(ws) else "the second connection closed at once"

    async def _open(self) -> ClientConnection | None:
        target = f"{self.url.rstrip('/')}/{self.spec.station_id}"
        headers = {"Authorization": basic_auth(self.spec.station_id, self.password)}
        try:
            return await connect(
                target,
                subprotocols=[Subprotocol(self.spec.protocol)],
                additional_headers=headers if self.password else {},
                ssl=self.settings.tls if target.startswith("wss:") else None,
                open_timeout=self.response_timeout,
                close_timeout=CLOSE_TIMEOUT_S,
            )
        except (OSError, TimeoutError, WebSocketException) as exc:
            self.refusal = str(exc) or type(exc).__name__
            return None

    async def _take(self, ws: ClientConnection) -> bool:
        """Serve `ws` as the station's connection; whether it is up."""
        self._served = asyncio.create_task(self._serve(ws), name=f"scenario:{self.spec.station_id}")
        while not self.connected and not self._served.done():
            await asyncio.sleep(0)
        return self.connected

    async def _serve(self, ws: ClientConnection) -> None:
        self._socket = RecordedSocket(ws, self.record)
        try:
            async with ws:
                await self._session(self._socket)  # type: ignore[arg-type]  # a websocket's stand-in
        except (ConnectionClosed, OSError):
            pass  # the link is down: the steps decide what happens next
        finally:
            self._socket = None

    async def go_offline(self) -> None:
        """Lose the link abruptly, as a network fault does, and wait until it is down."""
        self.drop_connection()
        await self._ended()

    async def close(self) -> None:
        """End the connection and everything the station runs."""
        if self._served is not None:
            await cancel_all([self._served])
        await cancel_all(self._timers)

    async def _ended(self) -> None:
        if self._served is not None:
            async with asyncio.timeout(self.response_timeout):
                await asyncio.shield(self._served)

    async def send_text(self, text: str) -> bool:
        """Put `text` on the wire as it is; False when offline."""
        if self._socket is None:
            return False
        try:
            await self._socket.send(text)
        except ConnectionClosed:
            return False
        return True

    # --- what it says ----------------------------------------------------------------------
    async def send(self, payload: Any) -> Any | None:
        """As the simulated station says it (its quirks apply on the way out); queued while
        offline (the answer the station assumes comes back at once)."""
        if not self.connected:
            return self.offline.hold(payload)
        if self.plan.quirks.out_of_order_meters and _is_reading(payload):
            late, self._late = self._late, payload
            if late is None:
                return getattr(self._results, type(payload).__name__)()
            answer = await super().send(payload)
            await super().send(late)
            self._late = None
            return answer
        return await super().send(payload)

    @property
    def _results(self) -> Any:
        """The answers module of the station's version (what it assumes, unanswered)."""
        return dialect(self.spec.protocol).results

    async def flush_late(self) -> None:
        """Send a reading held back by out_of_order_meters (a charge is over)."""
        late, self._late = self._late, None
        if late is not None:
            await super().send(late)

    async def send_queued(self) -> int:
        """Send what was queued while offline, in order; how many went out."""
        held = self.offline.take()
        number: int | None = None
        for payload in held:
            message = payload if number is None else renumbered(payload, number)
            answer = await SimStation.send(self, message)
            if type(message).__name__ == "StartTransaction" and answer is not None:
                number = answer.transaction_id
                for connector in self.connectors.values():
                    if connector.transaction_id == OFFLINE_TX_ID:
                        connector.transaction_id = number
        return len(held)


def _is_reading(payload: Any) -> bool:
    action = type(payload).__name__
    return action == "MeterValues" or (
        action == "TransactionEvent"
        and getattr(payload, "event_type", "") == "Updated"
        and getattr(payload, "meter_value", None) is not None
    )
