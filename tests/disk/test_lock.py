"""One ocppdeck per data dir: a second is refused, says who holds it, and changes nothing."""

from __future__ import annotations

import fcntl
import os
import socket
from pathlib import Path

import pytest

from ocppdeck.core.demo import DemoRun
from ocppdeck.core.disk.lock import LOCK_FILE, DataDirBusy, DataDirLock, this_process
from ocppdeck.core.engine import Engine
from tests.helpers.engine import make_settings, own_engine, wait_for


def contents(data_dir: Path) -> dict[str, bytes]:
    """Every file of the data dir but the lock, by name."""
    return {p.name: p.read_bytes() for p in data_dir.iterdir() if p.name != LOCK_FILE}


def test_the_refusal_names_the_holder_and_suggests_a_replay(tmp_path: Path) -> None:
    held = DataDirLock(tmp_path)
    try:
        with pytest.raises(DataDirBusy) as refused:
            DataDirLock(tmp_path)
        message = str(refused.value)
        assert f"PID {os.getpid()}: {this_process()}" in message
        assert f"ocppdeck replay {tmp_path}" in message
    finally:
        held.release()
    DataDirLock(tmp_path).release()  # free again once released
    assert (tmp_path / LOCK_FILE).read_bytes() == b""  # no note of a run that ended


def test_a_holder_note_is_shown_as_plain_text(tmp_path: Path) -> None:
    # Whatever the lock file holds, the refusal prints no escape sequence to the terminal.
    (tmp_path / LOCK_FILE).write_bytes(b"4242\nocppdeck \x1b[2J\x1b]0;pwned\x07serve\n")
    fd = os.open(tmp_path / LOCK_FILE, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # held as another process would, note and all
    try:
        with pytest.raises(DataDirBusy) as refused:
            DataDirLock(tmp_path)
    finally:
        os.close(fd)
    message = str(refused.value)
    assert "PID 4242: ocppdeck ?[2J?]0;pwned?serve" in message
    assert all(c.isprintable() for c in message)


@pytest.mark.timeout(30)
async def test_a_start_on_a_taken_port_writes_nothing_and_frees_the_dir(tmp_path: Path) -> None:
    async with own_engine(tmp_path):
        pass  # a first run leaves its recording, store and snapshot
    before = contents(tmp_path)
    with socket.create_server(("127.0.0.1", 0)) as taken:
        engine = Engine(make_settings(tmp_path, port=taken.getsockname()[1]))
        with pytest.raises(OSError, match="address already in use"):
            await engine.start()
    assert contents(tmp_path) == before  # no SERVER_START, no new segment, no new file
    DataDirLock(tmp_path).release()  # the failed run let the dir go


@pytest.mark.timeout(30)
async def test_a_demo_never_clears_a_dir_another_run_holds(tmp_path: Path) -> None:
    recording = tmp_path / "recording.jsonl"
    async with own_engine(tmp_path):
        await wait_for(lambda: recording.exists() and recording.stat().st_size > 0)
        before = contents(tmp_path)
        with pytest.raises(DataDirBusy):
            DemoRun(make_settings(tmp_path))
        assert contents(tmp_path) == before
