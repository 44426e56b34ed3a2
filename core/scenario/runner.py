"""Run scenarios against a CSMS on real websockets: each step at its time on the
timeline, judged from its frames as it ends."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Mapping

from ..wire.frame import Frame
from .actions import ACTIONS, StepRun
from .checks import describe, expectation_failure, main_call, unanswered
from .kinds import KINDS
from .operator import NO_HOOK, OperatorHook
from .pacing import Pace
from .plan import Scenario, Step
from .results import ScenarioResult, StepResult
from .station import ScenarioStation
from .wire_record import answer_in

# Every step ends within this many answer timeouts past its own span, whatever the CSMS does.
GUARD_ANSWERS = 6


async def run_scenario(
    scenario: Scenario,
    url: str,
    pace: Pace,
    *,
    password: str | None = None,
    passwords: Mapping[str, str] | None = None,
    tls: ssl.SSLContext | None = None,
    operator: OperatorHook | None = None,
    on_step: Callable[[StepResult], None] | None = None,
) -> ScenarioResult:
    """Run every step of `scenario` against the CSMS at `url`; stations connect and
    disconnect as the steps say and are closed at the end, whatever happened. A station
    gives its own password from `passwords` (what the CSMS was told), else the one its
    plan names, else `password` (HTTP Basic, if any). Without an `operator` hook, a
    scenario that needs one is skipped: nothing runs."""
    own = passwords or {}
    loop = asyncio.get_running_loop()
    if operator is None and scenario.needs_operator:
        return ScenarioResult(scenario.name, scenario.path, (), 0.0, skipped=NO_HOOK)
    began, start = loop.time(), pace.clock.now()
    stations = {
        plan.station_id: ScenarioStation(
            plan,
            url,
            pace.clock,
            scenario.answer_timeout,
            own.get(plan.station_id) or plan.password or password,
            tls,
        )
        for plan in scenario.stations
    }
    results: list[StepResult] = []
    try:
        for step in scenario.steps:
            await pace.until(start + step.at)
            station = stations[step.station]
            result = await run_step(step, station, pace, scenario.answer_timeout, operator)
            results.append(result)
            if on_step is not None:
                on_step(result)
    finally:
        await asyncio.gather(*(s.close() for s in stations.values()))
    return ScenarioResult(scenario.name, scenario.path, tuple(results), loop.time() - began)


async def run_step(
    step: Step,
    station: ScenarioStation,
    pace: Pace,
    timeout: float,
    operator: OperatorHook | None = None,
) -> StepResult:
    """Run one step and judge it."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    mark = station.record.count
    run = StepRun(station, step, pace, timeout, operator)
    readings = step.span / (step.args.get("interval") or station.meter_interval)
    guard = step.span + float(step.args.get("within") or 0) + timeout * (GUARD_ANSWERS + readings)
    try:
        async with asyncio.timeout(guard):
            outcome = await ACTIONS[step.kind](run)
            await station.record.settled(mark, timeout)
        failure = outcome.failure
    except TimeoutError:
        outcome, failure = None, f"did not end within {guard:g}s"
    frames = tuple(station.record.since(mark))
    answer = outcome.answer if outcome is not None else None
    passed, message = _verdict(step, frames, failure, answer, station.connected)
    if passed and outcome is not None and outcome.note:
        message = f"{message}; {outcome.note}" if message else outcome.note
    return StepResult(step, passed, message, frames, loop.time() - began)


def _verdict(
    step: Step, frames: tuple[Frame, ...], failure: str | None, answer: Frame | None, online: bool
) -> tuple[bool, str]:
    """Pass or fail, and why: what the action found wrong, then the answer to the step's
    message against its expectations, then the step's other messages."""
    if failure is not None:
        return False, failure
    if step.expect.refused:
        return True, ""  # no connection: nothing was said
    answers = KINDS[step.kind].answers
    call = None
    if answer is None and answers and "*" not in answers:
        call = main_call(frames, answers)
        if call is None and not online and not step.expect.any:
            return True, "queued while offline"
        if call is None:
            return False, f"no {' or '.join(sorted(answers))} went out"
        answer = answer_in(list(frames), call.unique_id)
        if answer is None:
            return False, f"{call.action} got no answer"
    if answer is not None:
        wrong = expectation_failure(step.expect, answer)
        if wrong is not None:
            return False, wrong
    other = unanswered(frames, answer)
    if other is not None:
        return False, other
    return True, describe(answer) if answer is not None else ""
