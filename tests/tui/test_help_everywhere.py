"""`?` and F1 open the help over every full screen of the console (Textual cuts the app's
keys off below a modal screen), and the same key closes it; in a text box `?` is text."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from ocppdeck.tui.screens.help import HelpScreen
from tests.helpers.engine import wait_for
from tests.helpers.tui import live_app


@pytest.mark.timeout(60)
@pytest.mark.parametrize("opens", ["w", "i", "S", "a", "e", "o"])
@pytest.mark.parametrize("help_key", ["question_mark", "f1"])
async def test_help_opens_over_every_full_screen(tmp_path: Path, opens: str, help_key: str) -> None:
    async with live_app(tmp_path) as (app, _, pilot, _):
        await pilot.press(opens)
        await wait_for(lambda: len(app.screen_stack) == 2)
        screen = app.screen
        await pilot.press(help_key)
        await wait_for(lambda: isinstance(app.screen, HelpScreen))
        await pilot.press(help_key)
        await wait_for(lambda: app.screen is screen)  # closed by the same key, back where it was


@pytest.mark.timeout(60)
async def test_a_question_mark_in_a_text_box_is_text(tmp_path: Path) -> None:
    async with live_app(tmp_path) as (app, _, pilot, _):
        await pilot.press("slash")
        await wait_for(lambda: isinstance(app.focused, Input))
        await pilot.press("question_mark")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        assert app.focused.value == "?"
