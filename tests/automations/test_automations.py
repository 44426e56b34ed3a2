"""Automations on a real Engine (loopback CSMS) with real `ocpp` 1.6 and 2.0.1 stations."""

from __future__ import annotations

import asyncio
import importlib.metadata
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from ocpp import v201
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action, RemoteStartStopStatus
from textual.widgets import DataTable
from websockets.asyncio.client import connect

from ocppdeck.core.automations import plugins as automations_module
from ocppdeck.core.automations.plugins import ENTRY_POINT_GROUP, Actions
from ocppdeck.core.clock import to_iso
from ocppdeck.core.config import load_settings
from ocppdeck.core.engine import Engine
from ocppdeck.core.model.facts import Fact
from ocppdeck.core.model.state import State
from ocppdeck.core.replay.source import ReplaySource
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.screens.automations import AutomationsScreen
from tests.helpers.engine import make_settings, own_engine, wait_for
from tests.helpers.folded import project, recorded
from tests.helpers.tui import Toasts

ENERGY = "Energy.Active.Import.Register"
BUILT_INS = ["auto-start", "connector-count", "orphan-recovery"]


class Station16(ChargePoint):
    """A 1.6 station that declares `declared` connectors and accepts remote starts."""

    declared = 2

    def __init__(self, station_id: str, connection: Any) -> None:
        super().__init__(station_id, connection, response_timeout=5)
        self.remote_starts: list[tuple[int | None, str]] = []

    @on(Action.get_configuration)
    def on_get_configuration(self, **_: Any) -> call_result.GetConfiguration:
        value = str(self.declared)
        return call_result.GetConfiguration(
            configuration_key=[{"key": "NumberOfConnectors", "readonly": True, "value": value}]
        )

    @on(Action.remote_start_transaction)
    def on_remote_start(
        self, id_tag: str, connector_id: int | None = None, **_: Any
    ) -> call_result.RemoteStartTransaction:
        self.remote_starts.append((connector_id, id_tag))
        return call_result.RemoteStartTransaction(status=RemoteStartStopStatus.accepted)

    async def boot(self) -> None:
        await self.call(call.BootNotification(charge_point_vendor="ACME", charge_point_model="T"))

    async def status(self, connector_id: int, status: str) -> None:
        await self.call(
            call.StatusNotification(
                connector_id=connector_id,
                error_code="NoError",
                status=status,
                timestamp=to_iso(time.time()),
            )
        )


class Station201(v201.ChargePoint):
    """A 2.0.1 station that accepts remote starts."""

    def __init__(self, station_id: str, connection: Any) -> None:
        super().__init__(station_id, connection, response_timeout=5)
        self.starts: list[dict[str, Any]] = []

    @on("RequestStartTransaction")
    def on_request_start(self, id_token: dict[str, Any], remote_start_id: int, **extra: Any) -> Any:
        self.starts.append({"id_token": id_token, **extra})
        return v201.call_result.RequestStartTransaction(status="Accepted")

    @on("GetBaseReport")
    def on_get_base_report(self, **_: Any) -> Any:
        return v201.call_result.GetBaseReport(status="Accepted")


@asynccontextmanager
async def station(
    engine: Engine, station_id: str, cls: type[Any] = Station16, protocol: str = "ocpp1.6"
) -> AsyncIterator[Any]:
    """A connected station with its receive loop running; disconnected on exit."""
    ws = await connect(f"{engine.csms.url}/{station_id}", subprotocols=[protocol])
    cp = cls(station_id, ws)
    task = asyncio.create_task(cp.start())
    try:
        yield cp
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await ws.close()


def notes(engine: Engine, station_id: str | None = None) -> list[Frame]:
    """The AUTOMATION frames in the engine's frame log."""
    log = engine.frames
    return [
        f
        for p in log.positions()
        if (f := log.get(p)) is not None
        and f.kind is Kind.AUTOMATION
        and (station_id is None or f.station == station_id)
    ]


async def settle(cp: Any) -> None:
    """A round trip after the frames under test, and a moment for any queued command."""
    await cp.call(call.Heartbeat())
    await asyncio.sleep(0.2)


# --- auto-start ----------------------------------------------------------------
@pytest.mark.timeout(20)
async def test_auto_start_sends_a_remote_start_when_a_16_connector_goes_preparing(
    tmp_path: Path,
) -> None:
    async with (
        own_engine(tmp_path, automations=("auto-start",), auto_start_id_tag="AUTO-1") as engine,
        station(engine, "CP1") as cp,
    ):
        await cp.boot()
        await cp.status(1, "Available")
        await cp.status(1, "Preparing")
        await wait_for(lambda: cp.remote_starts == [(1, "AUTO-1")])
        [note] = notes(engine, "CP1")
        assert note.payload["automation"] == "auto-start"
        assert note.payload["connector"] == 1
        assert "remote start on #1 for AUTO-1" in note.text


