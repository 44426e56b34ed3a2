"""Scenarios run on real loopback websockets against ocppdeck's own CSMS and against a
deliberately wrong one: timing on an injected clock, offline queueing, raw frames,
every expectation passing and failing, JUnit read back."""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from ocppdeck.core.clock import to_iso
from ocppdeck.core.dialects import V16, V201
from ocppdeck.core.scenario.console_report import step_lines
from ocppdeck.core.scenario.junit import write_junit
from ocppdeck.core.scenario.pacing import FastPace
from ocppdeck.core.scenario.reading import load_scenario
from ocppdeck.core.scenario.results import ScenarioResult
from ocppdeck.core.scenario.runner import run_scenario
from ocppdeck.core.wire.frame import Direction, Kind
from ocppdeck.sample_data import sample_path
from tests.helpers.engine import frames_of, own_engine

START = 1_700_000_000.0


def scenario_file(tmp_path: Path, protocol: str, steps: str, extra: str = "") -> Path:
    path = tmp_path / "case.toml"
    path.write_text(
        f'answer_timeout = "3s"\n[[stations]]\nid = "SC-1"\nprotocol = "{protocol}"\n'
        f"connectors = 2\n{extra}\n{steps}",
        encoding="utf-8",
    )
    return path


async def run(path: Path, url: str) -> ScenarioResult:
    return await run_scenario(load_scenario(path), url, FastPace(START))


def verdicts(result: ScenarioResult) -> list[tuple[str, bool]]:
    return [(s.step.kind, s.passed) for s in result.steps]


@pytest.mark.timeout(60)
async def test_the_readme_example_passes_against_ocppdeck_and_replays_the_queue_in_order(
    tmp_path: Path,
) -> None:
    async with own_engine(tmp_path) as engine:
        path = sample_path("scenarios/authorize-first.toml")
        result = await run(path, engine.csms.url)
        assert result.passed, [(s.step.label, s.message) for s in result.steps]
        calls = [
            f
            for f in frames_of(engine, "SCN-001")
            if f.kind is Kind.CALL and f.direction is Direction.IN
        ]
    actions = [f.action for f in calls]
    start = actions.index("StartTransaction")
    stop = actions.index("StopTransaction")
    # After the StopTransaction that was queued offline: nothing but the unplug's status.
    assert actions[stop + 1 :] == ["StatusNotification"]
    readings = [f for f in calls[start:stop] if f.action == "MeterValues"]
    stamps = [f.payload["meterValue"][0]["timestamp"] for f in readings]
    assert stamps == sorted(stamps) and len(stamps) == 10  # 5 online, then 5 queued
    (tx_id,) = {f.payload["transactionId"] for f in readings}
    assert isinstance(tx_id, int) and tx_id > 0  # the CSMS's number, not the offline stand-in
    assert calls[stop].payload["transactionId"] == tx_id


@pytest.mark.timeout(60)
async def test_steps_keep_their_time_on_the_injected_clock(tmp_path: Path) -> None:
    steps = (
        '[[steps]]\ndo = "boot"\n[[steps]]\nafter = "90s"\ndo = "plug_in"\n'
        '[[steps]]\nat = "1h"\ndo = "unplug"\n'
    )
    async with own_engine(tmp_path) as engine:
        result = await run(scenario_file(tmp_path, V16.name, steps), engine.csms.url)
    assert result.passed
    plug, unplug = result.steps[1], result.steps[2]
    (status,) = [f for f in plug.frames if f.action == "StatusNotification"]
    assert status.payload["timestamp"] == to_iso(START + 90)
    assert unplug.frames[0].payload["timestamp"] == to_iso(START + 3600)


@pytest.mark.timeout(60)
async def test_offline_messages_go_out_in_order_marked_offline_on_2_0_1(tmp_path: Path) -> None:
    steps = (
        '[[steps]]\ndo = "boot"\n[[steps]]\ndo = "plug_in"\n'
        '[[steps]]\ndo = "offline"\n'
        '[[steps]]\ndo = "start"\ntag = "T1"\n'
        '[[steps]]\ndo = "charge"\npower_w = 7000\nfor = "3m"\ninterval = "1m"\n'
        '[[steps]]\ndo = "stop"\n[[steps]]\nafter = "1m"\ndo = "reconnect"\n'
    )
    async with own_engine(tmp_path) as engine:
        result = await run(scenario_file(tmp_path, V201.name, steps), engine.csms.url)
        assert result.passed, [(s.step.label, s.message) for s in result.steps]
        events = [
            f.payload
            for f in frames_of(engine, "SC-1")
            if f.kind is Kind.CALL and f.action == "TransactionEvent"
        ]
    kinds = [e["eventType"] for e in events]
    assert kinds[0] == "Started" and kinds[-1] == "Ended" and set(kinds[1:-1]) == {"Updated"}
    readings = [e for e in events if e.get("triggerReason") == "MeterValuePeriodic"]
    assert len(readings) == 3
    assert [e["seqNo"] for e in events] == list(range(len(events)))
    assert all(e.get("offline") is True for e in events)


