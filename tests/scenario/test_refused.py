"""A scenario with a mistake is refused before it runs, at the file and line of the mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocppdeck.core.scenario.problems import ScenarioRefused
from ocppdeck.core.scenario.reading import load_scenario
from ocppdeck.core.scenario.templates import shipped_templates
from ocppdeck.core.sim.quirks import Quirks
from ocppdeck.tui.cli import main

QUIRKS = "one of " + ", ".join(Quirks.names())
STATION = """\
[[stations]]
id = "S1"
protocol = "ocpp1.6"
"""


def refused(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioRefused) as caught:
        load_scenario(path)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (STATION + '[[steps]]\ndo = "boot"\n\n[[steps]]\ndo = "dance"\n', 8, "unknown step kind"),
        (STATION + '[[steps]]\ndo = "authorize"\n', 4, "missing field 'tag'"),
        (
            STATION + '[[steps]]\ndo = "boot"\n[[steps]]\nafter = "5 minutes"\ndo = "heartbeat"\n',
            7,
            "after: expected a duration",
        ),
        (STATION + '[[steps]]\ndo = "boot"\nstation = "S9"\n', 6, "unknown station 'S9'"),
        (
            '[[stations]]\nid = "S1"\ntemplate = "no-such-model"\n[[steps]]\ndo = "boot"\n',
            3,
            "unknown template 'no-such-model'",
        ),
        (
            STATION + "quirks = { kwh_units = true, mph_units = true }\n[[steps]]\ndo = 'boot'\n",
            4,
            "unknown quirk 'mph_units'",
        ),
        (STATION + '[[steps]]\ndo = "boot"\nexpect = { status = "Accepted"\n', 6, "TOML syntax"),
        (STATION + '[[steps]]\ndo = "plug_in"\nconnector = 3\n', 6, "connector 3"),
        (STATION + '[[steps]]\ndo = "plug_in"\nexpect = { status = "A" }\n', 6, "no answer"),
    ],
    ids=[
        "step kind",
        "missing field",
        "bad duration",
        "unknown station",
        "unknown template",
        "unknown quirk",
        "syntax",
        "no such connector",
        "expect on a step without an answer",
    ],
)
def test_a_mistake_is_refused_at_its_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    problems = refused(tmp_path, text)
    assert any(
        p.startswith(f"{tmp_path / 'bad.toml'}:{line}: ") and words in p for p in problems
    ), problems


def test_every_mistake_is_listed_not_only_the_first(tmp_path: Path) -> None:
    text = STATION + '[[steps]]\ndo = "fly"\n[[steps]]\ndo = "authorize"\nafter = "soon"\n'
    problems = refused(tmp_path, text)
    assert [p.split(": ", 1)[0].rsplit(":", 1)[1] for p in problems] == ["5", "8", "6"]


def test_a_template_gives_the_station_its_model_and_quirks(tmp_path: Path) -> None:
    path = tmp_path / "ok.toml"
    path.write_text(
        '[[stations]]\nid = "S1"\ntemplate = "voltaris-vx22"\nconnectors = 1\n'
        '[[steps]]\ndo = "boot"\n',
        encoding="utf-8",
    )
    (station,) = load_scenario(path).stations
    assert (station.vendor, station.model, station.connectors) == ("Voltaris", "VX-22", 1)
    assert station.quirks.kwh_units


def test_the_command_line_refuses_with_exit_code_2_and_runs_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(STATION + '[[steps]]\ndo = "dance"\n', encoding="utf-8")
    code = main(["simulate", "--scenario", str(bad), "--url", "ws://127.0.0.1:9"])
    assert code == 2
    err = capsys.readouterr().err
    assert f"{bad}:5: unknown step kind 'dance'" in err


@pytest.mark.parametrize("name", shipped_templates())
def test_every_shipped_template_makes_a_station(tmp_path: Path, name: str) -> None:
    path = tmp_path / "ok.toml"
    path.write_text(
        f'[[stations]]\nid = "S1"\ntemplate = "{name}"\n[[steps]]\ndo = "boot"\n', "utf-8"
    )
    (station,) = load_scenario(path).stations
    assert station.template == name and station.vendor and station.model


def test_a_mistake_in_a_template_is_refused_at_the_templates_line(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    template = tmp_path / "templates" / "odd.toml"
    template.write_text('vendor = "Odd"\nprotocol = "ocpp1.6"\n\n[quirks]\nsolar = true\n', "utf-8")
    problems = refused(
        tmp_path, '[[stations]]\nid = "S1"\ntemplate = "odd"\n[[steps]]\ndo = "boot"\n'
    )
    assert problems == [f"{template}:5: unknown quirk 'solar': " + QUIRKS]
