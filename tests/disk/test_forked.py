"""Work done by a forked child (core/disk/forked.py) ends with the process that forked it:
left running by a CSMS killed with -9, it would write an old snapshot over its
successor's, or into a segment its successor is compressing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ocppdeck.core.disk.forked import FORKS, ForkedError, forked_result

pytestmark = pytest.mark.skipif(not FORKS, reason="forks on Linux only")

# A CSMS stand-in: its forked child says it started, then writes late.
PARENT = textwrap.dedent(
    """
    import asyncio, sys, time
    from pathlib import Path
    from ocppdeck.core.disk.forked import run_forked

    started, late = Path(sys.argv[1]), Path(sys.argv[2])

    def work():
        started.write_text("child")
        time.sleep(1.5)
        late.write_text("written after its parent died")

    asyncio.run(run_forked(work))
    """
)


def _wait_for(path: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.timeout(30)
def test_a_forked_writer_dies_with_a_csms_killed_with_minus_9(tmp_path: Path) -> None:
    started, late = tmp_path / "started", tmp_path / "late"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(started), str(late)])
    try:
        assert _wait_for(started, 20), "the child never started"
        os.kill(parent.pid, signal.SIGKILL)
    finally:
        parent.wait(10)
    assert not _wait_for(late, 3.0)  # the child would have written it 1.5 s after starting


def _pid_and_double(n: int) -> tuple[int, int]:
    return os.getpid(), n * 2


def _fails() -> None:
    raise ValueError("no such segment")


def _dies() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.timeout(30)
def test_a_forked_result_comes_from_another_process() -> None:
    pid, doubled = forked_result(lambda: _pid_and_double(21)).result()
    assert doubled == 42 and pid != os.getpid()


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("work", "said"),
    [(_fails, "ValueError: no such segment"), (_dies, "ended with status")],
)
def test_a_forked_result_says_how_its_work_failed(work: Callable[[], None], said: str) -> None:
    with pytest.raises(ForkedError, match=said):
        forked_result(work).result()


@pytest.mark.timeout(30)
def test_a_forked_child_given_up_on_is_killed_and_reaped() -> None:
    child = forked_result(lambda: time.sleep(60))
    child.kill()
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)  # gone, not even left a zombie