@pytest.mark.timeout(60)
async def test_malformed_frames_and_the_call_error_expectation(tmp_path: Path) -> None:
    steps = (
        '[[steps]]\ndo = "boot"\n'
        '[[steps]]\ndo = "send_raw"\ntext = "this is not json"\n'
        'expect = { error = "FormationViolation" }\n'
        '[[steps]]\ndo = "send_raw"\nmessage = [2, "m1", "Heartbeat", { surplus = 1 }]\n'
        'expect = { error = "OccurenceConstraintViolation" }\n'
        '[[steps]]\ndo = "send_raw"\nmessage = [2, "m2", "Heartbeat", {}]\n'
        'expect = { error = "NotImplemented" }\n'
    )
    async with own_engine(tmp_path) as engine:
        result = await run(scenario_file(tmp_path, V16.name, steps), engine.csms.url)
    assert verdicts(result) == [
        ("boot", True),
        ("send_raw", True),
        ("send_raw", True),
        ("send_raw", False),
    ]
    assert result.steps[3].message.startswith("expected CALLERROR NotImplemented, got")


@pytest.mark.timeout(60)
async def test_status_and_transaction_id_expectations_pass_and_fail(tmp_path: Path) -> None:
    steps = (
        '[[steps]]\ndo = "boot"\nexpect = { status = "Accepted" }\n'
        '[[steps]]\ndo = "authorize"\ntag = "NOBODY"\nexpect = { status = "Accepted" }\n'
        '[[steps]]\ndo = "authorize"\ntag = "NOBODY"\nexpect = { status = "Invalid" }\n'
        '[[steps]]\ndo = "start"\ntag = "NOBODY"\nexpect = { transaction_id = true }\n'
        '[[steps]]\ndo = "heartbeat"\nexpect = { transaction_id = true }\n'
    )
    async with own_engine(tmp_path, accept_unknown_tags=False) as engine:
        result = await run(scenario_file(tmp_path, V16.name, steps), engine.csms.url)
    assert verdicts(result) == [
        ("boot", True),
        ("authorize", False),
        ("authorize", True),
        ("start", True),
        ("heartbeat", False),
    ]
    failed = result.steps[1]
    assert failed.message == "expected status Accepted, got Invalid"
    shown = step_lines(failed)
    assert any('"Authorize",{"idTag":"NOBODY"}' in line for line in shown)
    assert any('"Invalid"' in line and line.strip().startswith("<-") for line in shown)


@pytest.mark.timeout(60)
async def test_a_csms_command_within_its_time_and_a_scripted_answer(tmp_path: Path) -> None:
    steps = (
        '[[steps]]\ndo = "boot"\n'
        '[[steps]]\ndo = "answer"\naction = "RemoteStartTransaction"\nstatus = "Accepted"\n'
        '[[steps]]\ndo = "plug_in"\n'
        '[[steps]]\ndo = "expect_command"\naction = "RemoteStartTransaction"\nwithin = "5s"\n'
        "fields = { connectorId = 1 }\n"
        '[[steps]]\ndo = "start"\nremote = true\nexpect = { status = "Accepted" }\n'
        '[[steps]]\ndo = "expect_command"\naction = "ChangeAvailability"\nwithin = "300ms"\n'
    )
    async with own_engine(tmp_path, automations=("auto-start",)) as engine:
        result = await run(scenario_file(tmp_path, V16.name, steps), engine.csms.url)
        answers = [
            f.payload
            for f in frames_of(engine, "SC-1")
            if f.kind is Kind.RESULT and f.direction is Direction.IN
        ]
    assert verdicts(result) == [
        ("boot", True),
        ("answer", True),
        ("plug_in", True),
        ("expect_command", True),
        ("start", True),
        ("expect_command", False),
    ]
    assert {"status": "Accepted"} in answers  # the scripted answer went out
    assert "no ChangeAvailability within 0.3s" in result.steps[5].message


