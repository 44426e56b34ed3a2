"""The operator's further commands end to end: the core sends, a real `ocpp` station receives.

Each goes through the outbound queue to a 1.6 and a 2.0.1 station on 127.0.0.1;
the station records the call's fields, so the version-specific shape is checked.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from ocppdeck.core.csms.builders.contract import CommandUnavailable, Setting
from ocppdeck.core.csms.builders.v2 import COMMON_VARIABLES, V2Builder
from ocppdeck.core.csms.builders.v16 import V16Builder
from ocppdeck.core.csms.commands import answer_summary
from ocppdeck.core.csms.outbound_queue import Outcome, QueuedCall
from ocppdeck.core.dialects import V16, V21
from ocppdeck.core.engine import Engine
from ocppdeck.core.model.state import VariableKey
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from tests.helpers.command_stations import REPORT_2X, station16, station201
from tests.helpers.engine import wait_for
from tests.helpers.folded import project


async def outcome_of(command: QueuedCall) -> Outcome:
    return await asyncio.wait_for(command.future, 5)


@pytest.mark.timeout(20)
async def test_v16_commands_reach_the_station_with_their_fields(engine: Engine) -> None:
    async with station16(engine, "CP16") as cp:
        c = engine.commands
        sent = {
            "ClearCache": c.clear_cache("CP16"),
            "DataTransfer": c.data_transfer("CP16", "ACME", "ping", "hello"),
            "ReserveNow": c.reserve_now("CP16", 1, "TAG-1", 15, 77),
            "CancelReservation": c.cancel_reservation("CP16", 77),
            "SendLocalList": c.send_local_list("CP16", 2, ["TAG-1", "TAG-2"]),
            "GetLocalListVersion": c.get_local_list_version("CP16"),
            "SetChargingProfile": c.set_charging_profile("CP16", 1, 16, "A", 3600),
            "ClearChargingProfile": c.clear_charging_profile("CP16", 1),
            "TriggerMessage": c.trigger_message("CP16", "MeterValues", 1),
        }
        outcomes = {action: await outcome_of(cmd) for action, cmd in sent.items()}
        assert {a: o.status for a, o in outcomes.items()} == {
            **dict.fromkeys(sent, "Accepted"),
            "GetLocalListVersion": "Answered",
        }
        assert answer_summary(outcomes["GetLocalListVersion"].response) == " (list version 3)"
        assert answer_summary(outcomes["DataTransfer"].response) == " (pong)"
        assert cp.of("ClearCache") == [{}]
        assert cp.of("DataTransfer") == [
            {"vendor_id": "ACME", "message_id": "ping", "data": "hello"}
        ]
        [reserve] = cp.of("ReserveNow")
        assert (reserve["connector_id"], reserve["id_tag"], reserve["reservation_id"]) == (
            1,
            "TAG-1",
            77,
        )
        assert reserve["expiry_date"].endswith("Z")
        assert cp.of("CancelReservation") == [{"reservation_id": 77}]
        assert cp.of("SendLocalList") == [
            {
                "list_version": 2,
                "update_type": "Full",
                "local_authorization_list": [
                    {"id_tag": "TAG-1", "id_tag_info": {"status": "Accepted"}},
                    {"id_tag": "TAG-2", "id_tag_info": {"status": "Accepted"}},
                ],
            }
        ]
        [profile] = cp.of("SetChargingProfile")
        assert profile["connector_id"] == 1
        cs = profile["cs_charging_profiles"]
        assert cs["charging_profile_purpose"] == "TxDefaultProfile"
        assert cs["charging_schedule"]["charging_rate_unit"] == "A"
        assert cs["charging_schedule"]["duration"] == 3600
        assert cs["charging_schedule"]["charging_schedule_period"] == [
            {"start_period": 0, "limit": 16}
        ]
        assert cp.of("ClearChargingProfile") == [
            {"connector_id": 1, "charging_profile_purpose": "TxDefaultProfile"}
        ]
        assert cp.of("TriggerMessage") == [{"requested_message": "MeterValues", "connector_id": 1}]


@pytest.mark.timeout(20)
async def test_v16_configuration_lists_every_key_and_changes_one(engine: Engine) -> None:
    async with station16(engine, "CP16") as cp:
        outcome = await outcome_of(engine.commands.get_configuration("CP16"))
        assert cp.of("GetConfiguration")[-1] == {"key": None}  # every key
        assert engine.commands.read_settings("CP16", outcome.response) == [
            Setting("", "NumberOfConnectors", "1", True),
            Setting("", "HeartbeatInterval", "300", False),
            Setting("", "MeterValueSampleInterval", "60", False),
        ]
        changed = engine.commands.set_variables("CP16", "", "HeartbeatInterval", "120")
        assert (await outcome_of(changed)).status == "Accepted"
        assert cp.of("ChangeConfiguration") == [{"key": "HeartbeatInterval", "value": "120"}]


@pytest.mark.timeout(20)
async def test_v16_station_wide_limit_is_the_charge_point_max_profile(engine: Engine) -> None:
    async with station16(engine, "CP16") as cp:
        limit = engine.commands.set_charging_profile("CP16", 0, 11000, "W", 600)
        clear = engine.commands.clear_charging_profile("CP16", 0)
        assert (await outcome_of(limit)).accepted and (await outcome_of(clear)).accepted
        [profile] = cp.of("SetChargingProfile")
        assert profile["connector_id"] == 0
        cs = profile["cs_charging_profiles"]
        assert cs["charging_profile_purpose"] == "ChargePointMaxProfile"
        assert cs["charging_schedule"]["charging_rate_unit"] == "W"
        assert cp.of("ClearChargingProfile")[0]["charging_profile_purpose"] == (
            "ChargePointMaxProfile"
        )


@pytest.mark.timeout(20)
async def test_v201_commands_reach_the_station_with_their_fields(engine: Engine) -> None:
    async with station201(engine, "CS2") as cp:
        c = engine.commands
        sent = {
            "ClearCache": c.clear_cache("CS2"),
            "DataTransfer": c.data_transfer("CS2", "ACME", "ping", "hello"),
            "ReserveNow": c.reserve_now("CS2", 1, "TAG-1", 15, 78),
            "CancelReservation": c.cancel_reservation("CS2", 78),
            "SendLocalList": c.send_local_list("CS2", 2, ["TAG-1"], full=False),
            "GetLocalListVersion": c.get_local_list_version("CS2"),
            "SetChargingProfile": c.set_charging_profile("CS2", 1, 7400, "W", 900),
            "ClearChargingProfile": c.clear_charging_profile("CS2", 1),
            "TriggerMessage": c.trigger_message("CS2", "TransactionEvent", 1),
            "Reset": c.reset("CS2", hard=False),
        }
        outcomes = {action: await outcome_of(cmd) for action, cmd in sent.items()}
        assert {a: o.status for a, o in outcomes.items()} == {
            **dict.fromkeys(sent, "Accepted"),
            "GetLocalListVersion": "Answered",
        }
        assert answer_summary(outcomes["GetLocalListVersion"].response) == " (list version 3)"
        assert cp.of("ClearCache") == [{}]
        assert cp.of("DataTransfer") == [
            {"vendor_id": "ACME", "message_id": "ping", "data": "hello"}
        ]
        [reserve] = cp.of("ReserveNow")
        assert reserve["id"] == 78 and reserve["evse_id"] == 1
        assert reserve["id_token"] == {"id_token": "TAG-1", "type": "Central"}
        assert reserve["expiry_date_time"].endswith("Z")
        assert cp.of("CancelReservation") == [{"reservation_id": 78}]
        assert cp.of("SendLocalList") == [
            {
                "version_number": 2,
                "update_type": "Differential",
                "local_authorization_list": [
                    {
                        "id_token": {"id_token": "TAG-1", "type": "Central"},
                        "id_token_info": {"status": "Accepted"},
                    }
                ],
            }
        ]
        [profile] = cp.of("SetChargingProfile")
        assert profile["evse_id"] == 1
        charging = profile["charging_profile"]
        assert charging["charging_profile_purpose"] == "TxDefaultProfile"
        assert charging["charging_profile_kind"] == "Absolute"
        [schedule] = charging["charging_schedule"]
        assert schedule["charging_rate_unit"] == "W" and schedule["duration"] == 900
        assert schedule["charging_schedule_period"] == [{"start_period": 0, "limit": 7400}]
        assert cp.of("ClearChargingProfile") == [
            {
                "charging_profile_criteria": {
                    "evse_id": 1,
                    "charging_profile_purpose": "TxDefaultProfile",
                }
            }
        ]
        assert cp.of("TriggerMessage") == [
            {"requested_message": "TransactionEvent", "evse": {"id": 1}}
        ]
        assert cp.of("Reset") == [{"type": "OnIdle"}]


@pytest.mark.timeout(20)
async def test_v201_configuration_reads_the_common_variables(engine: Engine) -> None:
    async with station201(engine, "CS2") as cp:
        outcome = await outcome_of(engine.commands.get_configuration("CS2"))
        [asked] = cp.of("GetVariables")
        pairs = [
            (d["component"]["name"], d["variable"]["name"]) for d in asked["get_variable_data"]
        ]
        assert pairs == [(c, v) for c, v, _ in COMMON_VARIABLES]
        settings = engine.commands.read_settings("CS2", outcome.response)
        assert len(settings) == len(COMMON_VARIABLES)
        heartbeat = next(s for s in settings if s.key == "HeartbeatInterval")
        assert heartbeat == Setting("OCPPCommCtrlr", "HeartbeatInterval", "60", False)
        assert next(s for s in settings if s.key == "SecurityProfile").readonly


@pytest.mark.timeout(20)
async def test_triggers_follow_the_stations_version(engine: Engine) -> None:
    async with station16(engine, "CP16"), station201(engine, "CS2"):
        c = engine.commands
        assert c.triggers("CP16") == V16.triggers
        assert "TransactionEvent" in c.triggers("CS2")
        assert "TransactionEvent" not in c.triggers("CP16")
        with pytest.raises(CommandUnavailable):
            c.trigger_message("CP16", "TransactionEvent")
        for bad in (
            lambda: c.data_transfer("CP16", " "),
            lambda: c.reserve_now("CP16", 1, "", 15, 1),
            lambda: c.set_charging_profile("CP16", 1, 16, "kW", 60),
            lambda: c.set_charging_profile("CP16", 1, 16, "A", 0),
        ):
            with pytest.raises(CommandUnavailable):
                bad()


def test_read_settings_marks_unknown_keys_and_refused_variables() -> None:
    class V16Answer:
        configuration_key: list[dict[str, Any]] = [{"key": "A", "readonly": False}]
        unknown_key = ["B"]

    class V2Answer:
        get_variable_result = [
            {
                "attribute_status": "UnknownVariable",
                "component": {"name": "X"},
                "variable": {"name": "Y"},
            }
        ]

    assert V16Builder(V16.calls).read_settings(V16Answer()) == [
        Setting("", "A", None, False),
        Setting("", "B", None, True, "unknown key"),
    ]
    assert V2Builder(V21.calls).read_settings(V2Answer()) == [
        Setting("X", "Y", None, False, "UnknownVariable")
    ]


@pytest.mark.timeout(20)
async def test_v201_report_lists_every_variable_and_set_names_its_evse(engine: Engine) -> None:
    async with station201(engine, "CS2", REPORT_2X) as cp:
        st = engine.state.stations["CS2"]
        await wait_for(lambda: len(st.variables) == 4)
        heartbeat = st.variables[VariableKey("OCPPCommCtrlr", "HeartbeatInterval")]
        assert (heartbeat.value, heartbeat.mutability) == ("300", "ReadWrite")
        assert st.variables[VariableKey("SecurityCtrlr", "SecurityProfile")].readonly
        settings = engine.commands.reported_settings("CS2")
        assert settings is not None
        by_key = {s.key: s for s in settings}
        enabled = by_key["Enabled"]
        assert (enabled.value, enabled.readonly) == ("true", False)
        assert enabled.where == VariableKey("Connector", "Enabled", evse=1, connector=1)
        assert (by_key["BasicAuthPassword"].value, by_key["BasicAuthPassword"].note) == (
            None,
            "write-only",
        )
        c = engine.commands
        await outcome_of(c.set_variables("CS2", "Connector", "Enabled", "false", enabled.where))
        [sent] = cp.of("SetVariables")
        assert sent["set_variable_data"] == [
            {
                "attribute_value": "false",
                "component": {"name": "Connector", "evse": {"id": 1, "connector_id": 1}},
                "variable": {"name": "Enabled"},
            }
        ]


@pytest.mark.timeout(20)
async def test_reported_settings_are_none_for_16_and_empty_before_a_report(
    engine: Engine,
) -> None:
    async with station16(engine, "CP16"), station201(engine, "CS2"):
        assert engine.commands.reported_settings("CP16") is None
        assert engine.commands.reported_settings("CS2") == []


def test_variable_reports_fold_newest_first_in_any_order() -> None:
    t0 = 1_735_725_600.0

    def report(uid: str, at: str, value: str, mutability: str) -> Frame:
        item = {
            "component": {"name": "TxCtrlr", "instance": "Main"},
            "variable": {"name": "EVConnectionTimeOut"},
            "variableAttribute": [{"value": value, "mutability": mutability}],
        }
        other = {
            "component": {"name": "TxCtrlr"},
            "variable": {"name": uid},
            "variableAttribute": [{"value": "x"}],
        }
        payload = {"requestId": 1, "generatedAt": at, "seqNo": 0, "reportData": [item, other]}
        return Frame(t0, "CS", Direction.IN, Kind.CALL, uid, "NotifyReport", payload, "ocpp2.1")

    frames = [
        report("old", "2025-01-01T10:00:00Z", "30", "ReadWrite"),
        report("new", "2025-01-01T11:00:00Z", "60", "ReadOnly"),
        report("same", "2025-01-01T09:00:00Z", "90", "ReadWrite"),
    ]
    seen = set()
    for order in itertools.permutations(frames):
        variables = project(order).stations["CS"].variables
        seen.add(tuple(sorted((k, v.value, v.mutability) for k, v in variables.items())))
    [found] = seen
    key = VariableKey("TxCtrlr", "EVConnectionTimeOut", component_instance="Main")
    assert (key, "60", "ReadOnly") in found
    assert {k.variable for k, _, _ in found} == {"EVConnectionTimeOut", "old", "new", "same"}


@pytest.mark.timeout(20)
async def test_v21_offers_every_trigger_and_custom_trigger_needs_a_name(engine: Engine) -> None:
    async with station201(engine, "CS21", protocol="ocpp2.1") as cp:
        c = engine.commands
        assert c.triggers("CS21") == V21.triggers
        assert {"CustomTrigger", "SignV2G20Certificate"} <= set(c.triggers("CS21"))
        with pytest.raises(CommandUnavailable):
            c.trigger_message("CS21", "CustomTrigger")
        await outcome_of(c.trigger_message("CS21", "CustomTrigger", None, "VendorStatus"))
        assert cp.of("TriggerMessage") == [
            {"requested_message": "CustomTrigger", "custom_trigger": "VendorStatus"}
        ]
