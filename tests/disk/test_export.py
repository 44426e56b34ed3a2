"""Frame export: JSONL that reads back as a recording, CSV a spreadsheet opens safely, and
a file that appears whole or not at all."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ocppdeck.core.disk.export import (
    CSV_COLUMNS,
    ExportError,
    ExportRow,
    TargetExists,
    export_frames,
)
from ocppdeck.core.disk.formats import ImportReport, detect_format, read_frames
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.sample_data import sample_path
from tests.helpers.disk_full import FullDisk

T0 = 1_748_764_800.0  # 2025-06-01T08:00:00Z


def story() -> list[Frame]:
    return list(read_frames(sample_path("fault-story.jsonl"), None, ImportReport()))


def rows(frames: list[Frame]) -> list[ExportRow]:
    return [ExportRow(f) for f in frames]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
        return list(reader)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_jsonl_reads_back_as_the_same_frames_through_the_recording_reader(
    tmp_path: Path,
) -> None:
    frames = story()
    target = tmp_path / "out.jsonl"
    seen: list[tuple[int, int]] = []
    written = export_frames(
        target, rows(frames), len(frames), progress=lambda d, t: seen.append((d, t)), chunk=20
    )
    assert written == len(frames) == 53
    assert detect_format(target) == "recording"
    report = ImportReport()
    assert list(read_frames(target, None, report)) == frames
    assert report.skipped_count == 0
    # Chunked: told before the first chunk and after each, up to the whole.
    assert seen == [(0, 53), (20, 53), (40, 53), (53, 53)]
    assert leftovers(tmp_path) == ["out.jsonl"]


def test_csv_holds_one_row_a_frame_with_readable_cells(tmp_path: Path) -> None:
    frames = story()
    by_uid = {f.unique_id: f.action for f in frames if f.kind is Kind.CALL}
    export_rows = [
        ExportRow(f, by_uid.get(f.unique_id, "") if f.kind in (Kind.RESULT, Kind.ERROR) else "")
        for f in frames
    ]
    target = tmp_path / "out.csv"
    export_frames(target, export_rows, len(export_rows))
    read = read_csv(target)
    assert len(read) == 53
    boot, booted = read[2], read[3]
    assert boot["time"] == "2025-06-01T08:00:01.000Z"
    assert (boot["station"], boot["direction"], boot["kind"]) == ("CP-FAULT", "in", "CALL")
    assert (boot["message_id"], boot["action"], boot["frame"]) == ("st-1", "BootNotification", "3")
    assert json.loads(boot["payload"]) == frames[2].payload
    assert " " not in boot["payload"]  # compact
    assert (booted["kind"], booted["action"]) == ("CALLRESULT", "BootNotification")
    [error] = [r for r in read if r["kind"] == "CALLERROR"]
    assert (error["action"], error["error_code"]) == ("Heartbeat", "FormatViolation")
    assert error["text"] == frames[29].text
    assert read[1]["kind"] == "CONNECTED" and read[1]["text"] == "from 127.0.0.1:46626"


def test_csv_cells_a_station_chose_never_start_a_formula(tmp_path: Path) -> None:
    hostile = Frame(
        T0,
        '=HYPERLINK("http://x")',
        Direction.IN,
        Kind.ERROR,
        "+1",
        "@SUM(A1)",
        -5,
        "-cmd",
        "\tlead",
    )
    plain = Frame(T0, "CP-1", Direction.IN, Kind.CALL, "m1", "Heartbeat", {}, "ocpp1.6")
    target = tmp_path / "out.csv"
    export_frames(target, [ExportRow(hostile, "=1+1"), ExportRow(plain)], 2)
    bad, good = read_csv(target)
    for column in ("station", "message_id", "action", "error_code", "payload", "text"):
        assert bad[column][0] == "'", column
    assert bad["station"] == '\'=HYPERLINK("http://x")'  # kept whole after the quote
    assert bad["payload"] == "'-5"
    assert bad["protocol"] == "'-cmd"
    assert (good["station"], good["message_id"], good["action"]) == ("CP-1", "m1", "Heartbeat")


def test_a_full_disk_leaves_no_file_and_says_why_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    FullDisk(monkeypatch).full = True
    frames = story()
    with pytest.raises(ExportError) as caught:
        export_frames(tmp_path / "out.jsonl", rows(frames), len(frames))
    assert "No space left on device" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert leftovers(tmp_path) == []


def test_a_failure_midway_keeps_the_old_file_and_leaves_no_partial_one(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("the old export\n")
    frames = story()

    def failing() -> Iterator[ExportRow]:
        yield from rows(frames[:30])
        raise RuntimeError("the source went away")

    with pytest.raises(RuntimeError):
        export_frames(target, failing(), len(frames), overwrite=True, chunk=10)
    assert target.read_text() == "the old export\n"
    assert leftovers(tmp_path) == ["out.csv"]


def test_an_existing_file_is_replaced_only_when_asked(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("keep me\n")
    frames = story()
    with pytest.raises(TargetExists):
        export_frames(target, rows(frames), len(frames))
    assert target.read_text() == "keep me\n"
    assert export_frames(target, rows(frames), len(frames), overwrite=True) == 53
    assert list(read_frames(target, None, ImportReport())) == frames


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("out.txt", "name a .jsonl file"),
        ("missing/out.csv", "no such folder"),
        ("folder.csv", "is a folder"),
    ],
)
def test_a_target_that_cannot_be_written_is_refused_and_nothing_is_left(
    tmp_path: Path, name: str, why: str
) -> None:
    (tmp_path / "folder.csv").mkdir()
    frames = story()
    with pytest.raises(ExportError, match=why):
        export_frames(tmp_path / name, rows(frames), len(frames))
    assert leftovers(tmp_path) == ["folder.csv"]
    assert list((tmp_path / "folder.csv").iterdir()) == []
