"""Run every ocppdeck benchmark in sequence, each in its own process, printing its output,
then one table of every figure against its target.

By default each runs at a modest size (a few minutes in all), so most verdicts
read "not measured at target size"; --full uses each script's own defaults (the
sizes the targets are stated for). A benchmark reports a figure by printing a
FIGURE line (bench/_figures.py); one that printed none is listed as such.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from _benchlib import table
from _figures import Figure, parse

HERE = Path(__file__).resolve().parent

MODEST: dict[str, list[str]] = {
    "csms_throughput": [
        "--stations",
        "50",
        "--seconds",
        "10",
        "--flood-seconds",
        "5",
        "--protocol",
        "both",
    ],
    "idle_scale": ["--stations", "500", "--hold", "10"],
    "tui_load": ["--seconds", "10"],
    "projection_scale": ["--frames", "100000", "--events", "100000"],
    "seek_time": ["--frames", "100000"],
    "lens_compare": ["--frames", "50000", "--repeat", "1"],
    "report_time": ["--ocppj-frames", "50000", "--frames", "50000", "--repeat", "1"],
    "security_cost": ["--stations", "30", "--seconds", "3", "--repeat", "1", "--storm", "200"],
    "soak": ["--stations", "100", "--seconds", "60", "--full-seconds", "10", "--settle", "10"],
    "cluster": ["--stations", "90", "--interval", "2", "--seconds", "10"],
}
TIMEOUT_S = {
    "csms_throughput": 300.0,
    "idle_scale": 300.0,
    "tui_load": 240.0,
    "projection_scale": 900.0,
    "seek_time": 900.0,
    "lens_compare": 600.0,
    "report_time": 600.0,
    "security_cost": 600.0,
    "soak": 1200.0,
    "cluster": 600.0,
}


def _stop(proc: subprocess.Popen[str]) -> int:
    """Terminate a benchmark (it removes its temporary files on SIGTERM), then kill it."""
    proc.terminate()
    try:
        return proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def _overtime(name: str, proc: subprocess.Popen[str]) -> None:
    print(f"{name}: over {TIMEOUT_S[name]:g} s, stopping it", flush=True)
    _stop(proc)


def run(name: str, extra: Sequence[str]) -> tuple[int, list[Figure]]:
    """Run one benchmark script, streaming its output; returns its exit code and figures."""
    argv = [sys.executable, str(HERE / f"{name}.py"), *extra]
    print(f"=== {name} {' '.join(extra)}".rstrip(), flush=True)
    started = time.monotonic()
    figures: list[Figure] = []
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # lines as they come, through the pipe
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, errors="replace", env=env)
    timer = threading.Timer(TIMEOUT_S[name], _overtime, (name, proc))
    timer.start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line, end="", flush=True)
            found = parse(line)
            if found is not None:
                figures.append(found)
        code = proc.wait()
    except BaseException:
        _stop(proc)
        raise
    finally:
        timer.cancel()
    print(f"=== {name}: exit {code} after {time.monotonic() - started:.1f} s\n", flush=True)
    return code, figures


def summary(results: dict[str, tuple[int, list[Figure]]]) -> str:
    """One table: every figure of every benchmark run, against its target."""
    rows: list[list[str]] = []
    for name, (code, figures) in results.items():
        for fig in figures:
            rows.append([fig.name, fig.value, fig.unit, fig.target, fig.verdict])
        if not figures:
            rows.append([name, "-", "-", "-", f"no FIGURE lines (exit {code})"])
        elif code != 0:
            rows.append([name, "-", "-", "-", f"exit {code}"])
    return table(["figure", "value", "unit", "target", "verdict"], rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks; exit non-zero if any of them failed."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--full", action="store_true", help="use each benchmark's full defaults")
    p.add_argument(
        "--only",
        choices=sorted(MODEST),
        action="append",
        help="run only this benchmark (repeatable)",
    )
    args = p.parse_args(argv)
    results: dict[str, tuple[int, list[Figure]]] = {}
    for name in args.only or list(MODEST):
        results[name] = run(name, [] if args.full else MODEST[name])
    size = "full sizes" if args.full else "modest sizes (--full for the target sizes)"
    print(f"=== every figure against its target, {size}; load average {os.getloadavg()[0]:.1f}")
    print(summary(results), flush=True)
    return 1 if any(code != 0 for code, _ in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
