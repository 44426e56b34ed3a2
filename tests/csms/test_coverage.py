"""Every action a station may send, in every version, is answered as its schema wants.

A real `ocpp` ChargePoint of each version sends the smallest payload each request
schema accepts, over loopback websockets, to a real engine; every answer must be a
CALLRESULT that its response schema accepts. The actions walked are the dialect
registry's station actions, so a version that gains one fails here until the CSMS
answers it. The README's coverage tables are checked against the registry and the
command builders, so they cannot drift from what ocppdeck does.
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft6Validator

from ocppdeck.core.csms.builders.contract import CommandUnavailable
from ocppdeck.core.csms.builders.jobs import DIAGNOSTICS, FirmwareUpdate, LogUpload
from ocppdeck.core.dialects import BOTH_WAYS, DIALECTS, Dialect
from ocppdeck.core.engine import Engine
from ocppdeck.core.wire.frame import Direction, Kind
from tests.architecture.test_dialects import COMMANDS
from tests.helpers.engine import frames_of, own_engine, wait_for
from tests.helpers.schema_payloads import as_sent, minimal, schema_of
from tests.helpers.station16 import station

ALL = list(DIALECTS.values())


def response_schema(d: Dialect, action: str) -> Path:
    return d.schemas / f"{action}Response.json"


def walk_order(d: Dialect) -> list[str]:
    """The station's actions, BootNotification first (a station boots before it reports)."""
    return sorted(d.station_actions, key=lambda action: (action != "BootNotification", action))


def request(d: Dialect, action: str) -> Any:
    """A request of `action` with the schema's smallest payload."""
    return as_sent(action, minimal(d.request_schema(action)))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("d", ALL, ids=lambda d: d.name)
async def test_every_station_action_gets_an_answer_its_schema_accepts(
    tmp_path: Path, d: Dialect
) -> None:
    station_id = f"COV-{d.library.rsplit('.', 1)[-1]}"
    async with (
        own_engine(tmp_path) as engine,
        station(engine, station_id, d.charge_point, d.name, response_timeout=5) as cp,
    ):
        for action in walk_order(d):
            await cp.call(request(d, action), suppress=False)  # a CallError raises here
        await wait_for(lambda: len(answers_of(engine, station_id)) >= len(d.station_actions))
        answers = answers_of(engine, station_id)
    assert set(answers) == d.station_actions
    for action, (kind, payload) in answers.items():
        assert kind is Kind.RESULT, f"{d.name} {action}: {payload}"
        validator = Draft6Validator(schema_of(response_schema(d, action)))
        problems = [e.message for e in validator.iter_errors(payload)]
        assert not problems, f"{d.name} {action}: {problems}"


def answers_of(engine: Engine, station_id: str) -> dict[str, tuple[Kind, Any]]:
    """What the CSMS answered each of the station's calls: CALLRESULT or CALLERROR, payload."""
    frames = frames_of(engine, station_id)
    calls = {f.unique_id: f.action for f in frames if f.kind is Kind.CALL}
    return {
        calls[f.unique_id]: (f.kind, f.payload)
        for f in frames
        if f.direction is Direction.OUT and f.kind in (Kind.RESULT, Kind.ERROR)
    }


@pytest.mark.parametrize("d", ALL, ids=lambda d: d.name)
def test_every_station_action_has_a_handler(d: Dialect) -> None:
    session = d.with_answers(d.session.value)
    handled = {str(getattr(getattr(session, name), "_on_action", "")) for name in dir(session)}
    assert d.station_actions - handled == set()


README = Path(__file__).resolve().parents[2] / "README.md"


def readme_table(header: str) -> dict[str, list[str]]:
    """The README's table that starts with `header`: each row's first cell to the next three."""
    text = README.read_text(encoding="utf-8")
    lines = text[text.index(f"| {header} |") :].splitlines()
    rows = {}
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = cells[1:4]
    return rows


def test_the_readme_table_of_station_actions_is_the_registrys() -> None:
    table = readme_table("station → CSMS")
    for column, d in enumerate(ALL):
        listed = {action for action, cells in table.items() if cells[column] == "✓"}
        assert listed == d.station_actions | BOTH_WAYS, d.name


# Calls a command makes from other values than its sample in COMMANDS: 1.6's unsigned
# firmware update, and the diagnostics of its core profile.
OTHER_SAMPLES = [
    ("update_firmware", (FirmwareUpdate("https://files/fw.bin", "2030-01-01T00:00:00Z", 1),)),
    ("get_log", (LogUpload("https://files/up", 2, DIAGNOSTICS),)),
]


def test_the_readme_table_of_csms_calls_says_what_the_console_sends() -> None:
    table = readme_table("CSMS → station")
    for column, d in enumerate(ALL):
        builder = d.commands()
        commands = set()
        for name, args in [*COMMANDS.items(), *OTHER_SAMPLES]:
            with suppress(CommandUnavailable):
                made = getattr(builder, name)(*args)
                commands.update(
                    type(c).__name__ for c in (made if isinstance(made, list) else [made])
                )
        expected = {a: "command" if a in commands else "crafter" for a in d.csms_actions()}
        listed = {action: cells[column] for action, cells in table.items() if cells[column]}
        assert listed == expected, d.name
