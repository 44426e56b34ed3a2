"""`ocppdeck simulate --scenario FILE… --url URL [--api-url URL] [--junit PATH]`: run scenarios
against a CSMS, print each step's verdict, exit 0 (nothing failed), 1 (a step failed) or
2 (a file was refused, or the API's token cannot be read: nothing ran). With `--api-url`, the
CSMS's control API is the operator hook of `operator` steps; without it, the scenarios
that have one are skipped."""

from __future__ import annotations

import argparse
import asyncio
import ssl
import sys
from pathlib import Path
from typing import TextIO

from ..core.api.bearer import TokenError, read_token, token_path
from ..core.config import Settings, load_settings
from ..core.disk.lock import DataDirLock
from ..core.scenario.console_report import refusal_lines, step_lines, summary_line
from ..core.scenario.junit import write_junit
from ..core.scenario.operator import OperatorHook
from ..core.scenario.pacing import pace_for
from ..core.scenario.plan import Scenario
from ..core.scenario.problems import ScenarioRefused
from ..core.scenario.reading import load_scenario
from ..core.scenario.results import ScenarioResult, StepResult
from ..core.scenario.runner import run_scenario

REFUSED = 2
FAILED = 1


def load_or_refuse(path: Path) -> Scenario | None:
    """The checked scenario, or None after printing every problem of the file."""
    try:
        return load_scenario(path)
    except ScenarioRefused as exc:
        for line in refusal_lines(exc):
            print(line, file=sys.stderr)
        print("ocppdeck: scenario refused; nothing was run", file=sys.stderr)
        return None


async def demo_headless(
    settings: Settings, scenario: Scenario, seconds: float, lock: DataDirLock
) -> int:
    """`demo --scenario --headless`: play the scenario against the demo's CSMS (until it
    ends, or `seconds` pass), printing each step; 0 when every step passed."""
    from ..core.scenario.demo_play import ScenarioDemo

    def show(step: StepResult) -> None:
        for line in step_lines(step):
            print(line, flush=True)

    run = ScenarioDemo(settings, scenario, lock=lock, on_step=show)
    await run.start()
    try:
        async with asyncio.timeout(seconds):
            result = await run.finished()
    except TimeoutError:
        result = None
    finally:
        await run.close()
    if result is None:
        print(f"{scenario.name}: still playing after {seconds:g}s", flush=True)
        return FAILED
    print(summary_line(result), flush=True)
    print(f"recorded {run.state.frames} frames to {settings.recording_path}")
    return 0 if result.passed else FAILED


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Check every scenario, then run them one after another (printing to `out`, by
    default stdout)."""
    loaded = [load_or_refuse(path) for path in args.scenario]
    scenarios = [s for s in loaded if s is not None]
    if len(scenarios) < len(loaded):
        return REFUSED
    token = None
    if args.api_url is not None:
        settings = load_settings(
            {"data_dir": args.data_dir, "api_token_file": args.api_token_file},
            config_file=args.config,
        )
        try:
            token = read_token(token_path(settings))
        except TokenError as exc:
            print(f"ocppdeck: {exc}; nothing was run", file=sys.stderr)
            return REFUSED
    results = asyncio.run(_run_all(scenarios, args, out or sys.stdout, token))
    if args.junit is not None:
        write_junit(results, args.junit)
    if len(results) > 1:
        print(totals_line(results), file=out or sys.stdout, flush=True)
    return FAILED if any(r.failures for r in results) else 0


def totals_line(results: list[ScenarioResult]) -> str:
    """How many scenarios passed, failed and were skipped."""
    skipped = sum(r.skipped is not None for r in results)
    failed = sum(bool(r.failures) for r in results)
    return (
        f"{len(results)} scenarios: {len(results) - failed - skipped} passed, {failed} failed, "
        f"{skipped} skipped"
    )


async def _run_all(
    scenarios: list[Scenario], args: argparse.Namespace, out: TextIO, token: str | None
) -> list[ScenarioResult]:
    from ..core.csms.tls import client_context
    from ..core.scenario.api_operator import ApiOperator

    secure = args.url.startswith("wss:")
    tls = client_context(args.ca, args.cert, args.key) if secure else None
    operator: OperatorHook | None = None
    if args.api_url is not None and token is not None:
        operator = ApiOperator(args.api_url, token)
    try:
        return await _each(scenarios, args, out, tls, operator)
    finally:
        if operator is not None:
            await operator.close()


async def _each(
    scenarios: list[Scenario],
    args: argparse.Namespace,
    out: TextIO,
    tls: ssl.SSLContext | None,
    operator: OperatorHook | None,
) -> list[ScenarioResult]:
    results = []
    for scenario in scenarios:
        print(f"{scenario.name} ({scenario.path})", file=out, flush=True)

        def show(step: StepResult) -> None:
            for line in step_lines(step):
                print(line, file=out, flush=True)

        result = await run_scenario(
            scenario,
            args.url,
            pace_for(args.speed),
            password=args.password,
            tls=tls,
            operator=operator,
            on_step=show,
        )
        print(summary_line(result), file=out, flush=True)
        results.append(result)
    return results