@pytest.mark.timeout(20)
async def test_auto_start_sends_request_start_when_a_201_evse_becomes_occupied(
    tmp_path: Path,
) -> None:
    async with (
        own_engine(tmp_path, automations=("auto-start",)) as engine,
        station(engine, "EV1", Station201, "ocpp2.0.1") as cp,
    ):
        await cp.call(
            v201.call.BootNotification(
                charging_station={"vendor_name": "ACME", "model": "Duo"}, reason="PowerUp"
            )
        )
        await cp.call(
            v201.call.StatusNotification(
                timestamp=to_iso(time.time()),
                connector_status="Occupied",
                evse_id=2,
                connector_id=1,
            )
        )
        await wait_for(lambda: len(cp.starts) == 1)
        start = cp.starts[0]
        assert start["evse_id"] == 2
        assert start["id_token"] == {"id_token": "TAG-0001", "type": "Central"}
        assert [n.payload["connector"] for n in notes(engine, "EV1")] == [2]


@pytest.mark.timeout(20)
async def test_auto_start_is_restricted_to_the_configured_stations(tmp_path: Path) -> None:
    async with (
        own_engine(tmp_path, automations=("auto-start",), auto_start_stations=("CP-A",)) as engine,
        station(engine, "CP-B") as other,
        station(engine, "CP-A") as chosen,
    ):
        for cp in (other, chosen):
            await cp.boot()
            await cp.status(1, "Preparing")
        await wait_for(lambda: chosen.remote_starts == [(1, "TAG-0001")])
        await settle(other)
        assert other.remote_starts == []
        assert notes(engine, "CP-B") == []


@pytest.mark.timeout(20)
async def test_a_disabled_automation_sends_nothing(tmp_path: Path) -> None:
    async with own_engine(tmp_path) as engine, station(engine, "CP1") as cp:
        assert not engine.automations.plugins["auto-start"].enabled  # off by default
        await cp.boot()
        await cp.status(1, "Preparing")
        await settle(cp)
        assert cp.remote_starts == []
        assert notes(engine) == []
        # Toggled on at the console, it acts on the next plug-in.
        engine.automations.set_enabled("auto-start", True)
        await cp.status(2, "Preparing")
        await wait_for(lambda: cp.remote_starts == [(2, "TAG-0001")])


# --- orphaned transactions -------------------------------------------------------
@pytest.mark.timeout(20)
async def test_a_new_transaction_closes_the_orphan_at_its_last_meter_value(
    tmp_path: Path,
) -> None:
    t0 = time.time() - 60
    async with own_engine(tmp_path) as engine, station(engine, "CP1") as cp:
        await cp.boot()
        first = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag="T1", meter_start=1000, timestamp=to_iso(t0)
            )
        )
        await cp.call(
            call.MeterValues(
                connector_id=1,
                transaction_id=first.transaction_id,
                meter_value=[
                    {
                        "timestamp": to_iso(t0 + 10),
                        "sampledValue": [{"value": "1500", "measurand": ENERGY}],
                    }
                ],
            )
        )
        second = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag="T2", meter_start=1600, timestamp=to_iso(t0 + 20)
            )
        )
        old_key = ("CP1", str(first.transaction_id))
        await wait_for(lambda: not engine.state.transactions[old_key].is_open)
        old = engine.state.transactions[old_key]
        assert (old.meter_stop, old.stop_reason) == (1500, "Other")
        new = engine.state.open_transaction_on("CP1", 1)
        assert new is not None and new.transaction_id == str(second.transaction_id)
        [note] = notes(engine, "CP1")
        assert note.payload["closeTransaction"] == str(first.transaction_id)
        live_state = _transactions(engine.state)
    frames = recorded(engine.settings.recording_path)
    assert [f for f in frames if f.kind is Kind.AUTOMATION] == [note]
    assert _transactions(project(frames)) == live_state
    # Order-tolerant: the close folds the same when it comes before the start.
    moved = [note, *(f for f in frames if f is not note)]
    assert _transactions(project(moved)) == live_state


def _transactions(state: State) -> dict[tuple[str, str], tuple[Any, ...]]:
    return {
        key: (tx.evse_id, tx.meter_start, tx.meter_stop, tx.stop_reason, tx.is_open)
        for key, tx in state.transactions.items()
    }


# --- connector count -------------------------------------------------------------
@pytest.mark.timeout(20)
async def test_a_station_declaring_2_and_reporting_3_is_flagged_once(tmp_path: Path) -> None:
    async with own_engine(tmp_path) as engine, station(engine, "CP1") as cp:
        await cp.boot()
        await wait_for(lambda: engine.state.stations["CP1"].declared_evses == 2)
        for cid in (1, 2, 3):
            await cp.status(cid, "Available")
        await wait_for(lambda: len(notes(engine, "CP1")) == 1)
        await cp.status(3, "Available")
        await settle(cp)
        [note] = notes(engine, "CP1")
        assert note.payload["verdict"] == "contradicted"
        assert (note.payload["declared"], note.payload["seen"]) == (2, 3)
        assert engine.automations.take_notices() == [note]
        assert engine.automations.take_notices() == []


