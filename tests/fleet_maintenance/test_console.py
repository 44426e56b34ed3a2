"""The console's side: the firmware form sends a file of the files dir through its own
URL to a simulated station, the firmware and logs screen shows each step as it comes,
the get-log form uploads to ocppdeck, and the uploads screen opens the file as text."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import DataTable, Static

from ocppdeck.core.engine import Engine
from ocppdeck.core.files.uploads import Upload
from ocppdeck.core.model.state import Topic
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.screens.command_form import CommandForm
from ocppdeck.tui.screens.maintenance import MaintenanceScreen
from ocppdeck.tui.screens.upload_viewer import UploadViewer
from ocppdeck.tui.screens.uploads import UploadsScreen
from tests.helpers.engine import make_settings, out_calls, wait_for
from tests.helpers.maintained_station import IMAGE, IMAGE_NAME
from tests.helpers.sim_csms import QUIET
from tests.helpers.tui import SIZE, plain, select_live_connector


def free_port() -> int:
    """A port free now: the console issues URLs from the settings, so it names the port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cells(table: DataTable) -> list[list[str]]:  # type: ignore[type-arg]
    return [[plain(c).strip() for c in table.get_row_at(n)] for n in range(table.row_count)]


@pytest.mark.timeout(90)
@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
async def test_firmware_and_a_log_from_the_console(tmp_path: Path, protocol: str) -> None:
    files = tmp_path / "files"
    files.mkdir()
    (files / IMAGE_NAME).write_bytes(IMAGE)
    settings = make_settings(tmp_path / "data", api_port=free_port(), files_dir=files)
    engine = Engine(settings)
    app = OcppDeckApp(engine)
    async with app.run_test(size=SIZE) as pilot:
        try:
            await wait_for(lambda: engine.csms.listening and engine.api is not None)
            [spec] = fleet_specs(1, seed=5, protocols=[protocol])
            fleet = Fleet([spec], engine.csms.url, QUIET)
            await fleet.start()
            try:
                await run_the_story(app, pilot, engine, spec.station_id)
            finally:
                await fleet.close()
        finally:
            await app.source.close()


async def run_the_story(app: OcppDeckApp, pilot: object, engine: Engine, sid: str) -> None:
    press = pilot.press  # type: ignore[attr-defined]
    await select_live_connector(app, sid)
    await press("F")
    await wait_for(lambda: isinstance(app.screen, CommandForm))
    await press("down", "enter")  # the first file of the files dir, sent with the defaults
    await wait_for(lambda: not isinstance(app.screen, CommandForm))

    def installed() -> bool:
        latest = engine.state.stations[sid].latest(Topic.FIRMWARE)
        return latest is not None and latest.status == "Installed"

    await wait_for(installed, timeout=20)
    [sent] = out_calls(engine, sid, "UpdateFirmware")
    assert "/files/" in str(sent.payload) and IMAGE_NAME in str(sent.payload)

    await press("W")
    await wait_for(lambda: isinstance(app.screen, MaintenanceScreen))
    steps = app.screen.query_one("#maintenance-steps", DataTable)
    await wait_for(lambda: steps.row_count == 4)
    assert [row[1:3] for row in cells(steps)] == [
        ["Firmware", "Downloading"],
        ["Firmware", "Downloaded"],
        ["Firmware", "Installing"],
        ["Firmware", "Installed"],
    ]
    stations = app.screen.query_one("#maintenance-stations", DataTable)
    assert cells(stations)[0][2].startswith("Installed")
    await press("escape")

    await press("G")
    await wait_for(lambda: isinstance(app.screen, CommandForm))
    location = app.screen.query_one("#field-location")
    assert "/uploads/" in location.value  # type: ignore[attr-defined]
    await press("enter")  # the first log its version offers, to ocppdeck's own URL
    await wait_for(lambda: not isinstance(app.screen, CommandForm))

    def uploaded() -> bool:
        station = engine.state.stations[sid]
        said = [station.latest(Topic.LOG), station.latest(Topic.DIAGNOSTICS)]
        return any(n is not None and n.status == "Uploaded" for n in said)

    await wait_for(uploaded, timeout=20)
    await press("W")
    await wait_for(lambda: isinstance(app.screen, MaintenanceScreen))
    await press("u")
    await wait_for(lambda: isinstance(app.screen, UploadsScreen))
    table = app.screen.query_one(DataTable)
    await wait_for(lambda: table.row_count == 1)
    [row] = cells(table)
    assert row[0] == sid and row[1].endswith(".log")
    await press("enter")
    await wait_for(lambda: isinstance(app.screen, UploadViewer))
    text = plain(app.screen.query_one("#upload-text", Static).render())
    assert f"of {sid}" in text


class ViewerApp(App[None]):
    def __init__(self, upload: Upload) -> None:
        super().__init__()
        self.upload = upload

    def on_mount(self) -> None:
        self.push_screen(UploadViewer(self.upload))


@pytest.mark.timeout(30)
async def test_the_viewer_shows_a_station_text_as_text_and_no_binary(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.log"
    hostile.write_bytes(b"[bold red]alarm[/] \x1b[2J cleared\n")
    binary = tmp_path / "core.bin"
    binary.write_bytes(b"\x7fELF\x00\x00secret")
    shown = {}
    for path in (hostile, binary):
        app = ViewerApp(Upload("CP-1", path.name, path.stat().st_size, 0.0, path))
        async with app.run_test(size=SIZE):
            screen = app.screen
            assert isinstance(screen, UploadViewer)
            note = plain(screen.query_one("#upload-viewer-note", Static).render()).strip()
            shown[path.name] = (note, plain(screen.query_one("#upload-text", Static).render()))
    note, text = shown["hostile.log"]
    assert "[bold red]alarm[/] \\x1b[2J cleared" in text and not note
    note, text = shown["core.bin"]
    assert note == "Binary: not shown." and "secret" not in text
