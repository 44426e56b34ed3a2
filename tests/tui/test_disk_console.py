"""The console on a full disk: the title bar says how much the data dir holds, and, in red,
what fails to be written there; a command the disk refuses is said not queued.

The full disk is an OSError ENOSPC injected at the file layer the store and the recorder write
through (tests/helpers/disk_full.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ocppdeck.core.clock import ManualClock
from ocppdeck.core.disk.files import Space
from ocppdeck.core.disk.health import DiskHealth, Part
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.disk_note import disk_note
from ocppdeck.tui.header import HeaderBar
from ocppdeck.tui.screens.prompt import PromptScreen
from tests.helpers.disk_full import FullDisk
from tests.helpers.engine import wait_for
from tests.helpers.tui import live_app, live_station, plain, select_live_connector

DISK_FULL = OSError(28, "No space left on device")


def title(app: OcppDeckApp) -> str:
    return plain(app.query_one(HeaderBar).render())


def test_a_healthy_data_dir_shows_its_size_and_the_room_left() -> None:
    health = DiskHealth(ManualClock())
    health.space = Space(used=12_300_000, free=40_000_000_000)
    assert disk_note(health).plain == "data 12 MB, 40 GB free"


def test_a_failing_disk_shows_the_error_what_fails_and_since_when() -> None:
    clock = ManualClock(1_700_000_000.0)  # 22:13:20 UTC
    health = DiskHealth(clock)
    health.failed(Part.RECORDING, DISK_FULL)
    clock.set(1_700_000_005.0)
    health.failed(Part.STORE, DISK_FULL)
    health.dropped(120)
    note = disk_note(health)
    assert note.plain == (
        "⚠ disk: No space left on device (recording, store) since 22:13:20, 120 frames not recorded"
    )
    assert "red" in str(note.style)
    health.ok(Part.RECORDING)
    health.ok(Part.STORE)
    assert disk_note(health).plain == "data …, 120 frames not recorded"


@pytest.mark.timeout(30)
async def test_the_live_title_bar_shows_a_full_disk_until_space_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = FullDisk(monkeypatch)
    async with live_app(tmp_path) as (app, engine, _pilot, _toasts):
        await wait_for(lambda: "free" in title(app))
        disk.full = True
        engine.bus.publish(Frame(engine.clock.now(), "CP1", Direction.IN, Kind.CONNECTED))
        await wait_for(lambda: "⚠ disk: No space left on device (recording)" in title(app))
        disk.full = False
        await wait_for(lambda: "⚠" not in title(app) and "free" in title(app))


@pytest.mark.timeout(30)
async def test_a_command_the_disk_refuses_is_said_not_queued_and_never_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = FullDisk(monkeypatch)
    async with (
        live_app(tmp_path) as (app, engine, pilot, toasts),
        live_station(engine, "CP-LIVE") as cp,
    ):
        await select_live_connector(app, "CP-LIVE")
        disk.full = True
        await pilot.press("s")
        await wait_for(lambda: isinstance(app.screen, PromptScreen))
        await pilot.press("enter")
        await wait_for(lambda: toasts.having("not queued"))
        (note,) = toasts.having("not queued")
        assert note.severity == "error"
        assert "No space left on device" in note.message
        assert not toasts.having("queued until it reconnects")
        assert not [c for c in engine.csms.commands_overview() if c.action != "GetConfiguration"]
        assert cp.remote_starts == []
