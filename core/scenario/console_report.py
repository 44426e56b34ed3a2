"""Scenario results as lines for a terminal: one per step, PASS or FAIL, with the
frames of a failed step."""

from __future__ import annotations

from .problems import ScenarioRefused
from .results import ScenarioResult, StepResult, compact

MAX_FRAME_LINES = 24  # a failed step shows its last frames, no more


def step_lines(result: StepResult) -> list[str]:
    """A step's line, and for a failure its frames (the latest ones when there are many)."""
    step = result.step
    verdict = "PASS" if result.passed else "FAIL"
    head = f"  {verdict}  {step.label} [{step.station} @{step.at:g}s]"
    lines = [f"{head}  {result.message}" if result.message else head]
    if not result.passed:
        lines += [f"        {compact(f)}" for f in result.frames[-MAX_FRAME_LINES:]]
    return lines


def summary_line(result: ScenarioResult) -> str:
    """How a scenario went, in one line."""
    if result.skipped is not None:
        return f"{result.name}: SKIPPED ({result.skipped})"
    passed = len(result.steps) - result.failures
    verdict = "passed" if result.passed else "FAILED"
    return f"{result.name}: {verdict} ({passed} passed, {result.failures} failed)"


def refusal_lines(refused: ScenarioRefused) -> list[str]:
    """Every problem of a refused file, `FILE:LINE: what is wrong`."""
    return [str(p) for p in refused.problems]
