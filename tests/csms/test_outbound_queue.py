"""The durable outbound queue over real loopback websockets, with real `ocpp` ChargePoints.

Commands to an offline station wait in the store and go out in order, one in
flight, when it connects, even after an engine restart; a silent station
costs one timeout per call; a queued command can be cancelled, one in flight
cannot; the queue pane (`w`) lists the commands and cancels with `c`.
On each connection the queue waits for the station's first message to be
answered (its boot, or a Heartbeat after a network blip), and a station whose
boot was answered Pending gets only reads and configuration until accepted.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest
from ocpp import v201
from ocpp.routing import on
from ocpp.v16 import call, call_result
from ocpp.v16.enums import Action, ClearCacheStatus, ConfigurationStatus, ResetStatus
from ocpp.v201 import call as call_v201
from textual.widgets import DataTable, Static

from ocppdeck.core.csms.commands import CommandUnavailable
from ocppdeck.core.csms.outbound_queue import (
    CallState,
    CancelRefused,
    payload_from_json,
    payload_to_json,
)
from ocppdeck.core.csms.send_gate import Clearance, SendGate
from ocppdeck.core.csms.store import Store
from ocppdeck.core.engine import Engine
from ocppdeck.core.wire.frame import Direction, Kind
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.screens.queue import QueueScreen
from tests.helpers.engine import frames_of, make_settings, out_calls, own_engine, wait_for
from tests.helpers.folded import FoldedSource
from tests.helpers.station16 import DeafToRemoteStart, Station, boot, station
from tests.helpers.tui import Toasts

SIZE = (160, 48)


def starts(*tags: str) -> list[Any]:
    """RemoteStartTransaction calls on connector 1, one per tag."""
    return [call.RemoteStartTransaction(id_tag=tag, connector_id=1) for tag in tags]


def states(engine: Engine) -> dict[int, CallState]:
    return {r.id: r.state for r in engine.commands.queue_overview()}


# --- serialisation -----------------------------------------------------------
def test_payloads_round_trip_through_json() -> None:
    for payload in [
        call.RemoteStartTransaction(id_tag="T", connector_id=2),
        call.GetConfiguration(key=["NumberOfConnectors"]),
        call_v201.RequestStartTransaction(
            id_token={"id_token": "T", "type": "Central"}, remote_start_id=7, evse_id=1
        ),
    ]:
        data = payload_to_json(payload)
        assert None not in data["fields"].values()
        assert payload_from_json(data) == payload


def test_unknown_payloads_are_refused() -> None:
    with pytest.raises(TypeError):
        payload_to_json("first")
    with pytest.raises(ValueError):
        payload_from_json({"module": "os", "name": "system", "fields": {}})
    with pytest.raises(ValueError):
        payload_from_json({"module": "ocpp.v16.call", "name": "NoSuchCall", "fields": {}})


def test_history_is_bounded_and_ids_are_never_reused(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.json")
    store.OUTBOUND_HISTORY = 3
    ids = [store.add_command({"station": "CP1", "state": "queued"}) for _ in range(5)]
    for command_id in ids:
        store.update_command(command_id, state="answered", finished_at=1.0)
    assert [r["id"] for r in store.commands()] == ids[-3:]
    store.close()
    again = Store(tmp_path / "store.json")
    assert again.add_command({"station": "CP1", "state": "queued"}) == ids[-1] + 1
    again.close()


# --- live --------------------------------------------------------------------
@pytest.mark.timeout(20)
async def test_offline_commands_go_out_in_order_on_connect(engine: Engine) -> None:
    commands = [engine.csms.submit("CP1", p) for p in starts("A", "B", "C")]
    await asyncio.sleep(0.1)
    assert {c.state for c in commands} == {CallState.QUEUED}
    async with station(engine, "CP1") as cp:
        await cp.call(call.Heartbeat())  # its first message: the queue may follow
        for command in commands:
            assert (await asyncio.wait_for(command.future, 5)).accepted
        assert cp.remote_starts == [(1, "A"), (1, "B"), (1, "C")]
    assert [r.state for r in engine.commands.queue_overview()] == [CallState.ANSWERED] * 3
    assert [r.status for r in engine.commands.queue_overview()] == ["Accepted"] * 3


@pytest.mark.timeout(20)
async def test_queue_survives_an_engine_restart(tmp_path: Path) -> None:
    async with own_engine(tmp_path) as first:
        submitted = [first.csms.submit("CP1", p) for p in starts("A", "B", "C")]
        ids = [c.id for c in submitted]
    async with own_engine(tmp_path) as second:
        assert [(r.id, r.state) for r in second.commands.queue_overview()] == [
            (i, CallState.QUEUED) for i in ids
        ]
        later = second.csms.submit("CP1", starts("D")[0])
        assert later.id > max(ids)  # ids stay unique across restarts
        async with station(second, "CP1") as cp:
            await cp.call(call.Heartbeat())  # its first message: the queue may follow
            await asyncio.wait_for(later.future, 5)
            assert cp.remote_starts == [(1, "A"), (1, "B"), (1, "C"), (1, "D")]
        await wait_for(lambda: set(states(second).values()) == {CallState.ANSWERED})


@pytest.mark.timeout(20)
async def test_in_flight_when_the_engine_stops_is_sent_again(tmp_path: Path) -> None:
    async with (
        own_engine(tmp_path, call_timeout=10) as first,
        station(first, "CP1", DeafToRemoteStart) as deaf,
    ):
        await deaf.call(call.Heartbeat())  # its first message: the queue may follow
        command = first.csms.submit("CP1", starts("A")[0])
        await wait_for(lambda: command.state is CallState.IN_FLIGHT)
        await wait_for(lambda: states(first)[command.id] is CallState.IN_FLIGHT)
        await first.close()  # the in-flight call goes back to the queue, durably
    async with own_engine(tmp_path) as second:
        assert states(second) == {command.id: CallState.QUEUED}
        async with station(second, "CP1") as cp:
            await cp.call(call.Heartbeat())  # its first message: the queue may follow
            await wait_for(lambda: cp.remote_starts == [(1, "A")])
            # Connected until its answer is in: the station answers after it has noted the call.
            await wait_for(lambda: states(second)[command.id] is CallState.ANSWERED)


@pytest.mark.timeout(20)
async def test_a_silent_station_times_out_each_call_then_the_next(tmp_path: Path) -> None:
    async with (
        own_engine(tmp_path, call_timeout=0.3) as live,
        station(live, "CP1", DeafToRemoteStart) as cp,
    ):
        await cp.call(call.Heartbeat())  # its first message: the queue may follow
        deaf = [live.csms.submit("CP1", p) for p in starts("A", "B")]
        answered = live.csms.submit("CP1", call.GetConfiguration(key=["NumberOfConnectors"]))
        for command in deaf:
            outcome = await asyncio.wait_for(command.future, 5)
            assert (outcome.state, outcome.status) == (CallState.TIMED_OUT, "Timeout")
        assert (await asyncio.wait_for(answered.future, 5)).state is CallState.ANSWERED
        assert cp.remote_starts == []
        assert states(live) == {
            deaf[0].id: CallState.TIMED_OUT,
            deaf[1].id: CallState.TIMED_OUT,
            answered.id: CallState.ANSWERED,
        }


@pytest.mark.timeout(20)
async def test_cancel_queued_is_never_sent_and_in_flight_is_refused(tmp_path: Path) -> None:
    async with own_engine(tmp_path, call_timeout=1) as live:
        first, second, third = (live.csms.submit("CP1", p) for p in starts("A", "B", "C"))
        cancelled = live.commands.cancel(second.id)
        assert cancelled is second
        outcome = await asyncio.wait_for(second.future, 1)
        assert (outcome.state, outcome.status) == (CallState.CANCELLED, "Cancelled")
        with pytest.raises(CommandUnavailable, match="already ended: cancelled"):
            live.commands.cancel(second.id)
        with pytest.raises(CommandUnavailable, match="no command"):
            live.commands.cancel(999)
        async with station(live, "CP1", DeafToRemoteStart) as cp:
            await cp.call(call.Heartbeat())  # its first message: the queue may follow
            await wait_for(lambda: first.state is CallState.IN_FLIGHT)
            with pytest.raises(CancelRefused, match="in flight"):
                live.csms.cancel(first.id)
            assert (await asyncio.wait_for(first.future, 5)).state is CallState.TIMED_OUT
            assert (await asyncio.wait_for(third.future, 5)).state is CallState.TIMED_OUT
            assert cp.remote_starts == []
        sent = [f.payload["idTag"] for f in out_calls(live, "CP1", "RemoteStartTransaction")]
        assert sent == ["A", "C"]
        assert states(live)[second.id] is CallState.CANCELLED


# --- what goes first on a connection (the send gate) --------------------------
class Recording:
    """A station that notes the action of every call the CSMS sends it, in order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.asked: list[str] = []

    async def route_message(self, raw_msg: str) -> None:
        message = orjson.loads(raw_msg)
        if message[0] == 2:
            self.asked.append(message[2])
        await super().route_message(raw_msg)  # type: ignore[misc]


