"""The console says, on screen, which configured automations it cannot run and which exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocppdeck.core.engine import Engine
from ocppdeck.tui.app import OcppDeckApp
from tests.helpers.engine import make_settings, wait_for
from tests.helpers.tui import Toasts


@pytest.mark.timeout(30)
async def test_an_automation_that_is_not_installed_is_named_on_screen(tmp_path: Path) -> None:
    engine = Engine(make_settings(tmp_path, automations=("nope", "orphan-recovery")))
    app = OcppDeckApp(engine)
    toasts = Toasts()
    async with app.run_test(size=(80, 24), message_hook=toasts):
        try:
            await wait_for(lambda: toasts.having("'nope' is not installed"))
            (toast,) = toasts.having("'nope' is not installed")
            assert toast.severity == "warning"
            assert "Installed: auto-start, connector-count, orphan-recovery" in toast.message
            assert engine.automations is not None
            assert engine.automations.plugins["orphan-recovery"].enabled  # the rest still run
        finally:
            await engine.close()
