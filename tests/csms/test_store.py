"""The store (atomic TinyDB, its command journal, its transaction ids) and the recording."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ocppdeck.core.csms import transaction_ids
from ocppdeck.core.csms.store import IdTag, Store
from ocppdeck.core.csms.transaction_ids import BLOCK as TX_ID_BLOCK
from ocppdeck.core.csms.transaction_ids import NoTransactionId
from ocppdeck.core.disk import files
from ocppdeck.core.disk.files import write_atomic
from ocppdeck.core.disk.formats import ImportReport
from ocppdeck.core.disk.health import Part
from ocppdeck.core.disk.recording import Recorder
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from tests.helpers.disk_full import FullDisk
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

    monkeypatch.setattr(files.os, "replace", broken_replace)
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

    monkeypatch.setattr(files.os, "replace", broken_replace)
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


def test_a_transaction_id_is_on_disk_before_it_is_handed_out(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.json")
    try:
        tx_id = store.next_transaction_id()
        reserved = json.loads((tmp_path / "transaction-ids.json").read_text())["reserved"]
        assert reserved >= tx_id  # a kill -9 now: the next run starts past it
    finally:
        store.close()


def test_a_full_disk_spends_the_reserved_ids_then_refuses_and_never_reuses_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The full disk is an ENOSPC injected at the file layer (tests/helpers/disk_full.py)."""
    monkeypatch.setattr(transaction_ids, "BLOCK", 4)
    path = tmp_path / "store.json"
    disk = FullDisk(monkeypatch)
    store = Store(path)
    handed_out = [store.next_transaction_id()]  # reserves 1-4
    disk.full = True
    handed_out += [store.next_transaction_id() for _ in range(3)]  # 2-4, from memory
    with pytest.raises(NoTransactionId, match="No space left on device"):
        store.next_transaction_id()
    assert store.health.failing(Part.TRANSACTION_IDS)
    crashed = Store(path)  # a kill -9 with the disk still full: nothing new is reserved
    with pytest.raises(NoTransactionId):
        crashed.next_transaction_id()
    disk.full = False
    after = Store(path)
    try:
        handed_out += [after.next_transaction_id() for _ in range(6)]
    finally:
        after.close()
    assert handed_out == sorted(set(handed_out))  # every id once, in order
    assert not after.health.failing(Part.TRANSACTION_IDS)


def test_an_older_data_dirs_counter_is_respected(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    path.write_text(json.dumps({"counters": {"1": {"name": "transaction_id", "reserved": 500}}}))
    store = Store(path)
    try:
        assert store.next_transaction_id() == 501
    finally:
        store.close()


# --- commands: on disk before `add_command` returns --------------------------------
def test_a_command_is_on_disk_before_add_command_returns(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    store = Store(path)
    record = {"station": "CP1", "action": "Reset", "state": "queued"}
    command_id = store.add_command(record)
    # A kill -9 now: no store flush ever happened, yet the next run has the command.
    crashed_and_restarted = Store(path)
    try:
        assert crashed_and_restarted.commands() == [{**record, "id": command_id}]
        assert crashed_and_restarted.add_command(record) == command_id + 1
    finally:
        crashed_and_restarted.close()


def test_the_journal_empties_once_the_store_holds_its_commands(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    store = Store(path)
    ids = [store.add_command({"station": "CP1", "state": "queued"}) for _ in range(3)]
    assert (tmp_path / "store-journal.jsonl").stat().st_size > 0
    store.flush()
    assert (tmp_path / "store-journal.jsonl").stat().st_size == 0
    store.update_command(ids[0], state="answered", finished_at=1.0)
    store.close()
    again = Store(path)
    try:
        assert [(r["id"], r["state"]) for r in again.commands()] == [
            (ids[0], "answered"),
            (ids[1], "queued"),
            (ids[2], "queued"),
        ]
    finally:
        again.close()


def test_a_command_the_disk_refuses_is_not_queued(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The full disk is an ENOSPC injected at the file layer (tests/helpers/disk_full.py)."""
    path = tmp_path / "store.json"
    disk = FullDisk(monkeypatch)
    store = Store(path)
    kept = store.add_command({"station": "CP1", "action": "Reset", "state": "queued"})
    disk.full = True
    with pytest.raises(OSError, match="No space left"):
        store.add_command({"station": "CP1", "action": "Unlock", "state": "queued"})
    assert [r["id"] for r in store.commands()] == [kept]
    assert store.health.failing(Part.COMMAND_JOURNAL)
    disk.full = False
    later = store.add_command({"station": "CP1", "action": "Unlock", "state": "queued"})
    assert not store.health.failing(Part.COMMAND_JOURNAL)
    restarted = Store(path)  # without a flush: both come back from the journal
    try:
        assert [r["id"] for r in restarted.commands()] == [kept, later]
    finally:
        restarted.close()


def test_a_journal_line_torn_by_a_kill_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    store = Store(path)
    whole = store.add_command({"station": "CP1", "action": "Reset", "state": "queued"})
    with open(tmp_path / "store-journal.jsonl", "ab") as fh:
        fh.write(b'\n{"id":2,"command":{"station":"CP1","act')  # killed mid-write
    restarted = Store(path)
    try:
        assert [r["id"] for r in restarted.commands()] == [whole]
        # The next command's line starts on a line of its own, after the torn one.
        third = restarted.add_command({"station": "CP1", "action": "Unlock", "state": "queued"})
    finally:
        restarted.close()
    final = Store(path)
    try:
        assert [r["id"] for r in final.commands()] == [whole, third]
    finally:
        final.close()


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

    monkeypatch.setattr(files, "write_atomic", disk_full)
    with pytest.raises(OSError):
        store.write(pending)
    monkeypatch.undo()
    store.flush()  # the change is still pending, so this writes it
    assert Store(path).id_tag("TAG-RETRY") is not None