class Obedient16(Recording, Station):
    """A 1.6 station that also accepts ClearCache, Reset and ChangeConfiguration."""

    @on(Action.clear_cache)
    def on_clear_cache(self) -> call_result.ClearCache:
        return call_result.ClearCache(status=ClearCacheStatus.accepted)

    @on(Action.reset)
    def on_reset(self, type: str) -> call_result.Reset:
        return call_result.Reset(status=ResetStatus.accepted)

    @on(Action.change_configuration)
    def on_change_configuration(self, key: str, value: str) -> call_result.ChangeConfiguration:
        return call_result.ChangeConfiguration(status=ConfigurationStatus.accepted)


class Obedient201(Recording, v201.ChargePoint):
    """A 2.0.1 station that accepts ClearCache."""

    @on("ClearCache")
    def on_clear_cache(self, **_: Any) -> v201.call_result.ClearCache:
        return v201.call_result.ClearCache(status="Accepted")


async def boot201(cp: Obedient201) -> v201.call_result.BootNotification:
    return await cp.call(
        v201.call.BootNotification(
            charging_station={"vendor_name": "ACME", "model": "Duo"}, reason="PowerUp"
        )
    )


def story(engine: Engine, station_id: str) -> list[str]:
    """The station's frames in the order the CSMS logged them, since its last connection:
    "CONNECTED", then e.g. "in CALL Heartbeat", "out CALLRESULT Heartbeat" (an answer is
    named by its call)."""
    frames = frames_of(engine, station_id)
    calls = {(f.direction, f.unique_id): f.action for f in frames if f.kind is Kind.CALL}
    lines: list[str] = []
    for f in frames:
        if f.kind is Kind.CONNECTED:
            lines = ["CONNECTED"]
        elif f.kind is Kind.CALL:
            lines.append(f"{f.direction} CALL {f.action}")
        elif f.kind in (Kind.RESULT, Kind.ERROR):
            asker = Direction.IN if f.direction is Direction.OUT else Direction.OUT
            lines.append(f"{f.direction} {f.kind} {calls.get((asker, f.unique_id), '?')}")
    return lines


