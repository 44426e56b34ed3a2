"""Live recordings rotate into gzip segments; a restart is a snapshot plus the frames after it."""

from __future__ import annotations

import asyncio
import errno
import gzip
import os
from pathlib import Path

import pytest

from ocppdeck.core.disk import recording, snapshot
from ocppdeck.core.disk.files import write_atomic
from ocppdeck.core.disk.forked import FORKS
from ocppdeck.core.disk.formats import ImportReport, read_frames
from ocppdeck.core.disk.health import Part
from ocppdeck.core.disk.recording import Recorder
from ocppdeck.core.engine import Engine
from ocppdeck.core.model.projection import Projection
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from tests.helpers.engine import make_settings
from tests.helpers.folded import write


def meter(seq: int, wh: float) -> Frame:
    payload = {
        "connectorId": 1,
        "meterValue": [
            {
                "timestamp": f"2025-01-01T00:{seq // 60:02d}:{seq % 60:02d}Z",
                "sampledValue": [{"value": str(wh)}],
            }
        ],
    }
    return Frame(
        float(seq),
        "CP1",
        Direction.IN,
        Kind.CALL,
        f"m{seq}",
        "MeterValues",
        payload,
        "ocpp1.6",
        seq=seq,
    )


def test_rotation_makes_gzip_segments_read_back_in_order(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path / "recording.jsonl", max_bytes=4_000)
    for seq in range(1, 201):
        write(recorder, meter(seq, seq * 10.0))
    recorder.close()
    segments = sorted(tmp_path.glob("recording-*.jsonl.gz"))
    assert len(segments) >= 3
    assert not list(tmp_path.glob("recording-*.jsonl"))  # each plain segment was replaced
    with gzip.open(segments[0], "rb") as fh:
        first = fh.readline()
    assert b'"seq":1,' in first
    report = ImportReport()
    seqs = [f.seq for f in read_frames(tmp_path, "recording", report)]
    assert seqs == list(range(1, 201))
    assert report.skipped == []


@pytest.mark.timeout(20)
async def test_restart_refolds_only_frames_after_the_snapshot(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, recording_max_mb=1)
    live = Engine(settings)
    await live.start()
    try:
        for seq in range(1, 51):
            live.bus.publish(meter(seq, seq * 10.0))
        await live._save_snapshot()
        for seq in range(51, 101):
            live.bus.publish(meter(seq, seq * 10.0))
    finally:
        await live.close()
    # Make the snapshot an older one (as after a crash), holding only the first half.
    half = Projection()
    for seq in range(1, 51):
        half.apply(meter(seq, seq * 10.0))
    write_atomic(settings.snapshot_path, snapshot.dump(half, 51))  # SERVER_START was seq 1

    again = Engine(settings)
    again.restore()
    conn = again.state.stations["CP1"].evses[1]
    assert conn.energy_wh == 1000.0  # the last reading, from after the snapshot
    assert len(again.frames) == 50  # only the frames after the snapshot were refolded
    assert again.bus.next_seq == 102


def test_an_unreadable_snapshot_means_a_full_refold(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    recorder = Recorder(settings.recording_path)
    for seq in range(1, 11):
        write(recorder, meter(seq, seq * 5.0))
    recorder.close()
    settings.snapshot_path.write_bytes(b"not a pickle")
    engine = Engine(settings)
    engine.restore()
    assert engine.state.stations["CP1"].evses[1].energy_wh == 50.0
    assert engine.bus.next_seq == 11


@pytest.mark.skipif(not FORKS, reason="forks on Linux only")
@pytest.mark.timeout(20)
async def test_a_live_rotation_is_compressed_by_a_child_process_not_the_csms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A worker thread's compressor buffers would stay in the CSMS's heap for good.
    pids = tmp_path / "pids"
    real = recording.compress_segment

    def noted(segment: Path) -> None:
        with pids.open("a") as out:
            out.write(f"{os.getpid()}\n")
        real(segment)

    monkeypatch.setattr(recording, "compress_segment", noted)
    data = tmp_path / "data"
    recorder = Recorder(data / "recording.jsonl", max_bytes=4_000)
    for seq in range(1, 81):
        write(recorder, meter(seq, seq * 10.0))
        recorder.flush()
    await asyncio.gather(*recorder.compressing)
    recorder.close()
    compressed_by = {int(pid) for pid in pids.read_text().split()}
    assert compressed_by and os.getpid() not in compressed_by
    assert list(data.glob("recording-*.jsonl.gz"))
    assert not list(data.glob("recording-*.jsonl"))
    seqs = [f.seq for f in read_frames(data, "recording", ImportReport())]
    assert seqs == list(range(1, 81))


@pytest.mark.skipif(not FORKS, reason="forks on Linux only")
@pytest.mark.timeout(20)
async def test_a_child_that_cannot_compress_reports_the_disk_s_error_and_keeps_the_plain_segment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(segment: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(recording, "compress_segment", full)
    recorder = Recorder(tmp_path / "recording.jsonl", max_bytes=4_000)
    for seq in range(1, 41):
        write(recorder, meter(seq, seq * 10.0))
        recorder.flush()
    await asyncio.gather(*recorder.compressing, return_exceptions=True)
    recorder.close()
    assert [(f.part, f.error) for f in recorder.health.faults] == [
        (Part.COMPRESSION, "No space left on device")
    ]
    assert list(tmp_path.glob("recording-*.jsonl"))  # read back plain until compressed
    seqs = [f.seq for f in read_frames(tmp_path, "recording", ImportReport())]
    assert seqs == list(range(1, 41))