# --- plugins -----------------------------------------------------------------------
class Greeter:
    """A third-party automation: notes every station that connects."""

    name = "greeter"
    description = "says hello"

    def on_frame(self, frame: Frame, facts: Sequence[Fact], state: State, act: Actions) -> None:
        if frame.kind is Kind.CONNECTED:
            act.note(frame.station, f"hello {frame.station}", greeted=True)


def fake_entry_points(monkeypatch: pytest.MonkeyPatch, extra: dict[str, str]) -> None:
    """The installed entry points plus `extra` (name -> "module:attr")."""
    installed = list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))
    more = [importlib.metadata.EntryPoint(n, v, ENTRY_POINT_GROUP) for n, v in extra.items()]
    monkeypatch.setattr(automations_module, "entry_points", lambda: [*installed, *more])


@pytest.mark.timeout(20)
async def test_a_plugin_is_listed_and_runs_and_a_broken_one_is_listed_as_broken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_entry_points(
        monkeypatch,
        {
            "greeter": f"{__name__}:Greeter",
            "missing": "ocppdeck.core.automations.plugins:NoSuchAutomation",
            "not-one": "builtins:dict",
        },
    )
    async with own_engine(tmp_path, automations=("greeter", "missing")) as engine:
        plugins = engine.automations.plugins
        assert sorted(plugins) == sorted([*BUILT_INS, "greeter", "missing", "not-one"])
        assert plugins["greeter"].enabled and not plugins["greeter"].broken
        assert plugins["missing"].broken and not plugins["missing"].enabled
        assert "AttributeError" in plugins["missing"].description
        assert plugins["not-one"].broken
        with pytest.raises(ValueError, match="broken"):
            engine.automations.set_enabled("missing", True)
        async with station(engine, "CP1"):
            await wait_for(lambda: notes(engine, "CP1"))
        [note] = notes(engine, "CP1")
        assert note.text == "greeter: hello CP1"
        assert note.payload == {"automation": "greeter", "greeted": True}
        assert note.direction is Direction.OUT


def test_automation_settings_come_from_the_file_and_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "ocppdeck.toml"
    config.write_text(
        'automations = ["auto-start", "orphan-recovery"]\n'
        'auto_start_stations = ["CP1", "CP2"]\n'
        'auto_start_id_tag = "FLEET"\n'
    )
    settings = load_settings(env={}, config_file=config)
    assert settings.automations == ("auto-start", "orphan-recovery")
    assert settings.auto_start_stations == ("CP1", "CP2")
    assert settings.auto_start_id_tag == "FLEET"
    env = {
        "OCPPDECK_AUTOMATIONS": "connector-count, auto-start",
        "OCPPDECK_AUTO_START_STATIONS": "X",
    }
    settings = load_settings(env=env, config_file=config)
    assert settings.automations == ("connector-count", "auto-start")
    assert settings.auto_start_stations == ("X",)
    assert load_settings(env={}).automations == ("orphan-recovery", "connector-count")


# --- the console -------------------------------------------------------------------
@pytest.mark.timeout(20)
async def test_a_opens_the_automations_and_space_toggles_one(tmp_path: Path) -> None:
    engine = Engine(make_settings(tmp_path))
    app = OcppDeckApp(engine)
    async with app.run_test(size=(160, 48)) as pilot:
        try:
            await wait_for(lambda: engine.csms.listening)
            await pilot.press("a")
            await pilot.pause()
            assert isinstance(app.screen, AutomationsScreen)
            table = app.screen.query_one(DataTable)
            rows = [table.get_row_at(i) for i in range(table.row_count)]
            assert [str(r[0]) for r in rows] == BUILT_INS
            assert ["off" in r[1] for r in rows] == [True, False, False]
            await pilot.press("space")  # the cursor starts on auto-start
            await pilot.pause()
            assert engine.automations.plugins["auto-start"].enabled
            assert "on" in table.get_row_at(0)[1]
            await pilot.press("down", "space")
            await pilot.pause()
            assert not engine.automations.plugins["connector-count"].enabled
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, AutomationsScreen)
        finally:
            await app.source.close()


@pytest.mark.timeout(20)
async def test_a_replay_has_no_automations(tmp_path: Path) -> None:
    app = OcppDeckApp(ReplaySource([], make_settings(tmp_path), "empty"))
    toasts = Toasts()
    async with app.run_test(size=(160, 48), message_hook=toasts) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert not isinstance(app.screen, AutomationsScreen)
        assert toasts.having("automations are off")
        await app.source.close()
