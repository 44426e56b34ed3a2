"""The conformance suite in sample_data/scenarios/conformance: `ocppdeck serve` passes every
case, with its API as the operator hook; a deliberately wrong CSMS fails exactly the cases
it breaks; without a hook the cases that need one are skipped, never passed."""

from __future__ import annotations

import asyncio
import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ocppdeck.core.scenario.api_operator import ApiOperator
from ocppdeck.core.scenario.pacing import FastPace
from ocppdeck.core.scenario.reading import load_scenario
from ocppdeck.core.scenario.results import ScenarioResult
from ocppdeck.core.scenario.runner import run_scenario
from ocppdeck.core.wire.frame import Direction, Kind
from ocppdeck.sample_data import sample_path
from tests.helpers.api import token_of
from tests.helpers.certs import make_pki
from tests.helpers.cli_process import CHILD_TIMEOUT, Serving, run, serving
from tests.helpers.engine import frames_of, own_engine
from tests.helpers.wrong_csms import wrong_csms

START = 1_700_000_000.0
SUITE = sample_path("scenarios/conformance")
VERSIONS = ("v16", "v201")
CASES = sorted(p for v in VERSIONS for p in (SUITE / v).glob("*.toml"))


def case_name(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


async def run_all(paths: list[Path], url: str, operator: ApiOperator | None, **kw) -> dict:
    """Every case at once (each has its own stations and tags), by case name."""
    results = await asyncio.gather(
        *(
            run_scenario(load_scenario(p), url, FastPace(START), operator=operator, **kw)
            for p in paths
        )
    )
    return {case_name(p): r for p, r in zip(paths, results, strict=True)}


def failed_steps(result: ScenarioResult) -> list[tuple[int, str]]:
    return [(s.step.number, s.step.kind) for s in result.steps if not s.passed]


def why(results: dict[str, ScenarioResult]) -> dict[str, list[tuple[str, str]]]:
    return {
        name: [(s.step.label, s.message) for s in r.steps if not s.passed]
        for name, r in results.items()
        if not r.passed
    }


def api_of(server: Serving) -> str:
    deadline = time.monotonic() + CHILD_TIMEOUT
    while not (found := [json.loads(line) for line in server.log if "api listening" in line]):
        assert time.monotonic() < deadline, server.log
        time.sleep(0.05)
    return f"http://127.0.0.1:{found[0]['port']}"


def test_the_suite_covers_each_case_for_both_versions() -> None:
    names = {v: sorted(p.stem for p in (SUITE / v).glob("*.toml")) for v in VERSIONS}
    assert names["v16"] == names["v201"]
    assert {"boot", "authorize", "remote-start-stop", "offline-transaction"} <= set(names["v16"])
    assert len(names["v16"]) == 12


@pytest.mark.timeout(120)
def test_ocppdeck_serve_passes_every_case_run_from_the_command_line(tmp_path: Path) -> None:
    junit = tmp_path / "conformance.xml"
    with serving(tmp_path, "--api-port", "0") as server:
        args = [str(p) for p in CASES]
        url = f"ws://127.0.0.1:{server.port}"
        done = run(
            *("simulate", "--scenario", *args, "--url", url, "--api-url", api_of(server)),
            *(
                "--speed",
                "0",
                "--api-token-file",
                str(tmp_path / "api-token"),
                "--junit",
                str(junit),
            ),
        )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert f"{len(CASES)} scenarios: {len(CASES)} passed, 0 failed, 0 skipped" in done.stdout
    root = ET.parse(junit).getroot()
    assert len(root.findall("testsuite")) == len(CASES)
    assert root.get("failures") == "0" and root.get("skipped") == "0"
    assert int(root.get("tests") or 0) > 100  # every step is a testcase


@pytest.mark.timeout(120)
def test_without_an_operator_hook_the_cases_that_need_one_are_skipped(tmp_path: Path) -> None:
    junit = tmp_path / "skipped.xml"
    boot, remote = SUITE / "v16" / "boot.toml", SUITE / "v16" / "remote-start-stop.toml"
    with serving(tmp_path) as server:
        url = f"ws://127.0.0.1:{server.port}"
        done = run(
            *("simulate", "--scenario", str(boot), str(remote), "--url", url),
            *("--speed", "0", "--junit", str(junit)),
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "v16 remote start and remote stop: SKIPPED (needs an operator hook: --api-url)" in (
        done.stdout
    )
    assert "2 scenarios: 1 passed, 0 failed, 1 skipped" in done.stdout
    suites = {s.get("name"): s for s in ET.parse(junit).getroot().findall("testsuite")}
    skipped = suites["v16 remote start and remote stop"]
    assert skipped.get("skipped") == "1" and skipped.find("testcase/skipped") is not None
    assert suites["v16 boot: Accepted, then heartbeats and statuses"].get("skipped") == "0"


# What the wrong CSMS (tests/helpers/wrong_csms.py) breaks, case by case: the step that ends
# a transaction (StopTransaction / TransactionEvent Ended: never answered), and the three
# authorizations that must not be Accepted (it accepts every tag). Nothing else.
WRONG = {
    "authorize": [(6, "authorize"), (7, "authorize"), (8, "authorize")],
    "local-start-authorize-first": [(7, "unplug")],
    "local-start-cable-first": [(7, "stop")],
    "meter-values": [(9, "stop")],
    "offline-transaction": [(9, "reconnect")],
    "reconnect-replacement": [(9, "stop")],
    "remote-start-stop": [(10, "stop")],
    "reservation": [(10, "stop")],
}


@pytest.mark.timeout(120)
async def test_a_wrong_csms_fails_exactly_the_cases_it_breaks(tmp_path: Path) -> None:
    async with own_engine(tmp_path, accept_unknown_tags=False, api_port=0) as engine:
        operator = ApiOperator(engine.api.url, token_of(engine))  # type: ignore[union-attr]
        try:
            async with wrong_csms(engine.csms.url) as url:
                results = await run_all(CASES, url, operator)
        finally:
            await operator.close()
    failed = {name: failed_steps(r) for name, r in results.items() if not r.passed}
    expected = {f"{v}/{case}": steps for v in VERSIONS for case, steps in WRONG.items()}
    assert failed == expected, why(results)
    stop = results["v16/local-start-cable-first"].steps[6]
    assert stop.message == "StopTransaction got no answer"
    blocked = results["v201/authorize"].steps[6]
    assert blocked.message == "expected status Blocked, got Accepted"


@pytest.mark.timeout(60)
async def test_clock_aligned_readings_of_a_2_0_1_transaction_say_meter_value_clock(
    tmp_path: Path,
) -> None:
    async with own_engine(tmp_path, accept_unknown_tags=False, api_port=0) as engine:
        operator = ApiOperator(engine.api.url, token_of(engine))  # type: ignore[union-attr]
        try:
            results = await run_all(
                [SUITE / "v201" / "meter-values.toml"], engine.csms.url, operator
            )
        finally:
            await operator.close()
        events = [
            f.payload
            for f in frames_of(engine, "CONF201-METER")
            if f.kind is Kind.CALL
            and f.direction is Direction.IN
            and f.action == "TransactionEvent"
        ]
    assert all(r.passed for r in results.values()), why(results)
    triggers = {
        e["meterValue"][0]["sampledValue"][0]["context"]: e["triggerReason"]
        for e in events
        if e["eventType"] == "Updated" and "meterValue" in e
    }
    assert triggers == {"Sample.Clock": "MeterValueClock", "Sample.Periodic": "MeterValuePeriodic"}


@pytest.mark.timeout(60)
async def test_boot_pending_until_the_operator_accepts(tmp_path: Path) -> None:
    paths = sorted((SUITE / "pending").glob("*.toml"))
    async with own_engine(tmp_path, registration="pending", api_port=0) as engine:
        operator = ApiOperator(engine.api.url, token_of(engine))  # type: ignore[union-attr]
        try:
            results = await run_all(paths, engine.csms.url, operator)
        finally:
            await operator.close()
    assert len(results) == 2 and all(r.passed for r in results.values()), why(results)
    # Against a CSMS that lets anyone in, the same cases fail where Pending was expected.
    async with own_engine(tmp_path / "open", api_port=0) as engine:
        operator = ApiOperator(engine.api.url, token_of(engine))  # type: ignore[union-attr]
        try:
            results = await run_all(paths, engine.csms.url, operator)
        finally:
            await operator.close()
    assert {name: failed_steps(r)[:1] for name, r in results.items()} == {
        "pending/v16-boot-pending": [(1, "boot")],
        "pending/v201-boot-pending": [(1, "boot")],
    }


@pytest.mark.timeout(60)
async def test_basic_auth_on_profile_1_and_over_tls_on_profile_2(tmp_path: Path) -> None:
    paths = sorted((SUITE / "security").glob("*.toml"))
    async with own_engine(tmp_path / "p1", security_profile=1, api_port=0) as engine:
        operator = ApiOperator(engine.api.url, token_of(engine))  # type: ignore[union-attr]
        try:
            results = await run_all(paths, engine.csms.url, operator)
        finally:
            await operator.close()
    assert len(results) == 2 and all(r.passed for r in results.values()), why(results)
    pki = make_pki(tmp_path / "pki")
    tls = {"tls_cert": pki.cert, "tls_key": pki.key}
    async with own_engine(tmp_path / "p2", security_profile=2, api_port=0, **tls) as engine:
        assert engine.csms.url.startswith("wss://")
        operator = ApiOperator(engine.api.url, token_of(engine))  # type: ignore[union-attr]
        try:
            results = await run_all(paths, engine.csms.url, operator, tls=pki.client())
        finally:
            await operator.close()
    assert all(r.passed for r in results.values()), why(results)
    # Profile 0 lets every station in: the cases that expect a refusal fail.
    async with own_engine(tmp_path / "p0", api_port=0) as engine:
        operator = ApiOperator(engine.api.url, token_of(engine))  # type: ignore[union-attr]
        try:
            results = await run_all(paths, engine.csms.url, operator)
        finally:
            await operator.close()
    for result in results.values():
        assert failed_steps(result) == [(5, "boot"), (6, "boot")]
        assert result.steps[4].message == "the CSMS let the station in"
