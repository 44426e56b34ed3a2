"""The real `ocppdeck` command in a child process: what a user at a shell sees of it."""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

OCPPDECK = str(Path(sys.executable).with_name("ocppdeck"))  # the console script of this venv
CHILD_TIMEOUT = 30.0  # seconds a child may take to finish what a test asked of it


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `ocppdeck ARGS` to its end, capturing stdout and stderr."""
    return subprocess.run(
        [OCPPDECK, *args],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def stop(proc: subprocess.Popen[str]) -> None:
    """Ask a child to stop as Ctrl+C would; kill it if it does not."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(CHILD_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def spawn(*args: str) -> subprocess.Popen[str]:
    """Start `ocppdeck ARGS` with its output on pipes (line by line); `stop` it after."""
    return subprocess.Popen(
        [OCPPDECK, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )


@dataclass(slots=True)
class Serving:
    """An `ocppdeck serve` child, the port it listens on, and its log lines so far."""

    proc: subprocess.Popen[str]
    port: int
    log: list[str] = field(default_factory=list)


def _drain(lines: Iterator[str], into: list[str]) -> None:
    """Keep reading a child's output, so a full pipe never stalls it."""
    for line in lines:
        into.append(line)


@contextmanager
def serving(data_dir: Path, *flags: str) -> Iterator[Serving]:
    """`ocppdeck serve` on `data_dir` and any free port, stopped on leaving."""
    proc = spawn("serve", "--data-dir", str(data_dir), "--port", "0", *flags)
    assert proc.stdout is not None and proc.stderr is not None
    try:
        for line in proc.stdout:  # JSON log lines; the server says where it listens
            entry = json.loads(line)
            if entry.get("msg") == "listening":
                server = Serving(proc, int(entry["port"]))
                break
        else:
            raise AssertionError(f"serve did not start: {proc.stderr.read()}")
        reader = threading.Thread(target=_drain, args=(proc.stdout, server.log), daemon=True)
        reader.start()
        yield server
    finally:
        stop(proc)


def run_in_terminal(*args: str, columns: int = 80, lines: int = 24) -> tuple[str, int]:
    """Run `ocppdeck ARGS` on a pseudo-terminal of that size, as in a shell; all it wrote
    there (screen drawing included) and its exit code."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    proc = subprocess.Popen(
        [OCPPDECK, *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, "TERM": "xterm-256color"},
        start_new_session=True,
    )
    os.close(slave)
    out = bytearray()
    try:
        while True:
            ready, _, _ = select.select([master], [], [], CHILD_TIMEOUT)
            if not ready:
                shown = out.decode(errors="replace")
                raise AssertionError(f"no output for {CHILD_TIMEOUT}s: {shown}")
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        code = proc.wait(CHILD_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        with suppress(OSError):
            os.close(master)
    return out.decode("utf-8", "replace"), code
