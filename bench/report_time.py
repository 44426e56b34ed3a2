"""Report time: `ocppdeck report FILE` against `ocppdeck project FILE --json` on the same
file, which folds it through the same projection (issue 14: a report should take about
as long).

Generates a plain OCPP-J log (--ocppj-frames, one charger) and a recording
(--frames, --stations) with bench/generate.py into a temporary folder, then runs both
commands on each file in fresh processes, alternating, --repeat times, output to
/dev/null. Prints the load average, each run's wall and CPU seconds, the medians and
the report/project ratio of CPU (less noisy than wall time on a shared machine).
Target: ratio about 1 (≤ 1.5).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from generate import write_ocppj, write_recording

OCPPDECK = str(Path(sys.executable).with_name("ocppdeck"))
TARGET_RATIO = 1.5


def timed(args: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one child run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def compare(path: Path, repeat: int) -> None:
    runs: dict[str, list[tuple[float, float]]] = {"project": [], "report": []}
    commands = {
        "project": [OCPPDECK, "project", str(path), "--json"],
        "report": [OCPPDECK, "report", str(path)],
    }
    for n in range(repeat):
        order = ("project", "report") if n % 2 == 0 else ("report", "project")
        for name in order:
            runs[name].append(timed(commands[name]))
    size = path.stat().st_size / 1e6
    print(f"\n{path.name} ({size:,.1f} MB)")
    for name, values in runs.items():
        walls = ", ".join(f"{w:.2f}" for w, _ in values)
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        print(f"  {name:8} wall s: {walls}   median wall {wall:.2f}  median CPU {cpu:.2f}")
    ratio = statistics.median(c for _, c in runs["report"]) / statistics.median(
        c for _, c in runs["project"]
    )
    verdict = "ok" if ratio <= TARGET_RATIO else "over"
    print(f"  report/project CPU ratio {ratio:.2f} (target ≤ {TARGET_RATIO}: {verdict})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ocppj-frames", type=int, default=200_000)
    parser.add_argument("--frames", type=int, default=200_000)
    parser.add_argument("--stations", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="report-time-") as folder:
        log = write_ocppj(Path(folder) / "charger.log", args.ocppj_frames)
        recording = write_recording(Path(folder) / "fleet.jsonl", args.frames, args.stations)
        for written in (log, recording):
            compare(written.path, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
