"""ocppdeck against ocpp-lens on one plain OCPP-J charger log, end to end.

Generates a plain OCPP-J log (`bench/generate.py write_ocppj`: a timestamp and the
OCPP-J array a line, one charger, --frames lines) into a temporary folder, then runs
`ocppdeck project FILE --json > /dev/null` and `ocpp-lens FILE > /dev/null`, each in a
fresh process (start-up included), alternating, --repeat times. Beside them, the
physical limit: a bare orjson loop over the same lines (each line's array from its
first `[`, in a fresh process, start-up not counted).

Prints wall and CPU seconds and peak RSS (VmHWM, polled) per run, and judges the best
run of each: ocppdeck ≥ 5x ocpp-lens by wall time (the CPU ratio beside it, which a
busy machine disturbs less), and ocppdeck within 3x the bare loop. The target is
stated for a log of about 300,000 lines: a smaller run says "not measured at target
size". ocpp-lens is a development dependency (`pip install -e '.[dev]'`); without it
the comparison is not made and the bench says so.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _benchlib import fmt, run_measured, table
from _figures import figure, verdict
from generate import write_ocppj

TARGET_SIZE = 250_000  # "about 300,000 frames": smaller runs are not judged
TARGET_VS_LENS = 5.0  # ocppdeck at least this many times faster than ocpp-lens
TARGET_VS_BARE = 3.0  # ocppdeck within this many times a bare orjson loop

_BARE = """
import sys, time, orjson
loads = orjson.loads
started = time.process_time()
count = 0
with open(sys.argv[1], "rb") as fh:
    for line in fh:
        at = line.find(b"[")
        if at >= 0:
            loads(line[at:])
            count += 1
