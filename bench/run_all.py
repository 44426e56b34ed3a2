"""Run every ocppdeck benchmark in sequence, each in its own process, printing its output.

By default each runs at a modest size (a couple of minutes in all); --full uses
each script's own defaults (the sizes the targets are stated for).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

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
    "security_cost": ["--stations", "30", "--seconds", "3", "--repeat", "1", "--storm", "200"],
    "soak": ["--stations", "100", "--seconds", "60", "--full-seconds", "10", "--settle", "10"],
}
TIMEOUT_S = {
    "csms_throughput": 300.0,
    "idle_scale": 300.0,
    "tui_load": 240.0,
    "projection_scale": 900.0,
    "seek_time": 900.0,
    "security_cost": 600.0,
    "soak": 1200.0,
}


def run(name: str, extra: Sequence[str]) -> int:
    """Run one benchmark script, streaming its output; returns its exit code."""
    argv = [sys.executable, str(HERE / f"{name}.py"), *extra]
    print(f"=== {name} {' '.join(extra)}".rstrip(), flush=True)
    started = time.monotonic()
    proc = subprocess.Popen(argv)
    try:
        code = proc.wait(timeout=TIMEOUT_S[name])
    except subprocess.TimeoutExpired:
        print(f"{name}: over {TIMEOUT_S[name]:g} s, stopping it", flush=True)
        proc.terminate()
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
    except BaseException:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raise
    print(f"=== {name}: exit {code} after {time.monotonic() - started:.1f} s\n", flush=True)
    return code


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
    failed = 0
    for name in args.only or list(MODEST):
        code = run(name, [] if args.full else MODEST[name])
        failed += code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
