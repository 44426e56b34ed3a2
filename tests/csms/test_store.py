"""The store (atomic TinyDB) and the append-only recording."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ocppdeck.core.csms import store as store_module
from ocppdeck.core.csms.store import TX_ID_BLOCK, IdTag, Store, write_atomic
from ocppdeck.core.disk.formats import ImportReport
from ocppdeck.core.disk.recording import Recorder
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from tests.helpers.folded import recorded, write

TS = 1_700_000_000.0


def heartbeat(seq: int) -> Frame:
    return Frame(
        TS + seq, "CP1", Direction.IN, Kind.CALL, f"u{seq}", "Heartbeat", {}, "ocpp1.6", "", seq
    )


# --- store ----------------------------------------------------------------
def test_data_survives_close_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    store = Store(path)
    store.put_id_tag(IdTag("TAG-1", parent="GROUP"))
    record = {"station": "CP1", "action": "Reset", "state": "queued"}
    command_id = store.add_command(record)
    store.close()

    again = Store(path)
    try:
        assert again.id_tag("TAG-1") == IdTag("TAG-1", "Accepted", "GROUP")
        assert again.commands() == [{**record, "id": command_id}]
    finally:
        again.close()


def test_nothing_is_written_until_flushed(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    store = Store(path)
    store.put_id_tag(IdTag("TAG-1"))
    assert not path.exists()
    store.flush()
    assert json.loads(path.read_text())["id_tags"]
    mtime = path.stat().st_mtime_ns
    store.flush()  # nothing changed: no rewrite
    assert path.stat().st_mtime_ns == mtime
    store.close()


def test_id_tags_put_get_and_replace(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.json")
    try:
        assert store.id_tag("NOPE") is None
        store.put_id_tag(IdTag("A"))
        store.put_id_tag(IdTag("B", "Blocked", parent="P", expiry="2030-01-01T00:00:00Z"))
        assert store.id_tag("B") == IdTag("B", "Blocked", "P", "2030-01-01T00:00:00Z")
        store.put_id_tag(IdTag("A", "Expired"))
        assert store.id_tag("A") == IdTag("A", "Expired")
        assert sorted(t.tag for t in store.id_tags()) == ["A", "B"]
    finally:
        store.close()


def test_write_atomic_failure_leaves_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "store.json"
    write_atomic(path, b'{"old": true}')

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk pulled out")

    monkeypatch.setattr(store_module.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk pulled out"):
        write_atomic(path, b'{"new": true}')
    assert path.read_bytes() == b'{"old": true}'
    assert os.listdir(tmp_path) == ["store.json"]


def test_store_flush_failure_keeps_last_good_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "store.json"
    store = Store(path)
    store.put_id_tag(IdTag("GOOD"))
    store.flush()
    store.put_id_tag(IdTag("LATER"))

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("crash")

    monkeypatch.setattr(store_module.os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.flush()
    monkeypatch.undo()
    reopened = Store(path)
    try:
        assert reopened.id_tag("GOOD") is not None
        assert reopened.id_tag("LATER") is None
    finally:
        reopened.close()
    assert sorted(os.listdir(tmp_path)) == ["store.json"]


def test_transaction_ids_strictly_increase(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.json")
    try:
        ids = [store.next_transaction_id() for _ in range(TX_ID_BLOCK + 5)]
    finally:
        store.close()
    assert ids == sorted(set(ids))
    assert ids[0] >= 1


def test_transaction_ids_never_reused_after_a_crash(tmp_path: Path) -> None:
    """Ids are handed out, the process dies without close(); the next run starts past them."""
    path = tmp_path / "store.json"
    handed_out: list[int] = []
    for _run in range(3):
        crashed = Store(path)  # never closed or flushed by the test: a crash
        handed_out += [crashed.next_transaction_id() for _ in range(TX_ID_BLOCK + 3)]
        del crashed
    assert len(set(handed_out)) == len(handed_out)
    assert handed_out == sorted(handed_out)
    survivor = Store(path)
    try:
        assert survivor.next_transaction_id() > max(handed_out)
    finally:
        survivor.close()


def test_ids_continue_after_a_clean_close(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    first = Store(path)
    taken = [first.next_transaction_id() for _ in range(3)]
    first.close()
    second = Store(path)
    try:
        assert second.next_transaction_id() > max(taken)
    finally:
        second.close()


# --- recording ------------------------------------------------------------
def test_recording_round_trips_frames(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    recorder = Recorder(path)
    frames = [heartbeat(1), heartbeat(2), heartbeat(3)]
    for frame in frames:
        write(recorder, frame)
    recorder.close()
    report = ImportReport()
    assert recorded(path, report) == frames
    assert (report.frames, report.skipped) == (3, [])


def test_each_frame_reaches_the_file_before_write_returns(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    recorder = Recorder(path)
    try:
        write(recorder, heartbeat(1))
        assert len(recorded(path)) == 1
        write(recorder, heartbeat(2))
        assert [f.seq for f in recorded(path)] == [1, 2]
    finally:
        recorder.close()


def test_torn_last_line_is_skipped_with_its_line_number(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    recorder = Recorder(path)
    write(recorder, heartbeat(1))
    write(recorder, heartbeat(2))
    recorder.close()
    with open(path, "ab") as fh:
        fh.write(b'{"seq":3,"ts":1700000003.0,"station":"CP1","di')  # killed mid-write
    report = ImportReport()
    frames = recorded(path, report)
    assert [f.seq for f in frames] == [1, 2]
    assert report.frames == 2
    assert [line for _file, line, _why in report.skipped] == [3]


def test_recorder_reopened_on_torn_tail_starts_a_fresh_line(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    recorder = Recorder(path)
    write(recorder, heartbeat(1))
    recorder.close()
    with open(path, "ab") as fh:
        fh.write(b'{"seq":2,"ts":17000')
    recorder = Recorder(path)
    write(recorder, heartbeat(3))
    recorder.close()
    report = ImportReport()
    frames = recorded(path, report)
    assert [f.seq for f in frames] == [1, 3]
    assert [line for _file, line, _why in report.skipped] == [2]


def test_recorder_reopened_on_clean_file_adds_no_blank_line(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    for seq in (1, 2):
        recorder = Recorder(path)
        write(recorder, heartbeat(seq))
        recorder.close()
    assert path.read_bytes().count(b"\n") == 2
    assert [f.seq for f in recorded(path)] == [1, 2]


def test_a_failed_write_stays_pending_and_is_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "store.json"
    store = Store(path)
    store.put_id_tag(IdTag("TAG-RETRY"))
    pending = store.pending_write()
    assert pending is not None

    def disk_full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("ocppdeck.core.csms.store.write_atomic", disk_full)
    with pytest.raises(OSError):
        store.write(pending)
    monkeypatch.undo()
    store.flush()  # the change is still pending, so this writes it
    assert Store(path).id_tag("TAG-RETRY") is not None
