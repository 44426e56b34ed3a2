"""A snapshot of every screen over the console, each on deterministic data.

Update after an intended change of a screen with
`pytest tests/tui/test_screen_snapshots.py --snapshot-update`, then look at the SVGs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Select

from ocppdeck.core.disk.formats import ImportReport, read_frames
from ocppdeck.core.replay.source import ReplaySource
from ocppdeck.sample_data import sample_path
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.screens.automations import AutomationsScreen
from ocppdeck.tui.screens.configuration import ConfigurationScreen
from ocppdeck.tui.screens.crafter import CrafterScreen
from ocppdeck.tui.screens.id_tags import AddTagScreen, IdTagsScreen
from ocppdeck.tui.screens.queue import QueueScreen
from ocppdeck.tui.station_commands import STATION_COMMANDS, Target
from tests.helpers.engine import make_settings
from tests.helpers.scenario_mixed import LEGACY, NOVA
from tests.helpers.screens import SIZE, ScreenHost, queue_some, some_tags, still_engine


def test_queue_screen(snap_compare: Any, tmp_path: Path) -> None:
    engine = still_engine(tmp_path)

    def make() -> QueueScreen:
        queue_some(engine)
        return QueueScreen(engine.commands, 0.25)

    assert snap_compare(ScreenHost(make), terminal_size=SIZE)


def test_id_tags_screen(snap_compare: Any, tmp_path: Path) -> None:
    engine = still_engine(tmp_path)
    some_tags(engine)
    book = engine.id_tags
    assert book is not None
    app = ScreenHost(lambda: IdTagsScreen(book, Path("id_tags.csv")))
    assert snap_compare(app, terminal_size=SIZE)


def test_automations_screen(snap_compare: Any, tmp_path: Path) -> None:
    automations = still_engine(tmp_path).automations
    assert automations is not None
    assert snap_compare(ScreenHost(lambda: AutomationsScreen(automations)), terminal_size=SIZE)


def test_crafter_screen_with_a_template(snap_compare: Any, tmp_path: Path) -> None:
    engine = still_engine(tmp_path)
    crafter = engine.crafter
    assert crafter is not None

    async def pick(pilot: Pilot[None]) -> None:
        await pilot.pause()
        pilot.app.screen.query_one("#crafter-action", Select).value = "ChangeAvailability"
        await pilot.pause()

    app = ScreenHost(lambda: CrafterScreen(crafter, engine, LEGACY))
    assert snap_compare(app, run_before=pick, terminal_size=SIZE)


def test_configuration_screen_of_a_2x_station(snap_compare: Any, tmp_path: Path) -> None:
    engine = still_engine(tmp_path)

    def never(_submit: object, _label: str) -> None:
        raise AssertionError("the reported variables need no command")

    app = ScreenHost(lambda: ConfigurationScreen(engine.commands, NOVA, never))
    assert snap_compare(app, terminal_size=SIZE)


def test_replay_timeline_after_two_jumps(snap_compare: Any, tmp_path: Path) -> None:
    path = sample_path("fault-story.jsonl")
    report = ImportReport()
    source = ReplaySource(read_frames(path, None, report), make_settings(tmp_path), path.name)

    async def jump(pilot: Pilot[None]) -> None:
        for _ in range(100):
            if not source.loading:
                break
            await pilot.pause(0.05)
        await pilot.press("n", "n")
        await pilot.pause()

    assert snap_compare(OcppDeckApp(source), run_before=jump, terminal_size=SIZE)


SMALL = (80, 24)


def test_reserve_form_at_80x24_fits_with_its_enter_line(snap_compare: Any, tmp_path: Path) -> None:
    engine = still_engine(tmp_path)

    def make() -> Screen[Any]:
        opened: list[Screen[Any]] = []
        target = Target(
            LEGACY,
            1,
            engine.commands,
            lambda _submit, _label: None,
            lambda screen, _then=None: opened.append(screen),
            "TAG-0001",
            engine.state,
        )
        STATION_COMMANDS["reserve"].run(target)
        return opened[0]

    assert snap_compare(ScreenHost(make), terminal_size=SMALL)


def test_crafter_at_80x24_keeps_validate_and_send(snap_compare: Any, tmp_path: Path) -> None:
    engine = still_engine(tmp_path)
    crafter = engine.crafter
    assert crafter is not None

    async def pick(pilot: Pilot[None]) -> None:
        await pilot.pause()
        pilot.app.screen.query_one("#crafter-action", Select).value = "ChangeAvailability"
        await pilot.pause()

    app = ScreenHost(lambda: CrafterScreen(crafter, engine, LEGACY))
    assert snap_compare(app, run_before=pick, terminal_size=SMALL)


def test_id_tag_expiry_error_at_80x24_is_shown_whole(snap_compare: Any, tmp_path: Path) -> None:
    book = still_engine(tmp_path).id_tags
    assert book is not None
    keys = [*"TAG-1", "tab", "tab", *"next tuesday", "enter"]
    assert snap_compare(ScreenHost(lambda: AddTagScreen(book)), press=keys, terminal_size=SMALL)
