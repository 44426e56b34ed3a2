"""The message crafter: templates and validation from the library's schemas, real stations."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action, AvailabilityStatus
from rich.console import Console
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.widgets import Checkbox, OptionList, Select, Static, TextArea
from websockets.asyncio.client import connect

from ocppdeck.core.clock import ManualClock
from ocppdeck.core.csms.builders.contract import CommandUnavailable
from ocppdeck.core.csms.commands import Commands
from ocppdeck.core.csms.crafter import Crafter
from ocppdeck.core.csms.schemas import (
    CraftError,
    FieldError,
    InvalidPayload,
    build_call,
    parse_payload,
    template,
    validate,
    wire_json,
)
from ocppdeck.core.dialects import DIALECTS, V16, V201, UnknownDialect, dialect
from ocppdeck.core.engine import Engine
from ocppdeck.core.model.state import State
from ocppdeck.core.wire.frame import Direction, Kind
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.screens.crafter import CrafterScreen
from tests.helpers.engine import make_settings, wait_for
from tests.helpers.scenario import scenario_app

PROTOCOLS = tuple(DIALECTS)


# --- actions, templates, validation ---------------------------------------------
def test_actions_are_those_a_csms_sends() -> None:
    v16, v201, v21 = (dialect(p).csms_actions() for p in PROTOCOLS)
    assert {"Reset", "ChangeAvailability", "RemoteStartTransaction", "DataTransfer"} <= set(v16)
    assert not {"BootNotification", "Heartbeat", "StartTransaction", "MeterValues"} & set(v16)
    assert {"RequestStartTransaction", "GetVariables", "SetVariables"} <= set(v201)
    assert not {"TransactionEvent", "NotifyReport", "BootNotification"} & set(v201)
    assert "RequestBatterySwap" in v21 and "BatterySwap" not in v21
    assert v16 == sorted(v16)
    with pytest.raises(UnknownDialect, match="unknown OCPP version"):
        Crafter.actions("ocpp9")


def test_templates_fill_the_required_fields() -> None:
    assert template(V16, "Reset") == {"type": "Hard"}
    assert template(V16, "ChangeAvailability") == {"connectorId": 0, "type": "Inoperative"}
    assert template(V201, "RequestStartTransaction") == {
        "idToken": {"idToken": "", "type": "Central"},
        "remoteStartId": 0,
    }
    # An array with minItems gets one element, built from its item type.
    assert template(V201, "GetVariables") == {
        "getVariableData": [{"component": {"name": ""}, "variable": {"name": ""}}]
    }
    with pytest.raises(CraftError, match="not a call a CSMS sends"):
        template(V16, "BootNotification")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_template_is_valid_and_survives_the_library(protocol: str) -> None:
    spoken = dialect(protocol)
    for action in spoken.csms_actions():
        payload = template(spoken, action)
        assert validate(spoken, action, payload) == [], action
        sent = wire_json(build_call(spoken, action, payload))
        # The library may add a dataclass default (SendLocalList's empty list), never drop one.
        assert payload.items() <= sent.items(), action


def test_validation_errors_name_the_field() -> None:
    errors = validate(
        V201,
        "RequestStartTransaction",
        {"idToken": {"idToken": 7}, "evseId": "one", "colour": "red"},
    )
    assert errors == [
        FieldError("", "Additional properties are not allowed ('colour' was unexpected)"),
        FieldError("evseId", "'one' is not of type 'integer'"),
        FieldError("idToken.idToken", "7 is not of type 'string'"),
        FieldError("idToken.type", "required"),
        FieldError("remoteStartId", "required"),
    ]
    assert str(errors[0]).startswith("payload: ")
    listed = validate(
        V201, "GetVariables", {"getVariableData": [{"component": {}, "variable": {}}]}
    )
    assert [e.path for e in listed] == [
        "getVariableData[0].component.name",
        "getVariableData[0].variable.name",
    ]
    # 1.6 limits are decimals with one place: 21.4 must not fail as 21.399999….
    profile = template(V16, "SetChargingProfile")
    periods = profile["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"]
    periods.append({"startPeriod": 0, "limit": 21.4})
    assert validate(V16, "SetChargingProfile", profile) == []


def test_parse_payload_says_what_is_wrong() -> None:
    assert parse_payload('{"type": "Soft"}') == {"type": "Soft"}
    with pytest.raises(CraftError, match="line 1 column"):
        parse_payload('{"type": ')
    with pytest.raises(CraftError, match="JSON object"):
        parse_payload("[1]")


def test_build_call_keeps_a_payload_the_dataclass_cannot_hold() -> None:
    good = build_call(V16, "ChangeAvailability", {"connectorId": 1, "type": "Operative"})
    assert good == call.ChangeAvailability(connector_id=1, type="Operative")
    odd = build_call(V16, "ChangeAvailability", {"connectorId": 1, "colour": "red"})
    assert type(odd).__name__ == "ChangeAvailability"
    assert wire_json(odd) == {"connectorId": 1, "colour": "red"}


def replay_crafter(history: Path) -> Crafter:
    """A crafter whose commands are off, as in replay."""
    clock = ManualClock()
    return Crafter(Commands(None, State, clock), clock, history)


def test_replay_sends_nothing(tmp_path: Path) -> None:
    crafter = replay_crafter(tmp_path / "crafter.jsonl")
    with pytest.raises(CommandUnavailable, match="commands are off"):
        crafter.send("CP1", "Reset", {"type": "Soft"})
    assert not crafter.history


# --- against a real station --------------------------------------------------------
class Station(ChargePoint):
    """A 1.6 charge point that takes ChangeAvailability and answers the boot's GetConfiguration."""

    def __init__(self, station_id: str, connection: Any) -> None:
        super().__init__(station_id, connection, response_timeout=5)
        self.availability: list[tuple[int, str]] = []

    @on(Action.get_configuration)
    def on_get_configuration(self, **_: Any) -> call_result.GetConfiguration:
        return call_result.GetConfiguration(configuration_key=[])

    @on(Action.change_availability)
    def on_change_availability(self, connector_id: int, type: str) -> Any:
        self.availability.append((connector_id, type))
        return call_result.ChangeAvailability(status=AvailabilityStatus.accepted)


