"""`ocppdeck redact IN OUT`: what it hides, what it keeps, and that the result is still a
recording that projects and replays as the original did, up to the renaming."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from ocpp.messages import MessageType

from ocppdeck.core.csms.validators import is_valid
from ocppdeck.core.dialects import dialect
from ocppdeck.core.disk.formats import ImportReport, detect_format, read_frames
from ocppdeck.core.disk.pseudonyms import Pseudonyms, Secret
from ocppdeck.core.disk.redact import Redactor
from ocppdeck.core.replay.player import Player
from ocppdeck.core.report.build import build_report
from ocppdeck.core.report.tables import tables
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.sample_data import sample_path
from ocppdeck.tui.cli import main
from tests.helpers.scenario_mixed import mixed_frames
from tests.helpers.secret_frames import (
    MALFORMED_TAG,
    SECRETS,
    STATION_16,
    TAG_16,
    secret_frames,
    write_recording,
)

KEY = "test-key-1"
SAMPLES = ("demo-v16.jsonl", "fault-story.jsonl", "eventlog-example.json")
# Payload fields that hold what redaction replaces; every other leaf must come through as is.
REDACTED_FIELDS = {
    "idTag", "parentIdTag", "idToken", "chargePointSerialNumber", "chargeBoxSerialNumber",
    "meterSerialNumber", "serialNumber", "iccid", "imsi", "location", "remoteLocation",
    "ocppCsmsUrl", "responderURL", "certificate", "certificateChain", "csr",
    "signingCertificate", "issuerNameHash", "issuerKeyHash", "data", "value", "attributeValue",
    "server", "user", "password", "key", "apnUserName", "apnPassword", "simPin", "stationId",
    "fileName", "ocpp_message",
}  # fmt: skip


def redact(source: Path, out: Path, *flags: str) -> int:
    return main(["redact", str(source), str(out), *flags])


def plain_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def frames_of(path: Path) -> list[Frame]:
    report = ImportReport()
    frames = list(read_frames(path, None, report))
    assert report.skipped_count == 0
    return frames


def secrets_file(tmp_path: Path) -> Path:
    return write_recording(tmp_path / "secrets.jsonl", secret_frames())


def identifiers(frames: list[Frame]) -> set[str]:
    """Station ids, id tags and serial numbers in frames, found without the redactor."""
    found = {frame.station for frame in frames if frame.station}

    def walk(node: Any, field: str = "") -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, key)
        elif isinstance(node, list):
            for item in node:
                walk(item, field)
        elif isinstance(node, str) and (
            field in {"idTag", "parentIdTag", "idToken", "stationId"}
            or field.endswith("SerialNumber")
        ):
            found.add(node)

    for frame in frames:
        walk(frame.payload)
    return found


# --- what is hidden ------------------------------------------------------------
def test_no_identifying_value_of_either_version_remains_in_the_output(tmp_path: Path) -> None:
    out = tmp_path / "shared.jsonl.gz"
    assert redact(secrets_file(tmp_path), out, "--key", KEY) == 0
    text = plain_bytes(out)
    assert out.read_bytes()[:2] == b"\x1f\x8b"  # gzip, as the name asks
    left = [secret for secret in SECRETS if secret.encode() in text]
    assert left == []
    assert b"BEGIN CERTIFICATE" in text  # certificates are replaced by PEM, not dropped


@pytest.mark.parametrize("name", SAMPLES)
def test_no_station_id_tag_or_serial_of_a_sample_remains(tmp_path: Path, name: str) -> None:
    source = sample_path(name)
    originals = identifiers(frames_of(source))
    assert len(originals) >= 3
    out = tmp_path / "shared.jsonl"
    assert redact(source, out, "--key", KEY) == 0
    text = out.read_bytes()
    assert [value for value in originals if value.encode() in text] == []
    assert b"127.0.0.1" not in text  # the peer address in connection notes


def test_a_plain_ocpp_j_log_in_gzip_and_a_data_folder_are_redacted_too(tmp_path: Path) -> None:
    log = tmp_path / "CP-SECRET-9.log.gz"
    lines = [
        '2025-06-01T08:00:00Z CP-SECRET-9 -> [2,"1","Authorize",{"idTag":"RFID-5551234"}]',
        '2025-06-01T08:00:01Z CP-SECRET-9 <- [3,"1",{"idTagInfo":{"status":"Accepted"}}]',
    ]
    log.write_bytes(gzip.compress("\n".join(lines).encode()))
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(sample_path("fault-story.jsonl"), folder / "recording.jsonl")
    for source, hidden in ((log, (b"CP-SECRET-9", b"RFID-5551234")), (folder, (b"CP-FAULT",))):
        out = tmp_path / f"{source.name}.redacted.jsonl"
        assert redact(source, out, "--key", KEY) == 0
        assert detect_format(out) == "recording"
        assert not any(value in out.read_bytes() for value in hidden)
        assert len(frames_of(out)) == len(frames_of(source))


def test_values_in_free_text_are_replaced_by_the_same_pseudonyms(tmp_path: Path) -> None:
    out = tmp_path / "shared.jsonl"
    assert redact(secrets_file(tmp_path), out, "--key", KEY) == 0
    names = Pseudonyms(KEY)
    tag, station = names.of(Secret.ID_TAG, TAG_16), names.of(Secret.STATION, STATION_16)
    frames = frames_of(out)
    error = next(frame for frame in frames if frame.kind is Kind.ERROR)
    assert error.text == f"idTag {tag} of {station}: payload is not valid"
    assert f'"idTag":"{tag}"' in error.payload["ocpp_message"]
    note = next(frame for frame in frames if frame.kind is Kind.AUTOMATION)
    assert note.text == f"auto-start: started {station} #1 with {tag}"
    malformed = next(frame for frame in frames if frame.kind is Kind.MALFORMED)
    assert names.of(Secret.ID_TAG, MALFORMED_TAG) in malformed.text
    connected = next(frame for frame in frames if frame.kind is Kind.CONNECTED)
    assert re.fullmatch(r"from 198\.1[89]\.\d+\.\d+:51234", connected.text)


# --- what is kept ----------------------------------------------------------------
def _differences(before: Any, after: Any, field: str = "") -> list[str]:
    """Fields whose values differ; AssertionError when the shapes differ."""
    if isinstance(before, dict) and field != "data":
        assert isinstance(after, dict) and list(after) == list(before)
        return [d for key in before for d in _differences(before[key], after[key], key)]
    if isinstance(before, list) and field != "data":
        assert isinstance(after, list) and len(after) == len(before)
        return [d for b, a in zip(before, after, strict=True) for d in _differences(b, a, field)]
    return [] if before == after else [field]


def test_only_identifying_fields_change_structure_meter_values_and_timings_do_not(
    tmp_path: Path,
) -> None:
    originals = secret_frames()
    out = tmp_path / "shared.jsonl"
    assert redact(write_recording(tmp_path / "in.jsonl", originals), out, "--key", KEY) == 0
    redacted = frames_of(out)
    assert len(redacted) == len(originals)
    changed: set[str] = set()
    for before, after in zip(originals, redacted, strict=True):
        same = ("ts", "direction", "kind", "unique_id", "action", "protocol")
        assert [getattr(after, a) for a in same] == [getattr(before, a) for a in same]
        changed.update(_differences(before.payload, after.payload))
        if before.kind in (Kind.CALL, Kind.RESULT) and "meterValue" in before.payload:
            assert after.payload["meterValue"] == before.payload["meterValue"]
    assert changed <= REDACTED_FIELDS
    assert {"idTag", "idToken", "serialNumber", "location", "attributeValue"} <= changed


def test_redacted_messages_still_fit_their_schemas(tmp_path: Path) -> None:
    originals = secret_frames()
    out = tmp_path / "shared.jsonl"
    assert redact(write_recording(tmp_path / "in.jsonl", originals), out, "--key", KEY) == 0
    actions: dict[str, str] = {}
    checked = 0
    for before, after in zip(originals, frames_of(out), strict=True):
        if before.kind is Kind.CALL:
            actions[before.unique_id] = before.action
        if before.kind not in (Kind.CALL, Kind.RESULT):
            continue
        kind = MessageType.Call if before.kind is Kind.CALL else MessageType.CallResult
        version = dialect(before.protocol).charge_point._ocpp_version
        action = actions[before.unique_id]
        if is_valid(kind, action, version, before.payload):
            assert is_valid(kind, action, version, after.payload), (action, after.payload)
            checked += 1
    assert checked == 50


# --- it still projects and replays -----------------------------------------------
def _renamed(answers: dict[str, Any], names: Pseudonyms) -> dict[str, Any]:
    """The original's answers as the redacted file should give them."""

    def station(sid: str) -> str:
        return names.of(Secret.STATION, sid)

    def tag(value: str | None) -> str | None:
        return names.of(Secret.ID_TAG, value) if value else value

    opened = [
        {**tx, "station": station(tx["station"]), "idTag": tag(tx["idTag"])}
        for tx in answers["openTransactions"]
    ]
    return {
        "stationCount": answers["stationCount"],
        "stations": {station(sid): value for sid, value in answers["stations"].items()},
        "openTransactions": _in_order(opened),
    }


