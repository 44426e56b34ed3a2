"""Retention: old recording segments go, oldest first, but never one a restart still needs."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from ocppdeck.core.clock import to_iso
from ocppdeck.core.config import SettingsError, load_settings
from ocppdeck.core.disk.formats import ImportReport, read_frames
from ocppdeck.core.disk.retention import DAY, Keep, Segment, expired
from ocppdeck.core.engine import Engine
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.tui.cli import build_parser, settings_from
from tests.helpers.engine import make_settings

NOW = 1_750_000_000.0


def segment(first: int, age_days: float, size: int = 100) -> Segment:
    return Segment((Path(f"recording-{first:012d}.jsonl.gz"),), first, size, NOW - age_days * DAY)


def firsts(gone: list[Segment]) -> list[int]:
    return [s.first_seq for s in gone]


def test_segments_past_the_age_go_once_a_snapshot_covers_them() -> None:
    found = [segment(21, 0.5), segment(1, 9), segment(11, 8)]
    keep = Keep.of(days=7, mb=0)
    assert firsts(expired(found, 0, 31, covered_seq=30, now=NOW, keep=keep)) == [1, 11]


def test_a_segment_no_snapshot_covers_stays_however_old() -> None:
    found = [segment(1, 30), segment(11, 20)]
    keep = Keep.of(days=7, mb=0)
    # The snapshot holds frames up to 15: segment 1 (frames 1-10) may go, 11 (11-20) may not.
    assert firsts(expired(found, 0, 21, covered_seq=15, now=NOW, keep=keep)) == [1]
    assert firsts(expired(found, 0, 21, covered_seq=0, now=NOW, keep=keep)) == []


def test_past_the_size_the_oldest_go_until_the_rest_fits() -> None:
    mb = 1024 * 1024
    found = [segment(n, 0, size=mb) for n in (1, 11, 21, 31)]
    keep = Keep.of(days=0, mb=3)
    # 4 segments and a 1 MB current file: two must go for the rest to fit in 3 MB.
    assert firsts(expired(found, mb, 41, covered_seq=40, now=NOW, keep=keep)) == [1, 11]


def test_no_limit_keeps_everything() -> None:
    found = [segment(1, 3650, size=1 << 40)]
    assert not Keep.of(days=0, mb=0).limited
    assert expired(found, 0, 11, covered_seq=10, now=NOW, keep=Keep.of(0, 0)) == []


def test_retention_is_a_flag_an_environment_variable_and_a_toml_key(tmp_path: Path) -> None:
    args = build_parser().parse_args(["--recording-keep-days", "14", "serve"])
    assert settings_from(args).recording_keep_days == 14
    from_env = load_settings({}, env={"OCPPDECK_RECORDING_KEEP_MB": "512"})
    assert from_env.recording_keep_mb == 512
    toml = tmp_path / "ocppdeck.toml"
    toml.write_text("recording_keep_days = 30\n")
    assert load_settings({}, env={}, config_file=toml).recording_keep_days == 30
    with pytest.raises(SettingsError, match="recording_keep_mb"):
        load_settings({}, env={"OCPPDECK_RECORDING_KEEP_MB": "-1"})


def meter(wh: float) -> Frame:
    """A MeterValues call of CP1 connector 1; the bus numbers it."""
    payload = {
        "connectorId": 1,
        "meterValue": [
            {"timestamp": to_iso(NOW + wh), "sampledValue": [{"value": str(wh)}]},
        ],
        "padding": "x" * 400,  # bigger frames: fewer of them fill a segment
    }
    return Frame(
        NOW + wh, "CP1", Direction.IN, Kind.CALL, f"m{wh:.0f}", "MeterValues", payload, "ocpp1.6"
    )


@pytest.mark.timeout(60)
async def test_a_live_engine_removes_old_segments_and_still_restarts_whole(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, recording_max_mb=1, recording_keep_days=7)
    live = Engine(settings)
    await live.start()
    try:
        for n in range(1, 7001):  # about 3.5 MB: three segments and a current file
            live.bus.publish(meter(float(n)))
            if n % 100 == 0:
                await asyncio.sleep(0)  # a loop turn: its frames are written (and rotated)
        await asyncio.sleep(0)
        assert live._recorder is not None
        await asyncio.gather(*live._recorder.compressing)
        segments = sorted(tmp_path.glob("recording-*.jsonl.gz"))
        assert len(segments) >= 3
        for old in segments[:-1]:
            os.utime(old, (NOW - 10 * DAY, NOW - 10 * DAY))  # written ten days ago
        await live._save_snapshot()
        await live._retain()
        assert sorted(tmp_path.glob("recording-*.jsonl.gz")) == segments[-1:]
    finally:
        await live.close()

    again = Engine(settings)
    try:
        again.restore()
        assert again.state.stations["CP1"].evses[1].energy_wh == 7000.0
        left = [f.seq for f in read_frames(tmp_path, "recording", ImportReport())]
        assert left == list(range(left[0], left[-1] + 1))  # what is left has no hole
        assert again.bus.next_seq == left[-1] + 1
    finally:
        await again.close()
