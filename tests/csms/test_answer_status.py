"""The status an answer says, for every answer of every version the library has a schema for.

A CALLRESULT is not "done": a ChangeConfiguration answered RebootRequired, a
SetVariables whose one result is Rejected, must say so in the queue pane and
in the notification. The cases come from the library's own response schemas,
so an answer added to a version is covered without a hand list.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest
from ocpp.v16 import call_result as v16
from ocpp.v201 import call_result as v201

from ocppdeck.core.csms.answer_status import AnswerStatus, answer_status, means_done
from ocppdeck.core.csms.outbound_queue import CallState, Outcome
from ocppdeck.core.dialects import DIALECTS, Dialect


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def response_schema(spoken: Dialect, action: str) -> dict[str, Any]:
    path = spoken.schemas / f"{action}Response.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8-sig"))
    return schema


def resolved(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["definitions"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def answer(spoken: Dialect, action: str, **fields: Any) -> Any:
    """The library's answer dataclass of `action`, with `fields` and None elsewhere."""
    cls = getattr(spoken.results, action)
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{name: fields.get(name) for name in names})


def status_shapes() -> list[tuple[str, str, str, str, list[str]]]:
    """(version, action, list field or "", status key, enum words) of every CSMS call's answer
    that carries a status."""
    found = []
    for name, spoken in DIALECTS.items():
        for action in spoken.csms_actions():
            schema = response_schema(spoken, action)
            props = schema.get("properties", {})
            if "status" in props:
                words = resolved(schema, props["status"])["enum"]
                found.append((name, action, "", "status", words))
                continue
            for prop, node in props.items():
                items = resolved(schema, resolved(schema, node).get("items", {}))
                keys = [k for k in items.get("properties", {}) if k.lower().endswith("status")]
                if keys:
                    words = resolved(schema, items["properties"][keys[0]])["enum"]
                    found.append((name, action, prop, keys[0], words))
    return found


SHAPES = status_shapes()


def test_every_version_has_both_shapes() -> None:
    assert {v for v, *_ in SHAPES} == set(DIALECTS)
    listed = {(v, a) for v, a, field, *_ in SHAPES if field}
    assert ("ocpp2.0.1", "SetVariables") in listed and ("ocpp2.1", "GetVariables") in listed
    assert len(SHAPES) > 100


@pytest.mark.parametrize(("version", "action", "field", "key", "words"), SHAPES)
def test_each_status_word_of_each_answer_is_said(
    version: str, action: str, field: str, key: str, words: list[str]
) -> None:
    spoken = DIALECTS[version]
    for word in words:
        if not field:
            said = answer_status(answer(spoken, action, status=word))
        else:
            one = {snake(key): word, "component": {"name": "C"}, "variable": {"name": "V"}}
            said = answer_status(answer(spoken, action, **{snake(field): [one]}))
        assert said.status == word
        assert means_done(said.status) == (word in {"Accepted", "Unlocked", "Scheduled"})


def test_a_change_configuration_that_needs_a_reboot_is_not_shown_as_done() -> None:
    said = answer_status(v16.ChangeConfiguration(status="RebootRequired"))
    assert said == AnswerStatus("RebootRequired")
    outcome = Outcome(CallState.ANSWERED, said.status, said.detail)
    assert not outcome.accepted
    assert not Outcome(CallState.ANSWERED, "NotSupported").accepted
    assert Outcome(CallState.ANSWERED, "Accepted").accepted


def test_a_batch_of_results_is_counted_and_the_refused_ones_named() -> None:
    results = [
        {"attribute_status": "Accepted", "component": {"name": "A"}, "variable": {"name": "X"}},
        {"attribute_status": "Accepted", "component": {"name": "A"}, "variable": {"name": "Y"}},
        {
            "attribute_status": "Rejected",
            "component": {"name": "OCPPCommCtrlr"},
            "variable": {"name": "HeartbeatInterval"},
            "attribute_status_info": {"reason_code": "ValueTooLow"},
        },
    ]
    said = answer_status(v201.SetVariables(set_variable_result=results))
    assert said.status == "2 Accepted, 1 Rejected"
    assert said.detail == "OCPPCommCtrlr.HeartbeatInterval Rejected (ValueTooLow)"
    assert not means_done(said.status)
    assert means_done("3 Accepted")


def test_the_station_reason_becomes_the_detail() -> None:
    said = answer_status(v201.Reset(status="Rejected", status_info={"reason_code": "TxInProgress"}))
    assert said == AnswerStatus("Rejected", "TxInProgress")


def test_an_answer_without_a_status_is_answered() -> None:
    assert answer_status(v16.GetLocalListVersion(list_version=3)).status == "Answered"
    assert answer_status(v16.GetConfiguration(configuration_key=[])).status == "Answered"
    assert means_done("Answered")


def test_what_a_hostile_station_says_is_kept_short() -> None:
    said = answer_status(v16.Reset(status="X" * 10_000))
    assert len(said.status) <= 40
    many = [{"status": f"Word{i}"} for i in range(1_000)]
    counted = answer_status(v201.ClearVariableMonitoring(clear_monitoring_result=many))
    assert counted.status.endswith("996 other") and len(counted.status) < 80
    assert counted.detail.endswith("997 more") and len(counted.detail) <= 160
