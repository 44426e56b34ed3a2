"""A full disk degrades loudly and recovers by itself: the recording keeps its frames in memory
(bounded), the engine keeps answering stations, the console and /metrics say what fails, the
log says it once a minute, and everything is written when space returns.

Every full disk here is an OSError ENOSPC injected at the file layer the store and the
recorder write through (tests/helpers/disk_full.py); nothing else is replaced.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from pathlib import Path

import pytest
from ocpp.v16 import ChargePoint, call
from websockets.asyncio.client import connect

from ocppdeck.core.csms.store import IdTag
from ocppdeck.core.disk import files
from ocppdeck.core.disk.formats import ImportReport, read_frames
from ocppdeck.core.disk.health import DiskHealth, Part
from ocppdeck.core.disk.recording import Recorder
from ocppdeck.core.engine import Engine
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from tests.helpers.disk_full import FullDisk
from tests.helpers.engine import make_settings, own_engine, wait_for
from tests.helpers.folded import recorded, write

TS = 1_700_000_000.0


def heartbeat(seq: int) -> Frame:
    return Frame(
        TS + seq, "CP1", Direction.IN, Kind.CALL, f"u{seq}", "Heartbeat", {}, "ocpp1.6", "", seq
    )


# --- the recorder ----------------------------------------------------------------------
def test_frames_wait_in_memory_while_the_disk_is_full_and_are_written_when_it_frees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = FullDisk(monkeypatch)
    health = DiskHealth()
    recorder = Recorder(tmp_path / "recording.jsonl", health=health)
    write(recorder, heartbeat(1))
    disk.full = True
    for seq in range(2, 6):
        write(recorder, heartbeat(seq))  # no exception reaches the caller
    assert [f.seq for f in recorded(tmp_path / "recording.jsonl")] == [1]
    assert recorder.buffered > 0
    assert health.failing(Part.RECORDING)
    assert health.faults[0].error == "No space left on device"
    disk.full = False
    recorder.retry()
    assert [f.seq for f in recorded(tmp_path / "recording.jsonl")] == [1, 2, 3, 4, 5]
    assert not health.failing(Part.RECORDING)
    assert health.dropped_frames == 0
    recorder.close()


def test_a_write_the_disk_takes_only_part_of_goes_on_where_it_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk takes 10 bytes of a write, then refuses (ENOSPC), then frees up."""
    real = files.write_some
    refusing = {"after": 10}

    def nearly_full(fd: int, data: bytes) -> int:
        if refusing["after"] is None:
            return real(fd, data)
        if refusing["after"] == 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        taken = real(fd, bytes(data[: refusing["after"]]))
        refusing["after"] = 0
        return taken

    monkeypatch.setattr(files, "write_some", nearly_full)
    recorder = Recorder(tmp_path / "recording.jsonl")
    for seq in (1, 2, 3):
        write(recorder, heartbeat(seq))
    refusing["after"] = None
    recorder.retry()
    recorder.close()
    report = ImportReport()
    assert [f.seq for f in recorded(tmp_path / "recording.jsonl", report)] == [1, 2, 3]
    assert report.skipped == []  # no line was torn


def test_past_the_memory_bound_new_frames_are_dropped_and_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = FullDisk(monkeypatch)
    health = DiskHealth()
    line = len(b'{"seq":1') + 200  # about one encoded heartbeat
    recorder = Recorder(tmp_path / "recording.jsonl", health=health, max_buffered=10 * line)
    disk.full = True
    for seq in range(1, 101):
        write(recorder, heartbeat(seq))
    assert 0 < recorder.buffered < 10 * line
    kept = 100 - health.dropped_frames
    assert 0 < kept < 100
    disk.full = False
    recorder.retry()
    recorder.close()
    # The frames kept are the first ones, in order; the rest are counted, not written.
    assert [f.seq for f in recorded(tmp_path / "recording.jsonl")] == list(range(1, kept + 1))


def test_a_refused_rotation_keeps_one_current_file_and_rotates_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    health = DiskHealth()
    real_replace = files.replace
    refused = {"on": True}

    def read_only_rename(src: Path, dst: Path) -> None:
        if refused["on"]:
            raise OSError(errno.EROFS, "Read-only file system")
        real_replace(src, dst)

    monkeypatch.setattr(files, "replace", read_only_rename)
    recorder = Recorder(tmp_path / "recording.jsonl", max_bytes=1_000, health=health)
    for seq in range(1, 21):
        write(recorder, heartbeat(seq))
    assert list(tmp_path.glob("recording-*")) == []
    assert health.failing(Part.ROTATION)
    refused["on"] = False
    recorder.retry()
    recorder.close()
    assert not health.failing(Part.ROTATION)
    assert [p.name for p in tmp_path.glob("recording-*")] == ["recording-000000000001.jsonl.gz"]
    assert [f.seq for f in read_frames(tmp_path, "recording", ImportReport())] == list(range(1, 21))


