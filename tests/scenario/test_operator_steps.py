"""`operator` steps and refused connections: mistakes refused at their line before anything
runs; against ocppdeck's API, what the operator could not do fails the step and says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocppdeck.core.dialects import V16
from ocppdeck.core.scenario.api_operator import ApiOperator
from ocppdeck.core.scenario.pacing import FastPace
from ocppdeck.core.scenario.problems import ScenarioRefused
from ocppdeck.core.scenario.reading import load_scenario
from ocppdeck.core.scenario.runner import run_scenario
from tests.helpers.api import token_of
from tests.helpers.engine import out_calls, own_engine

STATION = f'[[stations]]\nid = "OP-1"\nprotocol = "{V16.name}"\n'


def refused(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioRefused) as caught:
        load_scenario(path)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("steps", "line", "words"),
    [
        ('do = "operator"\npayload = { connectorId = 1 }\n', 6, "a payload goes with a command"),
        (
            'do = "operator"\naccept = true\ncommand = "Reset"\n',
            4,
            "give exactly one of command, accept, register, id_tag",
        ),
        ('do = "operator"\nregister = true\n', 6, "register needs station OP-1's password"),
        ('do = "operator"\naccept = false\n', 6, "accept = false does nothing"),
        ('do = "operator"\nid_tag = { status = "Blocked" }\n', 6, "id_tag: expected a table"),
        ('do = "heartbeat"\nexpect = { refused = true }\n', 6, "only boot and reconnect"),
        (
            'do = "boot"\nexpect = { refused = true, status = "Accepted" }\n',
            6,
            "a refused connection has no answer",
        ),
    ],
)
def test_an_operator_or_refusal_mistake_is_refused_at_its_line(
    tmp_path: Path, steps: str, line: int, words: str
) -> None:
    problems = refused(tmp_path, f"{STATION}[[steps]]\n{steps}")
    assert any(
        p.startswith(f"{tmp_path / 'bad.toml'}:{line}: ") and words in p for p in problems
    ), problems


def test_a_template_cannot_hold_a_password(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "mine.toml").write_text(
        f'protocol = "{V16.name}"\npassword = "a-secret-in-a-model-file"\n', encoding="utf-8"
    )
    text = '[[stations]]\nid = "OP-1"\ntemplate = "mine"\n[[steps]]\ndo = "boot"\n'
    problems = refused(tmp_path, text)
    assert any("mine.toml:2: unknown key 'password'" in p for p in problems), problems


@pytest.mark.timeout(60)
async def test_what_the_operator_cannot_do_fails_the_step_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "case.toml"
    path.write_text(
        f'answer_timeout = "3s"\n{STATION}'
        '[[steps]]\ndo = "boot"\n'
        '[[steps]]\ndo = "operator"\ncommand = "RemoteStopTransaction"\n'
        'payload = { transactionId = "$transaction_id" }\n'
        '[[steps]]\ndo = "operator"\ncommand = "SetVariables"\n'
        '[[steps]]\ndo = "operator"\naccept = true\n'
        '[[steps]]\ndo = "start"\ntag = "OP-TAG"\n'
        '[[steps]]\ndo = "operator"\ncommand = "RemoteStopTransaction"\n'
        'payload = { transactionId = "$transaction_id" }\n'
        '[[steps]]\ndo = "expect_command"\naction = "RemoteStopTransaction"\nwithin = "5s"\n',
        encoding="utf-8",
    )
    async with own_engine(tmp_path / "data", api_port=0) as engine:
        operator = ApiOperator(engine.api.url, token_of(engine))  # type: ignore[union-attr]
        try:
            result = await run_scenario(
                load_scenario(path), engine.csms.url, FastPace(1.7e9), operator=operator
            )
        finally:
            await operator.close()
        (stop,) = out_calls(engine, "OP-1", "RemoteStopTransaction")
    messages = [(s.step.kind, s.passed, s.message) for s in result.steps]
    assert [passed for _, passed, _ in messages] == [True, False, False, False, True, True, True]
    assert "$transaction_id named, but connector 1 has no transaction open" in messages[1][2]
    assert messages[2][2].startswith("the operator hook refused SetVariables: ")
    assert messages[3][2] == "the operator hook refused accept: OP-1 is not registered"
    # The CSMS's own transaction id went out, in place of the placeholder.
    started = result.steps[4].frames
    (answer,) = [f for f in started if f.payload and "transactionId" in f.payload]
    assert stop.payload == {"transactionId": answer.payload["transactionId"]}
