"""`ocppdeck report`: the four tables of the shipped fault story, JSON and CSV, and bad
input handled as everywhere else (a bad line skipped and counted, a missing source exit 2,
an empty one an empty report that says so)."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from ocppdeck.core.report.tables import COLUMNS
from ocppdeck.sample_data import sample_path
from ocppdeck.tui.cli import main

STORY = sample_path("fault-story.jsonl")


def report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[dict[str, Any], str]:
    assert main(["report", *args]) == 0
    out, err = capsys.readouterr()
    return json.loads(out), err


def test_the_fault_story_reports_its_session_faults_and_schema_violation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc, err = report(capsys, str(STORY))
    assert "fault-story.jsonl (recording): 53 frames; none skipped" in err
    tables = doc["tables"]
    (session,) = tables["sessions"]
    assert session == {
        "station": "CP-FAULT",
        "evse": 1,
        "transactionId": "1",
        "idTag": "TAG-GOOD",
        "start": "2025-06-01T08:01:02.000Z",
        "stop": "2025-06-01T08:07:43.000Z",
        "durationS": 401.0,
        "energyKwh": 0.7,  # meterStop 10700 less meterStart 10000 Wh
        "peakPowerKw": None,
        "stopReason": "Reboot",
        "completed": True,
        "cost": None,  # 1.6: no cost is told
    }
    assert tables["sessionsByDay"] == [
        {
            "day": "2025-06-01",
            "sessions": 1,
            "completed": 1,
            "energyKwh": 0.7,
            "energyInProgressKwh": 0.0,
            "durationS": 401.0,
        }
    ]
    faults = {(x["kind"], x["code"]): x for x in tables["faults"]}
    assert set(faults) == {
        ("fault-status", "GroundFailure"),
        ("callerror-by-csms", "FormatViolation"),
        ("reboot-in-transaction", ""),
        ("auth-rejected", "Blocked"),
        ("auth-rejected", "Invalid"),
    }
    ground = faults[("fault-status", "GroundFailure")]
    # Faulted at 08:05:00 on connector 2, Available again at 08:07:42.
    assert (ground["evse"], ground["at"], ground["until"]) == (
        2,
        "2025-06-01T08:05:00.000Z",
        "2025-06-01T08:07:42.000Z",
    )
    assert ground["durationS"] == 162.0
    reboot = faults[("reboot-in-transaction", "")]
    assert (reboot["transactionId"], reboot["at"]) == ("1", "2025-06-01T08:07:40.000Z")
    assert faults[("auth-rejected", "Invalid")]["detail"] == "TAG-STOLEN (Authorize)"
    assert "Heartbeat" in faults[("callerror-by-csms", "FormatViolation")]["detail"]
    (finding,) = doc["tables"]["compliance"]
    assert (finding["station"], finding["action"], finding["check"]) == (
        "CP-FAULT",
        "Heartbeat",
        "schema",
    )
    assert (finding["subject"], finding["count"]) == ("unexpected", 1)
    (link,) = tables["connections"]
    assert (link["connects"], link["disconnects"], link["reconnectLoops"]) == (2, 2, 0)
    assert link["longestSilenceS"] == 240.0  # 08:11:00 to the Heartbeat at 08:15:00
    assert doc["summary"] == {
        "stations": 1,
        "sessions": 1,
        "completedSessions": 1,
        "energyKwh": 0.7,
        "faults": 5,
        "complianceFindings": 1,
    }


def test_csv_writes_one_file_per_table_with_the_json_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc, _ = report(capsys, str(STORY))
    out = tmp_path / "tables"
    assert main(["report", str(STORY), "--format", "csv", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{name}.csv" for name in COLUMNS)
    for name, columns in COLUMNS.items():
        with (out / f"{name}.csv").open(newline="") as fh:
            rows = list(csv.reader(fh))
        assert tuple(rows[0]) == columns
        assert len(rows) - 1 == len(doc["tables"][name])
    with (out / "faults.csv").open(newline="") as fh:
        kinds = {row["kind"] for row in csv.DictReader(fh)}
    assert "reboot-in-transaction" in kinds


def test_csv_without_a_folder_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(STORY), "--format", "csv"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_gzip_and_a_folder_of_segments_report_as_the_plain_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain, _ = report(capsys, str(STORY))
    packed = tmp_path / "story"  # no suffix: gzip is told from the bytes
    packed.write_bytes(gzip.compress(STORY.read_bytes()))
    folder = tmp_path / "data"
    folder.mkdir()
    lines = STORY.read_bytes().splitlines(keepends=True)
    (folder / "recording-1.jsonl.gz").write_bytes(gzip.compress(b"".join(lines[:20])))
    (folder / "recording.jsonl").write_bytes(b"".join(lines[20:]))
    for source in (packed, folder):
        doc, _ = report(capsys, str(source))
        assert doc["tables"] == plain["tables"]


def test_the_live_data_dir_is_the_default_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(STORY, tmp_path / "recording.jsonl")
    doc, _ = report(capsys, "--data-dir", str(tmp_path))
    assert doc["source"]["path"] == str(tmp_path)
    assert doc["summary"]["sessions"] == 1


def test_a_bad_line_is_counted_and_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = STORY.read_text().splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join([*lines[:10], "{not json", *lines[10:]]) + "\n")
    doc, err = report(capsys, str(broken))
    assert "53 frames; 1 skipped: 1 bad recording line" in err
    assert (doc["source"]["frames"], doc["source"]["skipped"]) == (53, 1)
    assert doc["summary"]["sessions"] == 1


def test_a_missing_file_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "/no/such/recording.jsonl"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "ocppdeck: /no/such/recording.jsonl: no such file or folder\n"


def test_an_empty_source_gives_an_empty_report_that_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    doc, err = report(capsys, str(empty))
    assert (doc["empty"], doc["note"]) == (True, "no frames in this source")
    assert all(rows == [] for rows in doc["tables"].values())
    assert "empty report: no frames in this source" in err
