"""The dialect registry against the `ocpp` library it names: every part loads, the lists
are the library's, and every operator command builds a call the library knows."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest

from ocppdeck.core.csms.authorization import Authorization, ListedTag
from ocppdeck.core.csms.builders.charging_profile import ProfilePlan, parse_periods
from ocppdeck.core.csms.builders.contract import Builder, CertificateHash, CommandUnavailable
from ocppdeck.core.csms.builders.display import NewDisplayMessage
from ocppdeck.core.csms.builders.jobs import FirmwareUpdate, LogUpload, Retries
from ocppdeck.core.csms.builders.monitoring import CustomerQuery, NewMonitor
from ocppdeck.core.dialects import (
    DEFAULT,
    DIALECTS,
    Dialect,
    UnknownDialect,
    dialect,
    reader_for,
    station_sends,
)
from ocppdeck.core.model.charging_schedule import Purpose
from ocppdeck.core.model.readers import eventlog
from ocppdeck.core.model.state import VariableKey

ALL = list(DIALECTS.values())


def library_actions(d: Dialect) -> set[str]:
    calls = d.calls
    return {
        name
        for name, cls in vars(calls).items()
        if dataclasses.is_dataclass(cls) and cls.__module__ == calls.__name__
    }


@pytest.mark.parametrize("d", ALL, ids=lambda d: d.name)
def test_every_part_of_a_dialect_loads(d: Dialect) -> None:
    assert d.session.value.__name__.endswith("Answers")
    assert d.link.value.answers is not None
    charge_point = d.with_answers(d.session.value)
    assert issubclass(charge_point, d.charge_point)
    assert charge_point.results is d.results and charge_point.calls is d.calls
    assert d.request_schema("Heartbeat").is_file()


@pytest.mark.parametrize("d", ALL, ids=lambda d: d.name)
def test_the_lists_are_the_librarys(d: Dialect) -> None:
    assert d.station_actions <= library_actions(d)
    csms = d.csms_actions()
    assert csms and not set(csms) & d.station_actions
    assert "DataTransfer" in csms and station_sends("DataTransfer")
    enum = d.library.rsplit(".", 1)[-1]
    triggers = {
        "v16": "MessageTrigger",
        "v201": "MessageTriggerEnumType",
        "v21": "MessageTriggerEnumType",
    }[enum]
    library_triggers = {m.value for m in getattr(d.enums, triggers)}
    assert set(d.triggers) <= library_triggers
    if enum != "v16":  # 1.6 leaves the security extension's triggers to ExtendedTriggerMessage
        assert set(d.triggers) == library_triggers


# One call of every operator command, in the operator's terms.
COMMANDS: dict[str, tuple[Any, ...]] = {
    "remote_start": (1, "TAG", 5),
    "remote_stop": ("17",),
    "reset": (True,),
    "unlock": (1, 1),
    "change_availability": (0, False),
    "trigger": ("StatusNotification", 1, ""),
    "get_variable": ("OCPPCommCtrlr", "HeartbeatInterval"),
    "set_variable": ("OCPPCommCtrlr", "HeartbeatInterval", "60", VariableKey("A", "B")),
    "get_settings": (),
    "base_report": (3, "FullInventory"),
    "inventory": (4,),
    "clear_cache": (),
    "data_transfer": ("acme", "ping", "x"),
    "reserve_now": (1, "TAG", "2030-01-01T00:00:00.000Z", 9),
    "cancel_reservation": (9,),
    "send_local_list": (2, [ListedTag("TAG", "", Authorization("Accepted", None, "GROUP"))], True),
    "local_list_version": (),
    "set_charging_limit": (1, 16.0, "A", 60, "2030-01-01T00:00:00.000Z", 11),
    "clear_charging_limit": (0,),
    "charging_profile": (
        ProfilePlan(
            12,
            1,
            Purpose.TX_DEFAULT,
            1,
            "A",
            parse_periods("0:16, 60:8"),
            "2030-01-01T00:00:00.000Z",
        ),
    ),
    "charging_profiles": (13, 1),
    "clear_profile": (12, None, None),
    "composite_schedule": (1, 600, "W"),
    "set_password": ("0123456789abcdef0123",),
    "sign_certificate_trigger": (),
    "install_certificate": ("ManufacturerRootCertificate", "-----BEGIN CERTIFICATE-----"),
    "installed_certificates": ("ManufacturerRootCertificate",),
    "delete_certificate": (CertificateHash("SHA256", "aa", "bb", "1"),),
    "security_profile": (2, "wss://127.0.0.1:9001", True),
    "update_firmware": (
        FirmwareUpdate(
            "https://files/fw.bin", "2030-01-01T00:00:00Z", 15, Retries(1, 60), "C", "S"
        ),
    ),
    "get_log": (LogUpload("https://files/up", 16, "SecurityLog", "2030-01-01T00:00:00Z"),),
    "set_variable_monitoring": (NewMonitor("EVSE", "Power", "UpperThreshold", 7000.0, 4, 1),),
    "set_monitoring_base": ("All",),
    "set_monitoring_level": (5,),
    "monitoring_report": (12,),
    "clear_variable_monitoring": ([3],),
    "customer_information": (CustomerQuery(13, "CUST-1"),),
    "set_display_message": (NewDisplayMessage(2, "InFront", "Welcome"),),
    "display_messages": (14,),
    "clear_display_message": (2,),
}
# Commands of the 2.x device model's blocks (N, O) and GetChargingProfiles (K): 1.6
# refuses them by name.
DEVICE_MODEL_ONLY = frozenset(
    {
        "base_report",
        "charging_profiles",
        "set_variable_monitoring",
        "set_monitoring_base",
        "set_monitoring_level",
        "monitoring_report",
        "clear_variable_monitoring",
        "customer_information",
        "set_display_message",
        "display_messages",
        "clear_display_message",
    }
)


def test_the_table_names_every_command_of_the_contract() -> None:
    methods = {
        name
        for name, member in inspect.getmembers(Builder, inspect.isfunction)
        if not name.startswith("_") and name not in {"read_settings", "set_statuses"}
    }
    assert methods == set(COMMANDS)


@pytest.mark.parametrize("d", ALL, ids=lambda d: d.name)
def test_every_command_builds_a_call_the_csms_may_send(d: Dialect) -> None:
    builder = d.commands()
    csms = set(d.csms_actions())
    built = 0
    for name, args in COMMANDS.items():
        try:
            made = getattr(builder, name)(*args)
        except CommandUnavailable:
            assert name in DEVICE_MODEL_ONLY and not builder.device_model
            continue
        for call in made if isinstance(made, list) else [made]:  # a step may take calls
            assert type(call).__module__ == d.calls.__name__, name
            assert type(call).__name__ in csms, name
        built += 1
    assert built >= len(COMMANDS) - (0 if builder.device_model else len(DEVICE_MODEL_ONLY))


def test_unknown_versions_are_refused_by_name_and_read_as_the_default() -> None:
    with pytest.raises(UnknownDialect, match="ocpp9"):
        dialect("ocpp9")
    assert reader_for("ocpp9") is DEFAULT.reader
    assert reader_for("") is DEFAULT.reader
    assert reader_for(eventlog.PROTOCOL) is eventlog
    assert all(reader_for(name) is d.reader for name, d in DIALECTS.items())
