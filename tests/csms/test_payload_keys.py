"""Payload keys converted once (core/csms/sessions/payload_keys.py): handlers get the keys
the `ocpp` library would give them, stations get the answers the library would send, and
a station that invents keys cannot grow what is kept."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from ocpp.charge_point import (
    camel_to_snake_case,
    remove_nones,
    serialize_as_dict,
    snake_to_camel_case,
)
from ocpp.v16 import call_result
from ocpp.v16.datatypes import IdTagInfo
from ocpp.v16.enums import AuthorizationStatus, RegistrationStatus
from ocpp.v201 import call_result as call_result_201

from ocppdeck.core.csms.sessions import payload_keys
from ocppdeck.core.csms.sessions.payload_keys import camel_key, snake_key, to_snake, to_wire
from ocppdeck.core.dialects import DIALECTS

NOW = "2025-01-01T00:00:00Z"


def _property_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for name, value in node.get("properties", {}).items():
            yield name
            yield from _property_names(value)
        for value in node.values():
            if isinstance(value, dict | list):
                yield from _property_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _property_names(value)


def _wire_keys() -> set[str]:
    """Every field name in every schema file of every version the CSMS speaks."""
    names: set[str] = set()
    for dialect in DIALECTS.values():
        for path in dialect.schemas.glob("*.json"):
            names.update(_property_names(json.loads(path.read_text(encoding="utf-8-sig"))))
    return names


def test_every_field_of_every_schema_converts_as_the_library_converts_it() -> None:
    keys = _wire_keys()
    assert len(keys) > 300  # the schemas were found
    for key in sorted(keys):
        assert snake_key(key) == next(iter(camel_to_snake_case({key: 0}))), key
        snake = snake_key(key)
        assert camel_key(snake) == next(iter(snake_to_camel_case({snake: 0}))), snake


def test_a_nested_call_reaches_its_handler_with_the_librarys_keys() -> None:
    event = {
        "eventType": "Started",
        "timestamp": NOW,
        "triggerReason": "Authorized",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "t1", "chargingState": "Charging"},
        "evse": {"id": 1, "connectorId": 1},
        "idToken": {"idToken": "TAG", "type": "ISO14443", "additionalInfo": [{"x": 1}]},
        "meterValue": [
            {
                "timestamp": NOW,
                "sampledValue": [{"value": 1.5, "unitOfMeasure": {"unit": "Wh"}}],
            }
        ],
        "customData": {"vendorId": "v", "socLimitReached": True, "nothing": None},
    }
    assert to_snake(event) == camel_to_snake_case(event)


@pytest.mark.parametrize(
    "answer",
    [
        call_result.BootNotification(
            current_time=NOW, interval=300, status=RegistrationStatus.accepted
        ),
        call_result.StartTransaction(
            transaction_id=7,
            id_tag_info=IdTagInfo(status=AuthorizationStatus.accepted, parent_id_tag="P"),
        ),
        call_result.StopTransaction(),
        call_result_201.TransactionEvent(
            id_token_info={
                "status": "Accepted",
                "cache_expiry_date_time": None,
                "group_id_token": {"id_token": "G", "type": "Central"},
            }
        ),
        call_result_201.Authorize(id_token_info={"status": "Accepted"}, certificate_status=None),
    ],
    ids=lambda a: type(a).__name__,
)
def test_an_answer_goes_on_the_wire_as_the_library_would_send_it(answer: Any) -> None:
    library = remove_nones(snake_to_camel_case(serialize_as_dict(answer)))
    ours = to_wire(answer)
    assert ours == library
    # The same text once on the wire: enums are sent as their values.
    assert json.dumps(ours) == json.dumps(library)


def test_a_station_inventing_keys_cannot_grow_what_is_kept() -> None:
    invented = {f"vendorKey{i}": i for i in range(10_000)}
    long_key = "k" + "A" * 10_000
    converted = to_snake({**invented, long_key: 1})
    assert converted == camel_to_snake_case({**invented, long_key: 1})
    # What is kept stays bounded, and a long key is never kept.
    assert len(payload_keys._SNAKE) <= payload_keys._CACHED_KEYS
    assert long_key not in payload_keys._SNAKE