BOOT_FIRST = [
    ("ocpp1.6", Obedient16, boot, call.ClearCache()),
    ("ocpp2.0.1", Obedient201, boot201, v201.call.ClearCache()),
]


@pytest.mark.timeout(20)
@pytest.mark.parametrize(("protocol", "cls", "boots", "clear_cache"), BOOT_FIRST)
async def test_a_booting_station_gets_its_boot_answered_before_the_queue(
    engine: Engine, protocol: str, cls: type[Recording], boots: Any, clear_cache: Any
) -> None:
    waiting = engine.csms.submit("CP1", clear_cache)  # queued while the station is offline
    async with station(engine, "CP1", cls, protocol=protocol) as cp:
        # Its queue is attached from here on: only the gate keeps ClearCache back.
        await wait_for(lambda: engine.csms.is_connected("CP1"))
        assert waiting.state is CallState.QUEUED
        assert (await boots(cp)).status == "Accepted"
        assert (await asyncio.wait_for(waiting.future, 5)).accepted
        await wait_for(lambda: len(story(engine, "CP1")) >= 5)
        assert story(engine, "CP1")[:5] == [
            "CONNECTED",
            "in CALL BootNotification",
            "out CALLRESULT BootNotification",
            "out CALL ClearCache",
            "in CALLRESULT ClearCache",
        ]
        assert cp.asked[0] == "ClearCache"  # then the after-boot question


@pytest.mark.timeout(20)
async def test_a_station_back_from_a_blip_gets_its_queue_after_its_first_message(
    engine: Engine,
) -> None:
    async with station(engine, "CP1", Obedient16) as cp:
        await boot(cp)
        await wait_for(lambda: engine.state.stations["CP1"].declared_evses == 2)
    await wait_for(lambda: not engine.csms.is_connected("CP1"))
    waiting = engine.csms.submit("CP1", call.ClearCache())
    # A network blip is no reboot: it comes back with a Heartbeat, not a boot.
    async with station(engine, "CP1", Obedient16) as cp:
        await wait_for(lambda: engine.csms.is_connected("CP1"))
        assert waiting.state is CallState.QUEUED
        await cp.call(call.Heartbeat())
        assert (await asyncio.wait_for(waiting.future, 5)).accepted
        await wait_for(lambda: len(story(engine, "CP1")) >= 5)
        assert story(engine, "CP1")[:5] == [
            "CONNECTED",
            "in CALL Heartbeat",
            "out CALLRESULT Heartbeat",
            "out CALL ClearCache",
            "in CALLRESULT ClearCache",
        ]
        assert cp.asked == ["ClearCache"]


