"""What a station names its file, and what an operator types as a job, checked before
anything is written or sent. Pure."""

from __future__ import annotations

import pytest

from ocppdeck.core.csms.builders.jobs import FirmwareUpdate, JobRefused, LogUpload, Retries
from ocppdeck.core.files.names import safe_name, served_name, station_folder, station_of


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("diag.log", "diag.log"),
        ("../../etc/passwd", "passwd"),
        ("..%2F..%2Fevil.sh", "evil.sh"),
        ("C:\\logs\\boot.txt", "boot.txt"),
        (".bashrc", "bashrc"),
        ("..", "upload.bin"),
        ("", "upload.bin"),
        ("a b;rm -rf $x.log", "a_b_rm_-rf__x.log"),
        ("x" * 300 + ".log", "x" * 96 + ".log"),
    ],
)
def test_a_station_file_name_becomes_a_plain_one(given: str, kept: str) -> None:
    assert safe_name(given) == kept


@pytest.mark.parametrize("station_id", ["CP-1", "..", ".", "a:b|c*d", "tilde~x", "CP.1"])
def test_a_station_folder_is_one_plain_part_that_reads_back(station_id: str) -> None:
    folder = station_folder(station_id)
    assert folder not in (".", "..") and "/" not in folder and ":" not in folder
    assert station_of(folder) == station_id


def test_only_plain_names_are_served() -> None:
    assert served_name("fw-2.0.bin")
    assert not any(served_name(n) for n in ("", ".hidden", "../fw.bin", "sub/fw.bin", "a b"))


def test_a_job_is_refused_with_a_reason_before_it_is_sent() -> None:
    at = "2026-01-01T00:00:00Z"
    with pytest.raises(JobRefused, match="URL"):
        FirmwareUpdate("firmware.bin", at, 1)
    with pytest.raises(JobRefused, match="both"):
        FirmwareUpdate("https://x/fw.bin", at, 1, signature="c2ln")
    with pytest.raises(JobRefused, match="at most 512"):
        LogUpload("https://x/" + "a" * 600, 1)
    with pytest.raises(JobRefused, match="one of"):
        LogUpload("https://x/up", 1, "KernelLog")
    with pytest.raises(JobRefused, match="0 or more"):
        Retries(-1, None)
