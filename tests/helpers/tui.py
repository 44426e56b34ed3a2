"""Driving the console in tests: toasts caught, screens read as text, a live app."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from ocpp.routing import after, on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action, RegistrationStatus, RemoteStartStopStatus
from rich.console import Console
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.widgets import Static
from websockets.asyncio.client import connect

from ocppdeck.core.clock import to_iso
from ocppdeck.core.engine import Engine
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.widgets.connectors_table import ConnectorsTable
from ocppdeck.tui.widgets.frame_log_view import FrameLogView
from ocppdeck.tui.widgets.stations_table import StationsTable
from tests.helpers.engine import make_settings, wait_for

SIZE = (160, 48)


# --- helpers -----------------------------------------------------------------
class Toasts:
    """Every notification the app raised (a `message_hook` for `run_test`).

    `app._notifications` forgets a toast once it times out, so the messages
    are caught on their way to the app instead.
    """

    def __init__(self) -> None:
        self.seen: list[Notification] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.seen.append(message.notification)

    def texts(self) -> list[str]:
        return [f"{n.title}: {n.message}" if n.title else n.message for n in self.seen]

    def having(self, word: str) -> list[Notification]:
        return [n for n in self.seen if word in n.message or word in n.title]


def plain(renderable: object) -> str:
    """A Rich renderable as plain text."""
    console = Console(width=200, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def screen_statics_text(app: OcppDeckApp) -> str:
    """The text of every Static on the active screen."""
    return "\n".join(plain(static.content) for static in app.screen.query(Static))


def shown_frames(app: OcppDeckApp) -> list[Frame]:
    """The frames the frame log lists (after its filter)."""
    view = app.query_one(FrameLogView)
    return [f for p in view.positions if (f := view.frame_log.get(p)) is not None]


class LiveStation(ChargePoint):
    """A 1.6 charge point: one connector; answers remote start/stop with `answer`
    and, when it accepts, starts or stops the transaction itself."""

    def __init__(self, station_id: str, connection: Any, answer: str = "Accepted") -> None:
        super().__init__(station_id, connection, response_timeout=5)
        self.answer = answer
        self.remote_starts: list[tuple[int | None, str]] = []
        self.remote_stops: list[int] = []
        self.transaction_id: int | None = None

    @on(Action.get_configuration)
    def on_get_configuration(self, **_: Any) -> call_result.GetConfiguration:
        return call_result.GetConfiguration(
            configuration_key=[{"key": "NumberOfConnectors", "readonly": True, "value": "1"}]
        )

    @on(Action.remote_start_transaction)
    def on_remote_start(
        self, id_tag: str, connector_id: int | None = None, **_: Any
    ) -> call_result.RemoteStartTransaction:
        self.remote_starts.append((connector_id, id_tag))
        return call_result.RemoteStartTransaction(status=RemoteStartStopStatus(self.answer))

    @after(Action.remote_start_transaction)
    async def start_after_remote_start(
        self, id_tag: str, connector_id: int | None = None, **_: Any
    ) -> None:
        if self.answer != "Accepted":
            return
        result = await self.call(
            call.StartTransaction(
                connector_id=connector_id or 1,
                id_tag=id_tag,
                meter_start=0,
                timestamp=to_iso(time.time()),
            )
        )
        self.transaction_id = result.transaction_id

    @on(Action.remote_stop_transaction)
    def on_remote_stop(self, transaction_id: int) -> call_result.RemoteStopTransaction:
        self.remote_stops.append(transaction_id)
        return call_result.RemoteStopTransaction(status=RemoteStartStopStatus(self.answer))

    @after(Action.remote_stop_transaction)
    async def stop_after_remote_stop(self, transaction_id: int) -> None:
        if self.answer != "Accepted":
            return
        await self.call(
            call.StopTransaction(
                transaction_id=transaction_id,
                meter_stop=1500,
                timestamp=to_iso(time.time()),
                reason="Remote",
            )
        )


@asynccontextmanager
async def live_station(
    engine: Engine, station_id: str, answer: str = "Accepted"
) -> AsyncIterator[LiveStation]:
    """Connected, booted, connector 1 Available; disconnected on exit."""
    ws = await connect(f"{engine.csms.url}/{station_id}", subprotocols=["ocpp1.6"])
    cp = LiveStation(station_id, ws, answer)
    task = asyncio.create_task(cp.start())
    try:
        boot = await cp.call(
            call.BootNotification(charge_point_vendor="ACME", charge_point_model="Live1")
        )
        assert boot.status == RegistrationStatus.accepted
        for cid in (0, 1):
            await cp.call(
                call.StatusNotification(connector_id=cid, error_code="NoError", status="Available")
            )
        yield cp
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await ws.close()


@asynccontextmanager
async def live_app(tmp_path: Path) -> AsyncIterator[tuple[OcppDeckApp, Engine, Any, Toasts]]:
    """The console on a live engine (started by the app's on_mount), closed in the end."""
    engine = Engine(make_settings(tmp_path))
    app = OcppDeckApp(engine)
    toasts = Toasts()
    async with app.run_test(size=SIZE, message_hook=toasts) as pilot:
        try:
            await wait_for(lambda: engine.csms.listening)
            yield app, engine, pilot, toasts
        finally:
            await app.source.close()


async def select_live_connector(app: OcppDeckApp, station_id: str) -> None:
    """Wait for the redraw timer to show the station with connector 1 under the cursor."""
    await wait_for(
        lambda: (
            app.query_one(StationsTable).selected == station_id
            and app.query_one(ConnectorsTable).selected == 1
        )
    )


def log_lines(app: OcppDeckApp) -> list[str]:
    """The frame log's rows as drawn on screen now."""
    view = app.query_one(FrameLogView)
    return [view.render_line(y).text for y in range(view.scrollable_content_region.height)]


def frame_log_has(app: OcppDeckApp, station_id: str, action: str) -> tuple[Frame, Frame] | None:
    """The OUT CALL of `action` and its IN answer, if the frame log lists both."""
    frames = [f for f in shown_frames(app) if f.station == station_id]
    calls = [
        f
        for f in frames
        if f.kind is Kind.CALL and f.direction is Direction.OUT and f.action == action
    ]
    for request in calls:
        for answer in frames:
            if (
                answer.kind in (Kind.RESULT, Kind.ERROR)
                and answer.direction is Direction.IN
                and answer.unique_id == request.unique_id
            ):
                return request, answer
    return None


def selected_frame(view: FrameLogView) -> Frame | None:
    """The frame under the frame log's cursor."""
    if view.cursor is None or not view.positions:
        return None
    return view.frame_log.get(view.positions[view.cursor])
