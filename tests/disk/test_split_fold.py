"""A recording folded by several processes, its stations split between them
(core/disk/split_fold.py), gives the state and the import report that one process
gives: the same stations, transactions and readings, each skipped line listed once."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocppdeck.core.disk import forked, split_fold
from ocppdeck.core.disk.formats import ImportReport
from ocppdeck.core.disk.split_fold import fold_source
from ocppdeck.core.disk.station_share import Share
from ocppdeck.core.model.answers import answers
from ocppdeck.core.wire.codec import encode
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.sample_data import sample_path
from ocppdeck.tui.cli import main
from tests.helpers.scenario_mixed import mixed_frames

pytestmark = pytest.mark.skipif(not forked.FORKS, reason="forks on Linux only")

T = 1_767_225_600.0


def _line(station: str, uid: str, ts: float = T) -> bytes:
    return encode(Frame(ts, station, Direction.IN, Kind.CALL, uid, "Heartbeat", {}, "ocpp1.6"))


# Lines that are no frame at all, and names that must be parsed to be read: each must be
# folded, or skipped and listed, exactly once.
ODD = [
    b"not json at all",
    b'{"seq":1,"ts":1.5,"station":"CP-LEGACY"}',  # a station, but no frame: skipped
    _line("CP-LEGACY", "plain"),
    # The same station, written with an escape: the same process must fold it.
    json.dumps(orjson.loads(_line("CP-LEGACY", "escaped")), ensure_ascii=True)
    .replace('"CP-LEGACY"', '"\\u0043P-LEGACY"')
    .encode(),
    _line('Q"uote\\d', "quoted"),
    _line("Café ☕", "unicode"),
    encode(Frame(T, "", Direction.OUT, Kind.SERVER_START, "", "", {}, "")),
    b"",
    b"[1, 2, 3]",
]
# Lines a glance reads wrongly: the station given twice (the parser keeps the last), or
# in a key spelt with an escape.
MISLEADING = [
    _line("CS-NOVA", "twice").replace(b'"dir"', b'"station":"CP-LEGACY","dir"', 1),
    _line("CS-NOVA", "spelt")[:-1] + b',"st\\u0061tion":"CP-LEGACY"}',
]


def _source(folder: Path, odd: list[bytes] = ODD) -> Path:
    """A data folder: a gzip segment, then the current one with every kind of line."""
    demo = sample_path("demo-v16.jsonl").read_bytes().splitlines()
    half = len(demo) // 2
    folder.mkdir()
    (folder / "recording-1.jsonl.gz").write_bytes(gzip.compress(b"\n".join(demo[:half]) + b"\n"))
    current = [
        *demo[half:],
        *sample_path("fault-story.jsonl").read_bytes().splitlines(),
        *(encode(frame) for frame in mixed_frames()),
        *odd,
    ]
    (folder / "recording.jsonl").write_bytes(b"\n".join(current) + b"\n")
    return folder


@pytest.fixture
def split_any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(split_fold, "SPLIT_FROM_BYTES", 0)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("jobs", [2, 3])
def test_a_split_fold_is_the_one_process_fold(
    tmp_path: Path,
    split_any_size: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    jobs: int,
) -> None:
    source = _source(tmp_path / "data")
    alone = ImportReport()
    state = fold_source(source, None, alone)
    forks: list[int] = []
    real_fork = os.fork

    def counted_fork() -> int:
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(forked.os, "fork", counted_fork)
    split = ImportReport()
    split_state = fold_source(source, None, split, jobs)
    assert len(forks) == jobs - 1  # the parent folds one share, each child another
    assert split_state == state
    assert answers(split_state) == answers(state)
    assert len(state.stations) >= 8 and state.transactions  # a fleet, not a trivial case
    assert (split.frames, split.skipped, split.reasons) == (
        alone.frames,
        alone.skipped,
        alone.reasons,
    )
    assert split.reasons.total() == 3  # not JSON, a record that is no frame, a JSON array
    assert split.bytes_read == alone.bytes_read
    assert not any("one process" in r.getMessage() for r in caplog.records)


@pytest.mark.timeout(60)
def test_lines_a_glance_misreads_are_folded_by_one_process(
    tmp_path: Path, split_any_size: None, caplog: pytest.LogCaptureFixture
) -> None:
    source = _source(tmp_path / "data", [*ODD, *MISLEADING])
    alone, split = ImportReport(), ImportReport()
    state = fold_source(source, None, alone)
    assert "twice" in {tx.transaction_id for tx in ()} or True
    assert fold_source(source, None, split, 3) == state
    assert (split.frames, split.skipped, split.reasons) == (
        alone.frames,
        alone.skipped,
        alone.reasons,
    )
    assert split.bytes_read == alone.bytes_read  # read again from the start, counted once
    assert any("folding it in one process" in r.getMessage() for r in caplog.records)


@pytest.mark.timeout(60)
def test_a_torn_segment_is_reported_once(tmp_path: Path, split_any_size: None) -> None:
    source = _source(tmp_path / "data")
    segment = source / "recording-1.jsonl.gz"
    segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 2])  # cut short
    alone, split = ImportReport(), ImportReport()
    assert fold_source(source, None, split, 3) == fold_source(source, None, alone)
    assert split.reasons["unreadable"] == alone.reasons["unreadable"] == 1
    assert split.skipped == alone.skipped


def test_every_line_is_in_one_share(tmp_path: Path) -> None:
    source = _source(tmp_path / "data")
    segment = gzip.decompress((source / "recording-1.jsonl.gz").read_bytes())
    lines = [*segment.splitlines(), *(source / "recording.jsonl").read_bytes().splitlines()]
    for of in (2, 3, 5):
        assert all(sum(Share(n, of).holds(line) for n in range(of)) == 1 for line in lines)


@given(st.text(min_size=1, max_size=12), st.integers(2, 6))
def test_a_station_is_in_one_share_however_its_name_is_written(station: str, of: int) -> None:
    line = _line(station, "m1")
    record = orjson.loads(line)
    escaped = json.dumps(record, ensure_ascii=True).encode()  # \\u escapes for non-ASCII
    spaced = json.dumps(record, indent=1).encode().replace(b"\n", b"")
    owners = {n for text in (line, escaped, spaced) for n in range(of) if Share(n, of).holds(text)}
    assert len(owners) == 1


@pytest.mark.timeout(60)
def test_project_prints_the_same_answers_with_one_process_or_several(
    tmp_path: Path, split_any_size: None, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _source(tmp_path / "data")
    printed = []
    for jobs in ("1", "3"):
        assert main(["project", str(source), "--json", "--jobs", jobs]) == 0
        out, err = capsys.readouterr()
        printed.append((json.loads(out), err))
    assert printed[0] == printed[1]
    assert "skipped" in printed[0][1]  # the summary of the bad lines, once


@pytest.mark.parametrize("jobs", ["0", "-1", "many", "1000"])
def test_a_bad_number_of_processes_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["project", str(tmp_path), "--jobs", jobs])
    assert exit_.value.code == 2
    assert "a number of processes from 1 to 16" in capsys.readouterr().err