def _in_order(transactions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(transactions, key=lambda tx: (tx["startedAt"] or "", tx["transactionId"]))


def _project(capsys: pytest.CaptureFixture[str], path: Path) -> dict[str, Any]:
    assert main(["project", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    result["openTransactions"] = _in_order(result["openTransactions"])
    return result


@pytest.mark.parametrize("name", [*SAMPLES, "secrets", "mixed versions"])
def test_the_redacted_file_projects_to_the_same_answers_up_to_the_renaming(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    if name == "secrets":
        source = secrets_file(tmp_path)
    elif name == "mixed versions":
        source = write_recording(tmp_path / "mixed.jsonl", mixed_frames())
    else:
        source = sample_path(name)
    out = tmp_path / "shared.jsonl.gz"
    assert redact(source, out, "--key", KEY) == 0
    original = _project(capsys, source)
    assert original["stationCount"] >= 1
    assert _project(capsys, out) == _renamed(original, Pseudonyms(KEY))


def test_the_redacted_recording_replays_through_the_same_marks(tmp_path: Path) -> None:
    source = sample_path("fault-story.jsonl")
    out = tmp_path / "shared.jsonl"
    assert redact(source, out, "--key", KEY) == 0
    original, redacted = Player(), Player()
    try:
        original.index(frames_of(source))
        redacted.index(frames_of(out))
        assert len(redacted) == len(original) == 53
        assert redacted.marks == original.marks
        assert len(original.marks) >= 5  # the fault, the CallError, the refused tags…
        redacted.seek(len(redacted))
        assert [tx.transaction_id for tx in redacted.projection.state.open_transactions()] == []
    finally:
        original.close()
        redacted.close()


# --- keys --------------------------------------------------------------------------
def test_the_same_key_gives_the_same_bytes_and_another_key_other_names(tmp_path: Path) -> None:
    source = secrets_file(tmp_path)
    first, again, other = (tmp_path / f"{n}.jsonl.gz" for n in ("first", "again", "other"))
    assert redact(source, first, "--key", KEY) == 0
    assert redact(source, again, "--key", KEY) == 0
    assert redact(source, other, "--key", "another key") == 0
    assert first.read_bytes() == again.read_bytes()
    stations = [{f.station for f in frames_of(path)} for path in (first, other)]
    assert len(stations[0]) == len(stations[1]) == 2
    assert stations[0].isdisjoint(stations[1])
    assert len(frames_of(other)) == len(frames_of(first))


def test_one_key_redacts_separate_files_alike(tmp_path: Path) -> None:
    lines = sample_path("demo-v16.jsonl").read_bytes().splitlines(keepends=True)
    halves = [tmp_path / "monday.jsonl", tmp_path / "tuesday.jsonl"]
    halves[0].write_bytes(b"".join(lines[:900]))
    halves[1].write_bytes(b"".join(lines[900:]))
    whole = tmp_path / "whole.jsonl"
    assert redact(sample_path("demo-v16.jsonl"), whole, "--key", KEY) == 0
    parts = []
    for half in halves:
        out = half.with_suffix(".redacted")
        assert redact(half, out, "--key", KEY) == 0
        parts.append(out.read_bytes())
    assert b"".join(parts) == whole.read_bytes()


def test_without_a_key_a_random_one_is_printed_and_redacts_the_same_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = secrets_file(tmp_path)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    assert redact(source, first) == 0
    printed = re.search(r"redaction key: (\S+)", capsys.readouterr().err)
    assert printed is not None
    # Given back exactly as printed, after --key: never taken for an option.
    assert re.fullmatch(r"[0-9a-f]{36}", printed.group(1))
    assert redact(source, second, "--key", printed.group(1)) == 0
    assert "redaction key" not in capsys.readouterr().err  # a given key is not echoed
    assert first.read_bytes() == second.read_bytes()
    assert redact(source, tmp_path / "third.jsonl") == 0
    assert (tmp_path / "third.jsonl").read_bytes() != first.read_bytes()


# --- bad input ---------------------------------------------------------------------
def test_bad_lines_are_counted_and_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = sample_path("fault-story.jsonl").read_bytes().splitlines(keepends=True)
    source = tmp_path / "torn.jsonl"
    source.write_bytes(b"".join([*lines[:10], b'{"seq": 11, "ts": \n', *lines[10:]]))
    out = tmp_path / "shared.jsonl"
    assert redact(source, out, "--key", KEY) == 0
    err = capsys.readouterr().err
    assert "53 frames; 1 skipped: 1 bad recording line" in err
    assert "torn.jsonl:11" in err
    assert len(frames_of(out)) == 53


def test_a_payload_nested_too_deep_to_write_is_counted_and_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = "[" * 600 + "]" * 600
    lines = [
        '2025-06-01T08:00:00Z CP-DEEP -> [2,"1","Heartbeat",{}]',
        f'2025-06-01T08:00:01Z CP-DEEP -> [2,"2","DataTransfer",{{"vendorId":"x","data":{deep}}}]',
        f'2025-06-01T08:00:02Z CP-DEEP -> [2,"3","Heartbeat",{{"nested":{deep}}}]',
    ]
    source = tmp_path / "deep.log"
    source.write_text("\n".join(lines))
    out = tmp_path / "shared.jsonl"
    assert redact(source, out, "--key", KEY) == 0
    assert "2 skipped: 2 nested too deep to redact" in capsys.readouterr().err
    assert [frame.unique_id for frame in frames_of(out)] == ["1"]


def test_a_missing_source_or_an_output_over_the_source_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert redact(tmp_path / "nope.jsonl", tmp_path / "out.jsonl") == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
    assert not (tmp_path / "out.jsonl").exists()
    source = tmp_path / "story.jsonl"
    shutil.copy(sample_path("fault-story.jsonl"), source)
    assert redact(source, source, "--key", KEY) == 2
    assert "is the source itself" in capsys.readouterr().err
    assert source.read_bytes() == sample_path("fault-story.jsonl").read_bytes()
    assert redact(source, tmp_path / "no-such-dir" / "out.jsonl") == 2
    assert capsys.readouterr().err.startswith(f"ocppdeck: {tmp_path}/no-such-dir/out.jsonl:")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["story.jsonl"]


def test_an_empty_source_gives_an_empty_recording(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "empty.jsonl"
    source.write_bytes(b"")
    out = tmp_path / "shared.jsonl"
    assert redact(source, out, "--key", KEY) == 0
    assert out.read_bytes() == b""
    assert "0 frames; none skipped" in capsys.readouterr().err


def test_a_numeric_id_tag_leaves_meter_values_and_timestamps_that_contain_it_alone() -> None:
    station, tag, at = "CP-NUMERIC", "2025", "2025-06-01T08:00:00.000Z"
    sample = {"value": tag, "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
    frames = [
        Frame(1.0, station, Direction.IN, Kind.CALL, "a", "Authorize", {"idTag": tag}, "ocpp1.6"),
        Frame(
            2.0,
            station,
            Direction.IN,
            Kind.CALL,
            "b",
            "MeterValues",
            {"connectorId": 1, "meterValue": [{"timestamp": at, "sampledValue": [sample]}]},
            "ocpp1.6",
        ),
        Frame(
            3.0,
            station,
            Direction.IN,
            Kind.CALL,
            "c",
            "StatusNotification",
            {
                "connectorId": 1,
                "errorCode": "OtherError",
                "status": "Faulted",
                "info": f"tag {tag}",
            },
            "ocpp1.6",
        ),
    ]
    redactor = Redactor(Pseudonyms(KEY))
    for frame in frames:
        redactor.learn(frame)
    authorize, metered, status = (redactor.redact(frame) for frame in frames)
    assert authorize.payload["idTag"] == Pseudonyms(KEY).of(Secret.ID_TAG, tag)
    assert metered.payload == frames[1].payload  # the reading "2025" and the time are kept
    assert status.payload["info"] == f"tag {authorize.payload['idTag']}"


def test_a_periodic_event_stream_keeps_its_readings() -> None:
    stream = {
        "id": 1,
        "pending": 0,
        "basetime": "2025-06-01T08:00:00Z",
        "data": [{"t": 1.5, "v": "7.2"}],
    }
    frame = Frame(
        1.0, "CP-STREAM", Direction.IN, Kind.CALL, "s", "NotifyPeriodicEventStream", stream
    )
    assert Redactor(Pseudonyms(KEY)).redact(frame).payload == stream


def _identifiers(frames: list[Frame], names: Pseudonyms) -> dict[str, str]:
    """Every station id and id tag of the frames, with the pseudonym redact gives it."""
    found: dict[str, str] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in ("idTag", "parentIdTag", "idToken") and isinstance(inner, str) and inner:
                    found[inner] = names.of(Secret.ID_TAG, inner)
                else:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    for frame in frames:
        if frame.station:
            found[frame.station] = names.of(Secret.STATION, frame.station)
        walk(frame.payload)
    return found


def _renamed_rows(rows: list[dict[str, Any]], renames: dict[str, str]) -> list[str]:
    """Rows with every identifier renamed, as sorted JSON (renaming changes the order)."""
    pattern = re.compile("|".join(rf"\b{re.escape(k)}\b" for k in sorted(renames, key=len)[::-1]))

    def rename(value: Any) -> Any:
        if isinstance(value, str):
            return pattern.sub(lambda m: renames[m.group(0)], value)
        return value

    return sorted(json.dumps({k: rename(v) for k, v in row.items()}) for row in rows)


@pytest.mark.parametrize("name", SAMPLES)
def test_the_redacted_file_gives_the_same_report_up_to_the_renaming(
    tmp_path: Path, name: str
) -> None:
    source = sample_path(name)
    out = tmp_path / "shared.jsonl"
    assert redact(source, out, "--key", KEY) == 0
    frames = frames_of(source)
    renames = _identifiers(frames, Pseudonyms(KEY))
    original = tables(build_report(frames))
    shared = tables(build_report(frames_of(out)))
    assert sum(len(rows) for rows in original.values()) > 0
    for table, rows in original.items():
        assert sorted(json.dumps(r) for r in shared[table]) == _renamed_rows(rows, renames), table
