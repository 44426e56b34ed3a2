"""Each step of a station's firmware, diagnostics and log jobs is kept, in time order,
whatever the order the frames fold in, bounded, and through a snapshot. Pure."""

from __future__ import annotations

import random
from typing import Any

from ocppdeck.core.disk import snapshot
from ocppdeck.core.model.limits import MAX_STEPS
from ocppdeck.core.model.projection import Projection, fold
from ocppdeck.core.model.state import Topic
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from tests.helpers.folded import project

T0 = 1_735_725_600.0
STEPS = ["Downloading", "Downloaded", "SignatureVerified", "Installing", "Installed"]


def status(action: str, payload: dict[str, Any], at: float, protocol: str = "ocpp2.0.1") -> Frame:
    return Frame(T0 + at, "CS1", Direction.IN, Kind.CALL, f"u{at}", action, payload, protocol)


def firmware_steps() -> list[Frame]:
    update = [
        status("FirmwareStatusNotification", {"status": s, "requestId": 7}, n)
        for n, s in enumerate(STEPS)
    ]
    log = [status("LogStatusNotification", {"status": "Uploading", "requestId": 8}, 10)]
    return update + log


def test_every_step_is_kept_in_time_order_beside_the_newest() -> None:
    station = project(firmware_steps()).stations["CS1"]
    assert [n.status for n in station.history(Topic.FIRMWARE)] == STEPS
    assert [n.detail for n in station.history(Topic.FIRMWARE)] == ["request 7"] * len(STEPS)
    latest = station.latest(Topic.FIRMWARE)
    assert latest is not None and latest.status == "Installed"
    assert [n.status for n in station.history(Topic.LOG)] == ["Uploading"]
    assert station.history(Topic.DIAGNOSTICS) == ()
    assert station.history(Topic.SECURITY) == ()  # not a job: only its notices


def test_any_order_of_folding_keeps_the_same_steps() -> None:
    frames = firmware_steps()
    expected = project(frames).stations["CS1"].steps
    for seed in range(5):
        shuffled = frames[:]
        random.Random(seed).shuffle(shuffled)
        assert project(shuffled).stations["CS1"].steps == expected


def test_a_station_that_reports_without_end_keeps_the_newest_steps_only() -> None:
    words = ["Downloading", "DownloadFailed"]
    frames = [
        status("FirmwareStatusNotification", {"status": words[n % 2]}, n, "ocpp1.6")
        for n in range(MAX_STEPS * 3)
    ]
    kept = project(frames).stations["CS1"].history(Topic.FIRMWARE)
    assert len(kept) == MAX_STEPS
    assert kept[-1].at == T0 + MAX_STEPS * 3 - 1
    assert kept[0].at == T0 + MAX_STEPS * 2


def test_the_steps_survive_a_snapshot() -> None:
    projection = fold(firmware_steps(), Projection())
    again = snapshot.read(snapshot.dump(projection, 6)).projection
    assert again.state.stations["CS1"].steps == projection.state.stations["CS1"].steps