@asynccontextmanager
async def station(engine: Engine, station_id: str) -> AsyncIterator[Station]:
    """Connected and booted; disconnected on exit."""
    ws = await connect(f"{engine.csms.url}/{station_id}", subprotocols=["ocpp1.6"])
    cp = Station(station_id, ws)
    task = asyncio.create_task(cp.start())
    try:
        await cp.call(call.BootNotification(charge_point_vendor="ACME", charge_point_model="C1"))
        await wait_for(lambda: engine.state.stations.get(station_id, None) is not None)
        yield cp
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await ws.close()


def crafted_calls(engine: Engine, station_id: str) -> list[Any]:
    """The payloads of the ChangeAvailability calls that went out on the wire."""
    log = engine.frames
    return [
        f.payload
        for p in log.positions()
        if (f := log.get(p)) is not None
        and f.station == station_id
        and f.kind is Kind.CALL
        and f.direction is Direction.OUT
        and f.action == "ChangeAvailability"
    ]


@pytest.mark.timeout(20)
async def test_a_valid_crafted_message_reaches_the_station(engine: Engine, tmp_path: Path) -> None:
    history = tmp_path / "crafter.jsonl"
    crafter = Crafter(engine.commands, engine.clock, history)
    async with station(engine, "CP1") as cp:
        crafted, command = crafter.send(
            "CP1", "ChangeAvailability", {"connectorId": 1, "type": "Inoperative"}
        )
        assert list(crafter.history) == [crafted] and not crafted.finished
        await asyncio.wait_for(crafter.finish(crafted, command), 5)
        assert cp.availability == [(1, "Inoperative")]
        assert (crafted.state, crafted.status) == ("answered", "Accepted")
        assert crafted.answer == {"status": "Accepted"}
    # The history is kept on disk and read back by the next crafter.
    again = Crafter(engine.commands, engine.clock, history)
    assert [c.to_json() for c in again.history] == [crafted.to_json()]


@pytest.mark.timeout(20)
async def test_without_validation_a_bad_payload_goes_as_written(
    engine: Engine, tmp_path: Path
) -> None:
    crafter = Crafter(engine.commands, engine.clock, tmp_path / "crafter.jsonl")
    bad = {"connectorId": "one", "type": "Inoperative"}
    async with station(engine, "CP1") as cp:
        with pytest.raises(InvalidPayload) as refused:
            crafter.send("CP1", "ChangeAvailability", bad)
        assert refused.value.errors == [FieldError("connectorId", "'one' is not of type 'integer'")]
        assert crafted_calls(engine, "CP1") == [] and not crafter.history

        crafted, command = crafter.send("CP1", "ChangeAvailability", bad, check=False)
        await asyncio.wait_for(crafter.finish(crafted, command), 5)
        assert crafted_calls(engine, "CP1") == [bad]
        # The station's library refuses it with a CallError, which the crafter reports.
        assert crafted.state == "failed"
        assert crafted.status == "TypeConstraintViolation"
        assert crafted.answer is not None
        assert crafted.answer["errorCode"] == "TypeConstraintViolation"
        assert cp.availability == []

        # A payload the dataclass cannot hold (a field missing) goes as written too.
        crafted, command = crafter.send(
            "CP1", "ChangeAvailability", {"connectorId": 1}, check=False
        )
        await asyncio.wait_for(crafter.finish(crafted, command), 5)
        assert crafted_calls(engine, "CP1")[-1] == {"connectorId": 1}
        assert crafted.state == "failed" and crafted.answer is not None
        assert cp.availability == []


