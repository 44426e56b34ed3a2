"""A snapshot is written by a forked child (core/disk/snapshot_writer.py): it is the state
at the moment it was asked for, the CSMS's loop goes on meanwhile, and a child that
cannot write says why as the OSError the disk keeper reports."""

from __future__ import annotations

import asyncio
import errno
import time
from pathlib import Path

import pytest

from ocppdeck.core.disk import files, snapshot, snapshot_writer
from ocppdeck.core.disk.snapshot_writer import write_snapshot
from ocppdeck.core.model.projection import Projection
from ocppdeck.core.wire.frame import Direction, Frame, Kind

pytestmark = pytest.mark.skipif(not snapshot_writer.FORKS, reason="forks on Linux only")


def heartbeat(station: str, seq: int) -> Frame:
    return Frame(1_700_000_000.0 + seq, station, Direction.IN, Kind.CALL, f"u{seq}", "Heartbeat")


@pytest.mark.timeout(20)
async def test_the_loop_goes_on_while_the_child_writes_the_state_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    projection = Projection()
    projection.apply(heartbeat("CP1", 1))
    real_dump = snapshot.dump

    def slow_dump(*args: object) -> bytes:
        time.sleep(1.0)  # a big state: in the child, it holds no loop
        return real_dump(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(snapshot, "dump", slow_dump)
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(ticking())
    writing = asyncio.create_task(write_snapshot(projection, 1, tmp_path / "snapshot.json"))
    await asyncio.sleep(0.1)
    projection.apply(heartbeat("CP2", 2))  # folded after the snapshot was asked for
    await writing
    ticker.cancel()
    assert ticks >= 20  # a dump on the loop would have let it tick about never
    taken = snapshot.load(tmp_path / "snapshot.json")
    assert taken is not None and taken.seq == 1
    assert set(taken.projection.state.stations) == {"CP1"}


@pytest.mark.timeout(20)
async def test_a_child_that_cannot_write_raises_the_disk_s_error_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "write_atomic", full)
    with pytest.raises(OSError) as raised:
        await write_snapshot(Projection(), 1, tmp_path / "snapshot.json")
    assert raised.value.errno == errno.ENOSPC
    assert raised.value.strerror == "No space left on device"
    assert not (tmp_path / "snapshot.json").exists()
