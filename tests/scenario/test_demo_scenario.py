"""`ocppdeck demo --scenario`: the scenario's stations play against the demo's own CSMS,
in the console (its panes live) or headless."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocppdeck.core.scenario.demo_play import ScenarioDemo
from ocppdeck.core.scenario.reading import load_scenario
from ocppdeck.sample_data import sample_path
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.cli import main
from ocppdeck.tui.widgets.stations_table import StationsTable
from tests.helpers.engine import make_settings, wait_for

EXAMPLE = sample_path("scenarios/authorize-first.toml")


@pytest.mark.timeout(60)
async def test_the_console_shows_the_scenario_station_while_it_plays(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, speed=1000.0)
    demo = ScenarioDemo(settings, load_scenario(EXAMPLE))
    app = OcppDeckApp(demo)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(lambda: demo.result is not None, timeout=30)
        await pilot.pause()
        table = app.query_one(StationsTable)
        await wait_for(lambda: [row.key.value for row in table.ordered_rows] == ["SCN-001"])
        assert demo.result is not None and demo.result.passed
        assert demo.state.stations["SCN-001"].evses  # the projection saw its connectors


@pytest.mark.timeout(60)
def test_a_headless_scenario_demo_prints_its_steps_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["demo", "--scenario", str(EXAMPLE), "--headless", "30", "--speed", "1000"]
    code = main([*argv, "--data-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "PASS  06 reconnect" in out and "passed (10 passed, 0 failed)" in out


@pytest.mark.timeout(60)
async def test_a_demo_with_its_api_on_is_the_operator_of_operator_steps(tmp_path: Path) -> None:
    remote = load_scenario(sample_path("scenarios/conformance/v16/remote-start-stop.toml"))
    demo = ScenarioDemo(make_settings(tmp_path, speed=1000.0, api_port=0), remote)
    await demo.start()
    try:
        result = await demo.finished()
    finally:
        await demo.close()
    assert result is not None and result.passed, [(s.step.label, s.message) for s in result.steps]
    # Without the API there is no operator: the scenario is skipped, not passed.
    bare = ScenarioDemo(make_settings(tmp_path / "bare", speed=1000.0), remote)
    await bare.start()
    try:
        skipped = await bare.finished()
    finally:
        await bare.close()
    assert skipped is not None and not skipped.passed and skipped.steps == ()
    assert skipped.skipped == "needs an operator hook: --api-url"
