"""Sources on disk: gzip by content, folders of segments, format detection, the report."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from ocppdeck.core.disk.formats import (
    ImportReport,
    SourceError,
    detect_format,
    open_chunks,
    read_frames,
    source_files,
)
from ocppdeck.core.wire.codec import encode
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.sample_data import sample_path

EVENTLOG = sample_path("eventlog-example.json")
RECORDING = sample_path("demo-v16.jsonl")
OCPPJ_LINE = '2024-05-01T10:00:00Z CP-1 -> [2,"1","Heartbeat",{}]\n'


def frame(n: int) -> Frame:
    return Frame(1_700_000_000.0 + n, "CP-1", Direction.IN, Kind.CALL, f"m{n}", "Heartbeat", {})


def recording_lines(*numbers: int) -> bytes:
    return b"".join(encode(frame(n)) + b"\n" for n in numbers)


def write_gzip(path: Path, data: bytes) -> Path:
    with gzip.open(path, "wb") as fh:
        fh.write(data)
    return path


# --- gzip -----------------------------------------------------------------
def test_gzip_is_told_by_its_bytes_not_its_name(tmp_path: Path) -> None:
    hidden = write_gzip(tmp_path / "capture.txt", b"one\ntwo\n")
    assert b"".join(open_chunks(hidden)) == b"one\ntwo\n"
    named = tmp_path / "plain.gz"  # named like gzip, but plain text
    named.write_bytes(b"just text\n")
    assert b"".join(open_chunks(named)) == b"just text\n"


def test_a_gzip_cut_short_keeps_what_it_had_and_notes_the_rest(tmp_path: Path) -> None:
    whole = gzip.compress(recording_lines(*range(2000)))
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    report = ImportReport()
    frames = list(read_frames(cut, "recording", report))
    assert 0 < len(frames) < 2000
    [(file, _line, reason)] = report.skipped
    assert file == "cut.jsonl.gz"
    assert reason.startswith("unreadable")


# --- folders --------------------------------------------------------------
def test_folder_segments_in_number_order_then_the_current_file(tmp_path: Path) -> None:
    (tmp_path / "recording.jsonl").write_bytes(recording_lines(30))
    write_gzip(tmp_path / "recording-10.jsonl.gz", recording_lines(10))
    write_gzip(tmp_path / "recording-2.jsonl.gz", recording_lines(2))
    (tmp_path / "recording-3.jsonl").write_bytes(recording_lines(3))
    (tmp_path / "store.json").write_text("{}")  # not a segment
    (tmp_path / "notes-1.jsonl").write_text("x")
    names = [p.name for p in source_files(tmp_path)]
    assert names == [
        "recording-2.jsonl.gz",
        "recording-3.jsonl",
        "recording-10.jsonl.gz",
        "recording.jsonl",
    ]
    frames = list(read_frames(tmp_path, None, ImportReport()))
    assert [f.unique_id for f in frames] == ["m2", "m3", "m10", "m30"]


def test_a_segment_being_compressed_is_read_once(tmp_path: Path) -> None:
    (tmp_path / "recording-1.jsonl").write_bytes(recording_lines(1))
    (tmp_path / "recording-1.jsonl.gz").write_bytes(b"\x1f\x8b half written")
    assert [p.name for p in source_files(tmp_path)] == ["recording-1.jsonl"]


def test_line_numbers_restart_per_file_and_name_the_file(tmp_path: Path) -> None:
    write_gzip(tmp_path / "recording-1.jsonl.gz", recording_lines(1) + b"garbage\n")
    (tmp_path / "recording.jsonl").write_bytes(b"{}\n" + recording_lines(2))
    report = ImportReport()
    assert len(list(read_frames(tmp_path, None, report))) == 2
    assert [(file, line) for file, line, _ in report.skipped] == [
        ("recording-1.jsonl.gz", 2),
        ("recording.jsonl", 1),
    ]
    assert report.summary() == "2 frames; 2 skipped: 2 bad recording line"


def test_unreadable_sources_raise_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file or folder"):
        read_frames(tmp_path / "missing.jsonl", None, ImportReport())
    with pytest.raises(SourceError, match="no recording segments in this folder"):
        read_frames(tmp_path, None, ImportReport())
    odd = tmp_path / "odd.txt"
    odd.write_text("hello\nworld\n")
    with pytest.raises(SourceError, match="cannot tell the format") as caught:
        read_frames(odd, None, ImportReport())
    assert "\n" not in str(caught.value)


# --- detection ------------------------------------------------------------
def test_detect_the_three_formats(tmp_path: Path) -> None:
    assert detect_format(RECORDING) == "recording"
    assert detect_format(EVENTLOG) == "eventlog"
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps(json.loads(EVENTLOG.read_text()), indent=4))
    assert detect_format(pretty) == "eventlog"
    lines = tmp_path / "events.jsonl"
    lines.write_text("\n".join(json.dumps(e) for e in json.loads(EVENTLOG.read_text())))
    assert detect_format(lines) == "eventlog"
    log = tmp_path / "csms.log"
    log.write_text("starting\n[main] INFO ready\n" + OCPPJ_LINE)
    assert detect_format(log) == "ocppj"
    bracketed = tmp_path / "bracketed.log"
    bracketed.write_text('[2024-05-01 10:00:00] CP-1 -> [2,"1","Heartbeat",{}]\n')
    assert detect_format(bracketed) == "ocppj"
    gz = write_gzip(tmp_path / "events.bin", EVENTLOG.read_bytes())
    assert detect_format(gz) == "eventlog"
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert detect_format(empty) == "recording"


def test_forced_format_overrides_detection(tmp_path: Path) -> None:
    log = tmp_path / "CP-9.log"
    log.write_text('{"note": "a JSON line first"}\n2024-05-01T10:00:00Z [2,"1","Heartbeat",{}]\n')
    report = ImportReport()
    [only] = list(read_frames(log, "ocppj", report))
    assert only.station == "CP-9"  # the file's stem
    assert report.format == "ocppj"
    assert report.not_frames == 1
    with pytest.raises(SourceError, match="unknown format"):
        read_frames(log, "csv", ImportReport())


# --- the report -----------------------------------------------------------
def test_summary_counts_reasons_and_noise(tmp_path: Path) -> None:
    report = ImportReport(frames=1234)
    report.skip(3, "bad JSON", "x")
    report.skip(9, "unknown messageType", "'Foo'")
    report.skip(12, "bad JSON")
    report.skip(14, "not a frame")
    assert report.summary() == (
        "1,234 frames; 3 skipped: 2 bad JSON, 1 unknown messageType; 1 line not frames"
    )
    assert report.records == 1238
    assert [line for _, line, _ in report.skipped] == [3, 9, 12]
    assert report.skipped[0][2] == "bad JSON: x"


def test_skips_past_the_listing_limit_are_still_counted() -> None:
    report = ImportReport()
    for line in range(1, 1500):
        report.skip(line, "bad JSON")
    assert len(report.skipped) == 1000
    assert report.skipped_count == 1499


def test_bytes_read_reach_the_size_on_disk(tmp_path: Path) -> None:
    gz = tmp_path / "copy.jsonl.gz"
    with RECORDING.open("rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    for path in (RECORDING, gz, EVENTLOG):
        report = ImportReport()
        frames = read_frames(path, None, report)
        assert report.source_bytes == path.stat().st_size
        assert report.bytes_read == 0
        assert sum(1 for _ in frames) == report.frames > 0
        assert report.bytes_read == report.source_bytes