def test_a_failed_compression_leaves_the_plain_segment_readable_and_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = FullDisk(monkeypatch)
    health = DiskHealth()
    recorder = Recorder(tmp_path / "recording.jsonl", max_bytes=1_000, health=health)
    real_open_fresh = files.open_fresh

    def no_room_for_the_gzip(path: Path) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "open_fresh", no_room_for_the_gzip)
    for seq in range(1, 31):
        write(recorder, heartbeat(seq))
    segments = sorted(p.name for p in tmp_path.glob("recording-*"))
    assert len(segments) >= 2
    assert all(name.endswith(".jsonl") for name in segments)  # plain, no .gz, no .partial
    assert health.failing(Part.COMPRESSION)
    assert [f.seq for f in read_frames(tmp_path, "recording", ImportReport())] == list(range(1, 31))
    monkeypatch.setattr(files, "open_fresh", real_open_fresh)
    assert not disk.full
    recorder.recompress()
    recorder.close()
    assert not health.failing(Part.COMPRESSION)
    assert sorted(p.name for p in tmp_path.glob("recording-*")) == [n + ".gz" for n in segments]
    assert [f.seq for f in read_frames(tmp_path, "recording", ImportReport())] == list(range(1, 31))


def test_the_log_says_it_once_not_once_per_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    disk = FullDisk(monkeypatch)
    recorder = Recorder(tmp_path / "recording.jsonl")
    disk.full = True
    with caplog.at_level(logging.INFO, logger="ocppdeck.disk"):
        for seq in range(1, 501):
            write(recorder, heartbeat(seq))
            recorder.retry()  # as if a second passed each time: still within the minute
        disk.full = False
        recorder.retry()
    lines = [r.getMessage() for r in caplog.records if r.name == "ocppdeck.disk"]
    assert len(lines) == 2, lines  # it fails; it works again
    assert "No space left on device" in lines[0]
    assert "writing again" in lines[1]
    recorder.close()


# --- the engine ------------------------------------------------------------------------
async def boot_and_beat(port: int, station_id: str, beats: int) -> None:
    """A real 1.6 station: boot, then heartbeats, each answered."""
    async with connect(f"ws://127.0.0.1:{port}/{station_id}", subprotocols=["ocpp1.6"]) as ws:
        cp = ChargePoint(station_id, ws, response_timeout=5)
        receive = asyncio.create_task(cp.start())
        try:
            await cp.call(call.BootNotification(charge_point_vendor="ACME", charge_point_model="X"))
            for _ in range(beats):
                await cp.call(call.Heartbeat())
        finally:
            receive.cancel()
            await asyncio.gather(receive, return_exceptions=True)


def metric(engine: Engine, line_start: str) -> str:
    """The /metrics line that starts so."""
    text = engine.metrics.render().decode()
    return next(line for line in text.splitlines() if line.startswith(line_start))


@pytest.mark.timeout(30)
async def test_the_engine_keeps_answering_through_a_full_disk_and_catches_up_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = FullDisk(monkeypatch)
    async with own_engine(tmp_path) as engine:
        health = engine.disk
        assert health is not None
        disk.full = True
        await boot_and_beat(engine.csms.port, "CP1", 5)  # every call answered
        engine.store.put_id_tag(IdTag("TAG-FULL"))  # something for the store to write
        await wait_for(lambda: health.failing(Part.RECORDING) and health.failing(Part.STORE))
        assert metric(engine, 'ocppdeck_storage_error{part="recording"}').endswith(" 1.0")
        assert metric(engine, 'ocppdeck_storage_error{part="store"}').endswith(" 1.0")
        assert engine.state.stations["CP1"].vendor == "ACME"  # the console's state goes on
        disk.full = False
        await wait_for(lambda: not health.faults)  # nobody restarted anything
        assert metric(engine, 'ocppdeck_storage_error{part="recording"}').endswith(" 0.0")
        frames = recorded(tmp_path / "recording.jsonl")
        beats = [f for f in frames if f.action == "Heartbeat" and f.kind is Kind.CALL]
        assert len(beats) == 5
        assert "TAG-FULL" in (tmp_path / "store.json").read_text()
        assert health.dropped_frames == 0


@pytest.mark.timeout(30)
async def test_closing_on_a_full_disk_loses_nothing_queued_and_says_what_it_could_not_keep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = FullDisk(monkeypatch)
    engine = Engine(make_settings(tmp_path))
    await engine.start()
    queued = engine.csms.submit("CP9", call.Reset(type="Soft"))  # on disk before full
    disk.full = True
    engine.bus.publish(heartbeat(0))
    await engine.close()  # no exception: the failures are reported instead
    assert engine.disk is not None and engine.disk.failing(Part.STORE)
    assert engine.disk.dropped_frames >= 1
    disk.full = False
    again = Engine(make_settings(tmp_path))
    try:
        assert [c.id for c in again.csms.commands_overview()] == [queued.id]
    finally:
        await again.close()