class RejectingPoint(ChargePoint):
    """A wrong CSMS: it rejects every boot and never answers a StopTransaction."""

    @on(Action.boot_notification)
    def on_boot(self, **_: Any) -> call_result.BootNotification:
        return call_result.BootNotification(
            current_time=to_iso(START), interval=10, status="Rejected"
        )

    @on(Action.start_transaction)
    def on_start(self, **_: Any) -> call_result.StartTransaction:
        return call_result.StartTransaction(transaction_id=7, id_tag_info={"status": "Accepted"})

    async def _handle_call(self, msg: Any) -> None:
        if msg.action != "StopTransaction":  # silence, as a CSMS that lost it
            await super()._handle_call(msg)


@contextlib.asynccontextmanager
async def rejecting_csms() -> AsyncIterator[str]:
    async def handle(ws: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            await RejectingPoint("x", ws).start()

    async with serve(handle, "127.0.0.1", 0, subprotocols=[V16.name]) as server:  # type: ignore[list-item]
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}"


@pytest.mark.timeout(60)
async def test_a_wrong_csms_fails_the_scenario_and_junit_says_so(tmp_path: Path) -> None:
    steps = (
        '[[steps]]\ndo = "boot"\nexpect = { status = "Accepted" }\n[[steps]]\ndo = "heartbeat"\n'
    )
    async with rejecting_csms() as url:
        result = await run(scenario_file(tmp_path, V16.name, steps), url)
    assert verdicts(result) == [("boot", False), ("heartbeat", False)]
    out = tmp_path / "junit.xml"
    write_junit([result], out)
    root = ET.parse(out).getroot()
    (suite,) = root.findall("testsuite")
    assert suite.get("tests") == "2" and suite.get("failures") == "2"
    first = suite.findall("testcase")[0]
    failure = first.find("failure")
    assert failure is not None
    assert failure.get("message") == "expected status Accepted, got Rejected"
    assert '"BootNotification"' in (failure.text or "") and '"Rejected"' in (failure.text or "")


@pytest.mark.timeout(60)
async def test_a_csms_that_never_answers_fails_the_step_in_its_time(tmp_path: Path) -> None:
    steps = (
        '[[steps]]\ndo = "boot"\n[[steps]]\ndo = "start"\ntag = "T1"\n'
        '[[steps]]\ndo = "stop"\n'
        '[[steps]]\ndo = "heartbeat"\nexpect = { error = "NotImplemented" }\n'
    )
    path = scenario_file(tmp_path, V16.name, steps).read_text(encoding="utf-8")
    quick = tmp_path / "quick.toml"
    quick.write_text(path.replace('answer_timeout = "3s"', 'answer_timeout = "1s"'), "utf-8")
    async with rejecting_csms() as url:
        result = await run(quick, url)
    assert [s.passed for s in result.steps] == [True, True, False, True]
    assert result.steps[2].message == "StopTransaction got no answer"
    assert result.steps[2].seconds < 30  # bounded by the answer timeout, never a hang


@pytest.mark.timeout(60)
async def test_a_reboot_mid_transaction_boots_again_and_stops_it(tmp_path: Path) -> None:
    steps = (
        '[[steps]]\ndo = "boot"\n[[steps]]\ndo = "start"\ntag = "T1"\n'
        '[[steps]]\nafter = "2m"\ndo = "reboot"\n'
    )
    async with own_engine(tmp_path) as engine:
        result = await run(scenario_file(tmp_path, V16.name, steps), engine.csms.url)
        assert result.passed, [(s.step.label, s.message) for s in result.steps]
        calls = [
            f
            for f in frames_of(engine, "SC-1")
            if f.kind is Kind.CALL and f.direction is Direction.IN
        ]
        connections = [f for f in frames_of(engine, "SC-1") if f.kind is Kind.CONNECTED]
    actions = [f.action for f in calls]
    assert actions.count("BootNotification") == 2 and len(connections) == 2
    stop = calls[actions.index("StopTransaction")]
    assert stop.payload["reason"] == "PowerLoss"
    assert actions.index("StopTransaction") > actions.index("BootNotification", 1)