@pytest.mark.timeout(30)
async def test_a_pending_station_gets_reads_and_configuration_only_until_accepted(
    tmp_path: Path,
) -> None:
    async with own_engine(tmp_path, registration="pending") as live:
        held = [live.csms.submit("CP1", p) for p in (call.ClearCache(), call.Reset(type="Soft"))]
        allowed = [
            live.csms.submit("CP1", p)
            for p in (
                call.GetConfiguration(key=["HeartbeatInterval"]),
                call.ChangeConfiguration(key="HeartbeatInterval", value="60"),
            )
        ]
        async with station(live, "CP1", Obedient16) as cp:
            assert (await boot(cp)).status == "Pending"
            for command in allowed:
                assert (await asyncio.wait_for(command.future, 5)).accepted
            # The worker has looked past them for the next command it may send: none.
            assert [c.state for c in held] == [CallState.QUEUED, CallState.QUEUED]
            assert cp.asked == ["GetConfiguration", "ChangeConfiguration"]
            live.csms.registry.accept("CP1")
            assert (await boot(cp)).status == "Accepted"
            for command in held:
                assert (await asyncio.wait_for(command.future, 5)).accepted
            assert cp.asked[:4] == [
                "GetConfiguration",
                "ChangeConfiguration",
                "ClearCache",
                "Reset",
            ]
        sent = [f.action for f in frames_of(live, "CP1") if f.kind is Kind.CALL]
        assert sent[:6] == [
            "BootNotification",
            "GetConfiguration",
            "ChangeConfiguration",
            "BootNotification",
            "ClearCache",
            "Reset",
        ]


def test_the_send_gate_lets_through_what_the_boots_answer_allows() -> None:
    fresh = SendGate()
    assert fresh.waiting and not fresh.allows("GetConfiguration")
    rejected = SendGate()
    rejected.boot_answered("Rejected")
    for action in ("ClearCache", "GetConfiguration", "TriggerMessage", "RemoteStartTransaction"):
        assert not rejected.allows(action)
    pending = SendGate()
    pending.boot_answered("Pending")
    assert not pending.allows("RemoteStartTransaction")
    assert not pending.allows("RequestStartTransaction")
    assert pending.allows("GetConfiguration") and pending.allows("GetVariables")
    # A Heartbeat answered after the boot does not undo the boot's answer, either way.
    pending.first_answered("Accepted")
    assert pending.clearance is Clearance.PENDING
    accepted = SendGate()
    accepted.boot_answered("Accepted")
    accepted.first_answered("Pending")
    assert accepted.allows("RemoteStartTransaction")
    # The operator accepted it and its next boot was answered Accepted: everything goes.
    pending.boot_answered("Accepted")
    assert pending.allows("RemoteStartTransaction")
    # Back from a blip without booting: its first message opens it as its boot would be.
    blip = SendGate()
    blip.first_answered("Accepted")
    assert blip.allows("ClearCache")


# --- the queue pane ----------------------------------------------------------
def table_text(app: OcppDeckApp) -> list[list[str]]:
    table = app.screen.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


@pytest.mark.timeout(30)
async def test_w_lists_commands_and_c_cancels_a_queued_one(tmp_path: Path) -> None:
    engine = Engine(make_settings(tmp_path))
    app = OcppDeckApp(engine)
    toasts = Toasts()
    async with app.run_test(size=SIZE, message_hook=toasts) as pilot:
        try:
            await wait_for(lambda: engine.csms.listening)
            answered = engine.csms.submit("CP-Q", starts("A")[0])
            async with station(engine, "CP-Q", Station) as cp:
                await cp.call(call.Heartbeat())  # its first message: the queue may follow
                await asyncio.wait_for(answered.future, 5)
            queued = engine.csms.submit("CP-Q", starts("B")[0])
            await pilot.press("w")
            await wait_for(lambda: isinstance(app.screen, QueueScreen))
            await wait_for(lambda: len(table_text(app)) == 2)
            rows = table_text(app)
            assert rows[0][:3] == [str(answered.id), "CP-Q", "RemoteStartTransaction"]
            assert "answered" in rows[0][3] and rows[0][5] == "Accepted"
            assert rows[1][0] == str(queued.id) and "queued" in rows[1][3]
            assert app.screen.selected == queued.id  # newest last, cursor on it
            await pilot.press("c")
            await wait_for(lambda: queued.state is CallState.CANCELLED)
            await wait_for(lambda: "cancelled" in table_text(app)[1][3])
            assert toasts.having("cancelled")
            await pilot.press("escape")
            await wait_for(lambda: not isinstance(app.screen, QueueScreen))
        finally:
            await app.source.close()


@pytest.mark.timeout(20)
async def test_queue_pane_in_replay_says_commands_are_off(tmp_path: Path) -> None:
    app = OcppDeckApp(FoldedSource([], make_settings(tmp_path)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("w")
        await wait_for(lambda: isinstance(app.screen, QueueScreen))
        note = app.screen.query_one("#queue-note", Static)
        assert "commands are off" in str(note.content)
        assert app.screen.query_one(DataTable).row_count == 0
        await pilot.press("c")
        await pilot.press("escape")
        await wait_for(lambda: not isinstance(app.screen, QueueScreen))