print(count, time.process_time() - started)
"""

# Reading the log into frames and nothing more, as `project` reads it (streamed).
_READ = """
import sys, time
from pathlib import Path
from ocppdeck.core.disk.formats import ImportReport, read_frames
started = time.process_time()
count = sum(1 for _ in read_frames(Path(sys.argv[1]), "ocppj", ImportReport()))
print(count, time.process_time() - started)
"""


def run_command(argv: list[str], timeout: float) -> dict[str, Any]:
    """Run a command with stdout to /dev/null: wall, CPU (from wait4) and peak RSS; a
    non-zero exit is an error."""
    result = run_measured(argv, timeout)
    if result.get("exit"):
        return {"error": f"exit {result['exit']}: {result['stderr'][-300:]}"}
    return result


def bare_loop(path: Path, timeout: float, code: str = _BARE) -> tuple[int, float]:
    """Lines parsed and CPU seconds of a bare orjson loop over the file's arrays (or of
    another loop given as `code`)."""
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    count, seconds = done.stdout.split()
    return int(count), float(seconds)


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the log, run both tools and the bare loop, print and judge the figures."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--frames", type=int, default=300_000, help="lines in the generated log")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeat", type=int, default=2, help="runs of each tool, alternating")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds per run")
    args = p.parse_args(argv)
    print(
        f"lens_compare: {args.frames:,} lines, {args.repeat} runs each; (pid {os.getpid()}); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    bin_dir = Path(sys.executable).parent
    deck = [str(bin_dir / "ocppdeck"), "project"]
    lens_exe = shutil.which("ocpp-lens", path=str(bin_dir))
    at_size = args.frames >= TARGET_SIZE
    with tempfile.TemporaryDirectory(prefix="ocppdeck-bench-lens-") as tmp:
        log = Path(tmp) / "charger.log"
        done = write_ocppj(log, args.frames, seed=args.seed)
        print(
            f"generated {done.records:,} lines, {done.bytes / 1e6:,.1f} MB, "
            f"{done.transactions:,} transactions, in {done.seconds:.1f} s",
            flush=True,
        )
        tools: dict[str, list[str]] = {"ocppdeck": [*deck, str(log), "--json"]}
        if lens_exe is None:
            print("ocpp-lens is not installed (pip install -e '.[dev]'): not compared")
        else:
            tools["ocpp-lens"] = [lens_exe, str(log)]
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in tools}
        rows: list[list[str]] = []
        for n in range(args.repeat):
            order = list(tools) if n % 2 == 0 else list(reversed(tools))
            for name in order:
                r = run_command(tools[name], args.timeout)
                runs[name].append(r)
                if "error" in r:
                    rows.append([name, str(n + 1), r["error"], "-", "-", "-"])
                    continue
                rows.append(
                    [
                        name,
                        str(n + 1),
                        fmt(r["wall"], 2),
                        fmt(r["cpu"], 2),
                        fmt(done.records / r["wall"], 0),
                        fmt(r["hwm_kb"] / 1024, 0),
                    ]
                )
        print(table(["tool", "run", "wall s", "CPU s", "lines/s (wall)", "peak RSS MB"], rows))
        counted, bare_cpu = bare_loop(log, args.timeout)
        print(f"bare orjson loop: {counted:,} arrays, {bare_cpu:.2f} s CPU (start-up not counted)")
        ok = {name: [r for r in rs if "error" not in r] for name, rs in runs.items()}
        if not ok["ocppdeck"]:
            print("ocppdeck did not finish: nothing to judge")
            return 1
        best = min(ok["ocppdeck"], key=lambda r: r["wall"])
        deck_cpu = min(r["cpu"] for r in ok["ocppdeck"])
        print(f"ocppdeck's own report: {best['stderr'].splitlines()[-1] if best['stderr'] else ''}")
        if ok.get("ocpp-lens"):
            lens = min(ok["ocpp-lens"], key=lambda r: r["wall"])
            lens_cpu = min(r["cpu"] for r in ok["ocpp-lens"])
            ratio = lens["wall"] / best["wall"]
            print(
                f"ocppdeck vs ocpp-lens, best runs: wall {best['wall']:.2f} s vs "
                f"{lens['wall']:.2f} s = {ratio:.2f}x (CPU {deck_cpu:.2f} s vs {lens_cpu:.2f} s "
                f"= {lens_cpu / deck_cpu:.2f}x); target ≥ {TARGET_VS_LENS:g}x"
            )
            figure(
                "project_vs_ocpp_lens",
                ratio,
                "x",
                f">={TARGET_VS_LENS:g}x",
                verdict(ratio >= TARGET_VS_LENS, at_size),
            )
            budget(args, deck, Path(tmp), log, lens["wall"] / TARGET_VS_LENS)
        else:
            print("ocppdeck vs ocpp-lens: not measured (ocpp-lens missing)")
        physical = deck_cpu / bare_cpu
        print(
            f"ocppdeck project (CPU, start-up included) / bare orjson loop: {physical:.2f}x "
            f"(target within {TARGET_VS_BARE:g}x)"
        )
        figure(
            "project_ocppj_vs_bare_orjson",
            physical,
            "x",
            f"<={TARGET_VS_BARE:g}x",
            verdict(physical <= TARGET_VS_BARE, at_size),
        )
    return 0


def budget(args: argparse.Namespace, deck: list[str], tmp: Path, log: Path, allowed: float) -> None:
    """What the target leaves ocppdeck, against its start-up and reading the log alone.

    A charger's log names no station, so it is read and folded by one process."""
    tiny = tmp / "one-line.log"
    tiny.write_text('2026-01-01T00:00:00.000Z [2,"1","Heartbeat",{}]\n', encoding="utf-8")
    start = min(
        (run_command([*deck, str(tiny), "--json"], args.timeout) for _ in range(3)),
        key=lambda r: r.get("wall", float("inf")),
    )
    if "error" in start:
        print(f"start-up: {start['error']}")
        return
    frames, read_s = bare_loop(log, args.timeout, _READ)
    print(
        f"{TARGET_VS_LENS:g}x ocpp-lens leaves ocppdeck {allowed:.2f} s end to end, on one "
        f"core (one charger's log: nothing to share out); its start-up takes "
        f"{start['wall']:.2f} s and reading the {frames:,} lines into frames alone "
        f"{read_s:.2f} s CPU, before any fold"
    )


if __name__ == "__main__":
    sys.exit(main())