# --- the screen ------------------------------------------------------------------------
class Toasts:
    """Every notification the app raised (a `message_hook` for `run_test`)."""

    def __init__(self) -> None:
        self.seen: list[Notification] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.seen.append(message.notification)

    def having(self, word: str) -> list[Notification]:
        return [n for n in self.seen if word in n.message]


def shown(screen: CrafterScreen, selector: str) -> str:
    """A Static's text as drawn."""
    console = Console(width=200, file=io.StringIO(), record=True, color_system=None)
    console.print(screen.query_one(selector, Static).content)
    return console.export_text()


@pytest.mark.timeout(20)
async def test_crafter_screen_sends_shows_the_answer_and_resends(tmp_path: Path) -> None:
    engine = Engine(make_settings(tmp_path))
    app = OcppDeckApp(engine)
    async with app.run_test(size=(160, 48)) as pilot:
        try:
            await wait_for(lambda: engine.csms.listening)
            async with station(engine, "CP-K") as cp:
                await wait_for(lambda: engine.state.stations["CP-K"].protocol == "ocpp1.6")
                await pilot.press("e")
                await wait_for(lambda: isinstance(app.screen, CrafterScreen))
                screen = app.screen
                assert isinstance(screen, CrafterScreen)
                assert screen.station == "CP-K"
                screen.query_one("#crafter-action", Select).value = "ChangeAvailability"
                editor = screen.query_one("#crafter-editor", TextArea)
                await wait_for(
                    lambda: json.loads(editor.text) == {"connectorId": 0, "type": "Inoperative"}
                )

                # An invalid edit is refused against its field, and nothing is sent.
                editor.text = '{"connectorId": "two", "type": "Operative"}'
                await pilot.press("ctrl+s")
                await wait_for(
                    lambda: "connectorId: 'two' is not of type" in shown(screen, "#crafter-errors")
                )
                assert crafted_calls(engine, "CP-K") == []

                editor.text = '{"connectorId": 2, "type": "Operative"}'
                await pilot.press("ctrl+s")
                await wait_for(lambda: "Accepted" in shown(screen, "#crafter-answer"))
                answer = shown(screen, "#crafter-answer")
                assert "ChangeAvailability to CP-K (validated)" in answer
                assert '"connectorId": 2' in answer and '"status": "Accepted"' in answer
                assert shown(screen, "#crafter-errors").strip() == ""
                assert cp.availability == [(2, "Operative")]

                # Validation off: sent as written, the CallError shown as the answer.
                screen.query_one("#crafter-validate", Checkbox).value = False
                editor.text = '{"connectorId": "two", "type": "Operative"}'
                await pilot.press("ctrl+s")
                await wait_for(
                    lambda: "TypeConstraintViolation" in shown(screen, "#crafter-answer")
                )
                assert "(NOT validated)" in shown(screen, "#crafter-answer")

                # Enter on the older entry sends it again.
                history = screen.query_one("#crafter-history", OptionList)
                assert history.option_count == 2
                history.focus()
                history.highlighted = 1
                await pilot.press("enter")
                await wait_for(lambda: cp.availability == [(2, "Operative")] * 2)
                await wait_for(lambda: history.option_count == 3)

                await pilot.press("escape")
                await wait_for(lambda: not isinstance(app.screen, CrafterScreen))
        finally:
            await app.source.close()


@pytest.mark.timeout(20)
async def test_crafter_is_off_in_replay() -> None:
    app = scenario_app()
    toasts = Toasts()
    async with app.run_test(size=(160, 48), message_hook=toasts) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert len(app.screen_stack) == 1
        assert len(toasts.having("commands are off")) == 1


def test_history_keeps_the_newest_and_trims_its_file(tmp_path: Path) -> None:
    history = tmp_path / "crafter.jsonl"
    line = {"station": "CP1", "protocol": "ocpp1.6", "action": "Reset", "validate": True}
    lines = [
        json.dumps({**line, "payload": {"type": "Soft"}, "sent_at": float(n), "state": "answered"})
        for n in range(119)
    ]
    # The newest HISTORY_SIZE lines are read; a torn one among them is skipped.
    history.write_text("\n".join([*lines, '{"torn": ']) + "\n", encoding="utf-8")
    crafter = replay_crafter(history)
    assert [c.sent_at for c in crafter.history] == [float(n) for n in range(70, 119)]
    assert len(history.read_text(encoding="utf-8").splitlines()) == 49
