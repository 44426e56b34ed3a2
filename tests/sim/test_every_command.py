"""Every station command of the console, pressed on a simulated station of each version.

The commands come from the console's own table (STATION_COMMANDS): a new command fails
here until the simulator answers it. The console runs on a real engine; the station is a
real simulated one on 127.0.0.1. Each key opens its form (filled with its defaults) or its
screen, and every call it sends must be answered with a CALLRESULT, never a CALLERROR.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input

from ocppdeck.core.dialects import DIALECTS, V16
from ocppdeck.core.engine import Engine
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from ocppdeck.core.sim.vendor_messages import VENDOR_ID
from ocppdeck.core.wire.frame import Direction, Kind
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.screens.command_form import CommandForm
from ocppdeck.tui.screens.configuration import ConfigurationScreen
from ocppdeck.tui.station_commands import STATION_COMMANDS, ConsoleCommand
from tests.helpers.engine import frames_of, wait_for
from tests.helpers.sim_csms import QUIET
from tests.helpers.tui import live_app, select_live_connector

# The console's screens of 2.x blocks (monitoring, display messages).
DEVICE_MODEL_ONLY = frozenset({"monitoring", "display_messages"})


def exchanges(engine: Engine, station_id: str) -> tuple[list[str], dict[str, Kind]]:
    """The unique ids of the calls the console sent, oldest first, and the kind of the
    station's answer to each one answered so far."""
    frames = frames_of(engine, station_id)
    sent = [f.unique_id for f in frames if f.kind is Kind.CALL and f.direction is Direction.OUT]
    answers = {
        f.unique_id: f.kind
        for f in frames
        if f.kind in (Kind.RESULT, Kind.ERROR) and f.direction is Direction.IN
    }
    return sent, answers


def story(engine: Engine, station_id: str) -> str:
    """What a failure needs to be understood: the station's last frames, and where each of
    the simulator's tasks waits."""
    lines = [
        f"{f.direction.name} {f.kind.name} {f.action or ''} {f.unique_id or ''} {f.text or ''}"
        for f in frames_of(engine, station_id)[-24:]
    ]
    for task in asyncio.all_tasks():
        if task.get_name().startswith("sim:"):
            frames = task.get_stack(limit=3)
            where = " < ".join(f"{f.f_code.co_name}:{f.f_lineno}" for f in frames)
            lines.append(f"task {task.get_name()}: {where}")
    return "\n".join(lines)


async def run_command(
    app: OcppDeckApp,
    pilot: Any,
    engine: Engine,
    sid: str,
    command: ConsoleCommand,
    fills: dict[str, str],
) -> None:
    """Press the command's key, send its form with its defaults (empty fields from `fills`)
    or ask its screen again, and wait until every call it sent is answered: no CALLERROR."""
    await select_live_connector(app, sid)
    before = len(exchanges(engine, sid)[0])
    await pilot.press(command.key)
    # A form or a screen opens, or the command goes at once (e.g. unlock).
    await wait_for(lambda: len(app.screen_stack) > 1 or len(exchanges(engine, sid)[0]) > before)
    screen = app.screen
    if isinstance(screen, CommandForm):
        for box in screen.query(Input):
            name = (box.id or "").removeprefix("field-")
            if not box.value and name in fills:
                box.value = fills[name]
            fills.setdefault(name, box.value)  # e.g. the reservation id just used
        await pilot.press("enter")
        await wait_for(lambda: len(app.screen_stack) == 1)
    elif isinstance(screen, ConfigurationScreen):
        table = screen.query_one(DataTable)
        await wait_for(lambda: table.row_count > 0, timeout=10)
        await pilot.press("r")  # ask again: 2.x shows its report without asking
        await pilot.press("escape")

    def settled() -> bool:
        sent, answers = exchanges(engine, sid)
        return len(sent) > before and all(uid in answers for uid in sent)

    try:
        await wait_for(settled, timeout=15)
    except AssertionError:
        pytest.fail(
            f"{command.name} ({command.key}) sent nothing or got no answer\n{story(engine, sid)}"
        )
    while len(app.screen_stack) > 1:  # a screen that says how a command went (an upgrade)
        await pilot.press("escape")
    sent, answers = exchanges(engine, sid)
    errors = [uid for uid in sent[before:] if answers[uid] is Kind.ERROR]
    assert not errors, f"{command.name} ({command.key}) got a CALLERROR"


@pytest.mark.timeout(90)
@pytest.mark.parametrize("protocol", list(DIALECTS))
async def test_every_console_command_gets_an_answer_from_a_simulated_station(
    tmp_path: Path, protocol: str
) -> None:
    async with live_app(tmp_path) as (app, engine, pilot, _):
        [spec] = fleet_specs(1, seed=3, protocols=[protocol])
        fleet = Fleet([spec], engine.csms.url, QUIET)
        await fleet.start()
        try:
            await wait_for(lambda: fleet.stations[0].booted, timeout=10)
            # Empty fields a form needs: a vendor the station knows, the reservation made,
            # a location for firmware and logs (nothing listens there: the station's job
            # fails at once, after its answer).
            fills = {"vendor": VENDOR_ID, "location": "http://127.0.0.1:9/station-files"}
            for command in STATION_COMMANDS.values():
                if command.name in DEVICE_MODEL_ONLY and protocol == V16.name:
                    continue  # 1.6 has none: the console says so and sends nothing
                await run_command(app, pilot, engine, spec.station_id, command, fills)
        finally:
            await fleet.close()
