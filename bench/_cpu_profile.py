"""Where a server's CPU goes: cProfile on CPU time for one bench window, summed by part.

Not a benchmark itself. A bench starts a `CpuProfile` when its measured window
opens, stops it when the window closes, and prints `summary(calls)`: the CPU of the
window by part of the stack (ocppdeck's packages, the `ocpp` library, websockets,
the event loop, the kernel's socket and disk calls), then the functions that hold
the largest cumulative share. The timer is CPU time (`time.process_time`), not wall
time, so other processes on a busy machine do not show up as our cost; cProfile's
own overhead inflates every figure alike, so read the shares, not the microseconds.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from collections import defaultdict
from typing import Any

# (part of a path, part name): the first that a function's file contains names its part.
_PARTS = (
    ("/core/wire/", "ocppdeck wire (tap, codec, bus, frame log)"),
    ("/core/model/", "ocppdeck projection (readers, fold, state)"),
    ("/core/csms/", "ocppdeck csms (sessions, validation, metrics, queues)"),
    ("/core/disk/", "ocppdeck recording"),
    ("/core/automations/", "ocppdeck automations"),
    ("/core/", "ocppdeck other"),
    ("/ocpp/", "ocpp library"),
    ("/websockets/", "websockets"),
    ("/prometheus_client/", "prometheus_client"),
    ("/jsonschema", "jsonschema"),
    ("/asyncio/", "asyncio event loop"),
    ("/selectors.py", "asyncio event loop"),
    ("/json/", "json (stdlib)"),
    ("/logging/", "logging"),
    ("/inspect.py", "inspect (the library's handler signatures)"),
    ("/dataclasses.py", "dataclasses (the library's asdict)"),
    ("/re/", "re (the library's camel/snake case)"),
    ("/enum.py", "enum"),
)
# Built-ins whose time is the kernel's, not their caller's.
_SYSCALLS = {
    "<method 'send' of '_socket.socket' objects>": "kernel: socket send",
    "<method 'recv' of '_socket.socket' objects>": "kernel: socket recv",
    "<method 'recv_into' of '_socket.socket' objects>": "kernel: socket recv",
    "<method 'poll' of 'select.epoll' objects>": "kernel: epoll",
    "<built-in method posix.write>": "kernel: disk write",
    "<built-in method posix.fsync>": "kernel: disk write",
}
_FRAMEWORK = ("/asyncio/", "/selectors.py", "/contextlib.py", "/threading.py")

Func = tuple[str, int, str]


def _label(func: Func) -> str:
    file, line, name = func
    if file == "~":
        return name
    for marker in ("/work/main/", "/site-packages/", "/lib/python3"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    return f"{file}:{line}({name})"


def _part(func: Func) -> str | None:
    """The part a Python function belongs to; None for a built-in."""
    file = func[0]
    if file == "~":
        return None
    for marker, part in _PARTS:
        if marker in file:
            return part
    return "other Python"


class CpuProfile:
    """cProfile on process CPU time, for one measured window."""

    def __init__(self) -> None:
        self._profiler = cProfile.Profile(time.process_time)

    def start(self) -> None:
        """Profile from now."""
        self._profiler.enable()

    def stop(self) -> None:
        """Stop profiling."""
        self._profiler.disable()

    def summary(self, calls: int, top: int = 20) -> str:
        """CPU by part and the functions with the largest cumulative share, as text."""
        stats: dict[Func, Any] = pstats.Stats(self._profiler).stats  # type: ignore[attr-defined]
        by_part: dict[str, float] = defaultdict(float)
        for func, (_, _, tottime, _, callers) in stats.items():
            part = _part(func)
            if part is None:
                part = _SYSCALLS.get(func[2])
            if part is not None:
                by_part[part] += tottime
                continue
            # Any other built-in (orjson, str methods …) is its callers' cost.
            for caller, (_, _, caller_tt, _) in callers.items():
                by_part[_part(caller) or "C built-ins"] += caller_tt
        total = sum(by_part.values()) or 1.0
        per_call = 1e6 / calls if calls else float("nan")
        lines = [
            f"  profile of the event loop's thread (CPU time, cProfile on; {total:.2f} s over "
            f"{calls:,} calls; other threads, such as a validation pool, are not in it): by part",
        ]
        for part, seconds in sorted(by_part.items(), key=lambda kv: -kv[1]):
            if seconds / total >= 0.005:
                lines.append(
                    f"    {seconds / total * 100:5.1f}%  {seconds * per_call:7.1f} us/call  {part}"
                )
        lines.append("  top functions by cumulative share (framework loops left out):")
        ranked = sorted(stats.items(), key=lambda kv: -kv[1][3])
        shown = 0
        for func, (_, ncalls, _, cumtime, _) in ranked:
            if shown >= top:
                break
            if any(m in func[0] for m in _FRAMEWORK) or func[2].startswith("<method 'run'"):
                continue
            lines.append(
                f"    {cumtime / total * 100:5.1f}%  {ncalls / max(calls, 1):5.2f}/call  "
                f"{_label(func)}"
            )
            shown += 1
        return "\n".join(lines)
