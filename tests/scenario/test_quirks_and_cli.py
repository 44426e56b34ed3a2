"""Firmware quirks change what goes on the wire; the command line runs scenarios,
exits 1 when a step failed and writes JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ocppdeck.core.clock import to_iso
from ocppdeck.core.dialects import V16, V201
from ocppdeck.core.scenario.pacing import FastPace
from ocppdeck.core.scenario.reading import load_scenario
from ocppdeck.core.scenario.runner import run_scenario
from ocppdeck.core.wire.frame import Direction, Kind
from ocppdeck.tui.cli import main
from tests.helpers.engine import frames_of, own_engine

START = 1_700_000_000.0
CHARGE = (
    '[[steps]]\ndo = "boot"\n[[steps]]\ndo = "plug_in"\n[[steps]]\ndo = "start"\ntag = "T1"\n'
    '[[steps]]\ndo = "charge"\npower_w = 9000\nfor = "4m"\ninterval = "1m"\n'
    '[[steps]]\ndo = "stop"\n'
)


def with_quirks(tmp_path: Path, protocol: str, quirks: str) -> Path:
    path = tmp_path / "quirky.toml"
    path.write_text(
        f'[[stations]]\nid = "Q-1"\nprotocol = "{protocol}"\nquirks = {{ {quirks} }}\n'
        f"meter = {{ start_wh = 1000 }}\n{CHARGE}",
        encoding="utf-8",
    )
    return path


async def sent(tmp_path: Path, protocol: str, quirks: str, action: str) -> list[dict]:
    async with own_engine(tmp_path) as engine:
        scenario = load_scenario(with_quirks(tmp_path, protocol, quirks))
        result = await run_scenario(scenario, engine.csms.url, FastPace(START))
        assert result.passed, [(s.step.label, s.message) for s in result.steps]
        return [
            f.payload
            for f in frames_of(engine, "Q-1")
            if f.kind is Kind.CALL and f.direction is Direction.IN and f.action == action
        ]


@pytest.mark.timeout(60)
async def test_kwh_units_and_a_skewed_clock(tmp_path: Path) -> None:
    readings = await sent(
        tmp_path, V16.name, 'kwh_units = true, clock_skew = "-90s"', "MeterValues"
    )
    first = readings[0]["meterValue"][0]
    energy = next(s for s in first["sampledValue"] if s["measurand"].startswith("Energy"))
    assert energy["unit"] == "kWh" and float(energy["value"]) == pytest.approx(1.15)
    assert first["timestamp"] == to_iso(START + 60 - 90)


@pytest.mark.timeout(60)
async def test_per_phase_only_and_started_without_evse(tmp_path: Path) -> None:
    quirks = "per_phase_only = true, started_without_evse = true"
    events = await sent(tmp_path, V201.name, quirks, "TransactionEvent")
    started = events[0]
    assert started["eventType"] == "Started" and "evse" not in started
    samples = started["meterValue"][0]["sampledValue"]
    assert {s.get("phase") for s in samples} == {"L1", "L2", "L3"}


@pytest.mark.timeout(60)
async def test_duplicated_and_out_of_order_meter_values(tmp_path: Path) -> None:
    quirks = "duplicated_messages = true, out_of_order_meters = true"
    readings = await sent(tmp_path, V16.name, quirks, "MeterValues")
    stamps = [r["meterValue"][0]["timestamp"] for r in readings]
    assert len(stamps) == 8  # four readings, each twice
    assert stamps != sorted(stamps) and sorted(set(stamps)) == [
        to_iso(START + 60 * n) for n in range(1, 5)
    ]


@pytest.mark.timeout(60)
def test_the_command_line_exits_1_on_a_failed_step_and_writes_junit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "boot.toml"
    path.write_text(
        f'answer_timeout = "2s"\n[[stations]]\nid = "C-1"\nprotocol = "{V16.name}"\n'
        '[[steps]]\ndo = "boot"\n',
        encoding="utf-8",
    )
    junit = tmp_path / "out.xml"
    # Nobody listens on port 9 of loopback: the boot cannot connect.
    argv = ["simulate", "--scenario", str(path), "--url", "ws://127.0.0.1:9"]
    code = main([*argv, "--speed", "0", "--junit", str(junit)])
    assert code == 1
    assert "FAIL  01 boot" in capsys.readouterr().out
    case = ET.parse(junit).getroot().find("testsuite/testcase")
    assert case is not None
    failure = case.find("failure")
    assert failure is not None and "cannot connect" in (failure.get("message") or "")


@pytest.mark.timeout(60)
async def test_a_station_made_from_a_template_boots_as_that_model(tmp_path: Path) -> None:
    path = tmp_path / "home.toml"
    path.write_text(
        '[[stations]]\nid = "T-1"\ntemplate = "homely-nest7"\n[[steps]]\ndo = "boot"\n',
        encoding="utf-8",
    )
    async with own_engine(tmp_path) as engine:
        result = await run_scenario(load_scenario(path), engine.csms.url, FastPace(START))
        station = engine.state.stations["T-1"]
    assert result.passed, [(s.step.label, s.message) for s in result.steps]
    assert (station.vendor, station.model, station.firmware) == ("Homely", "Nest 7", "1.19.3")
    statuses = [f for f in result.steps[0].frames if f.action == "StatusNotification"]
    assert statuses and statuses[0].payload["timestamp"] == to_iso(START + 120)  # 2 min fast
