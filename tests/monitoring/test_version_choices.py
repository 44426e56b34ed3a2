"""Each 2.x version's own monitor types and display-message states, formats and length: the
console offers what the station's schema has (2.1 adds TargetDelta, TargetDeltaRelative,
Suspended, Discharging, QRCODE and 1024-character messages to 2.0.1's), a simulated 2.1
station answers the new ones as the spec says, and a 2.0.1 station is never sent them and
refuses them when crafted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ocppdeck.core.csms.builders.contract import CommandUnavailable
from ocppdeck.core.csms.builders.display import DisplayChoices
from ocppdeck.core.csms.builders.monitoring import NewMonitor
from ocppdeck.core.csms.outbound_queue import CallState
from ocppdeck.core.csms.schema_choices import display_choices, monitor_types
from ocppdeck.core.dialects import V16, V21, V201, Dialect
from tests.helpers.engine import frames_of, wait_for
from tests.monitoring.stations import answered, simulated

TARGET_DELTAS = {"TargetDelta", "TargetDeltaRelative"}


def schema_types(dialect: Dialect, file: str) -> dict[str, Any]:
    schema = json.loads((dialect.schemas / file).read_text(encoding="utf-8-sig"))
    types: dict[str, Any] = schema["definitions"]
    return types


@pytest.mark.parametrize("dialect", [V201, V21], ids=lambda d: d.name)
def test_the_choices_are_the_schema_enums_of_the_station_version(dialect: Dialect) -> None:
    monitoring = schema_types(dialect, "SetVariableMonitoringRequest.json")
    assert list(monitor_types(dialect)) == monitoring["MonitorEnumType"]["enum"]
    display = schema_types(dialect, "SetDisplayMessageRequest.json")
    allowed = display_choices(dialect)
    assert list(allowed.states) == display["MessageStateEnumType"]["enum"]
    assert list(allowed.formats) == display["MessageFormatEnumType"]["enum"]
    content = display["MessageContentType"]["properties"]["content"]
    assert allowed.longest == content["maxLength"]


def test_21_offers_its_new_values_2_0_1_none_of_them_and_1_6_no_choices() -> None:
    assert set(monitor_types(V21)) - set(monitor_types(V201)) == TARGET_DELTAS
    new, old = display_choices(V21), display_choices(V201)
    assert set(new.states) - set(old.states) == {"Suspended", "Discharging"}
    assert set(new.formats) - set(old.formats) == {"QRCODE"}
    assert (old.longest, new.longest) == (512, 1024)
    assert monitor_types(V16) == ()
    assert display_choices(V16) == DisplayChoices((), (), 0)


def power_monitor(kind: str) -> NewMonitor:
    return NewMonitor("EVSE", "Power", kind, 500.0, 4, 1)


@pytest.mark.timeout(40)
async def test_a_21_station_rejects_target_deltas_and_shows_a_suspended_message(
    tmp_path: Path,
) -> None:
    async with simulated(tmp_path, V21.name) as (engine, station):
        sid, commands = station.spec.station_id, engine.commands
        assert set(commands.monitor_types(sid)) >= TARGET_DELTAS
        # Its Power has no Target attribute to be a delta from: Rejected, and nothing kept.
        for kind in ("TargetDelta", "TargetDeltaRelative"):
            outcome = await answered(commands.set_monitor(sid, power_monitor(kind)))
            assert (outcome.state, outcome.status) == (CallState.ANSWERED, "Rejected")
        assert not station.monitors.monitors
        # A threshold on the same variable is still taken.
        assert (await answered(commands.set_monitor(sid, power_monitor("UpperThreshold")))).accepted

        suspended = commands.set_display_message(sid, 7, "InFront", "Resumes at 14:00", "Suspended")
        assert (await answered(suspended)).status == "Accepted"
        assert station.display.messages[7]["state"] == "Suspended"
        assert (await answered(commands.get_display_messages(sid))).accepted
        await wait_for(lambda: commands.display_messages(sid))
        [listed] = commands.display_messages(sid)
        assert listed.status.startswith("InFront, Suspended")
        long = commands.set_display_message(sid, 8, "NormalCycle", "x" * 1000, "Discharging")
        assert (await answered(long)).status == "Accepted"


@pytest.mark.timeout(40)
async def test_a_2_0_1_station_is_never_sent_2_1_values_and_refuses_them_crafted(
    tmp_path: Path,
) -> None:
    async with simulated(tmp_path, V201.name) as (engine, station):
        sid, commands = station.spec.station_id, engine.commands
        with pytest.raises(CommandUnavailable, match="a monitor type is one of Upper"):
            commands.set_monitor(sid, power_monitor("TargetDelta"))
        with pytest.raises(CommandUnavailable, match="a state is one of Charging"):
            commands.set_display_message(sid, 1, "InFront", "Hi", "Suspended")
        with pytest.raises(CommandUnavailable, match="1 to 512 characters"):
            commands.set_display_message(sid, 1, "InFront", "x" * 1000)
        assert not [f for f in frames_of(engine, sid) if f.action == "SetVariableMonitoring"]

        # Sent anyway, unchecked: the station's own schema check answers a CallError.
        monitor = {
            "setMonitoringData": [
                {
                    "value": 500.0,
                    "type": "TargetDelta",
                    "severity": 4,
                    "component": {"name": "EVSE", "evse": {"id": 1}},
                    "variable": {"name": "Power"},
                }
            ]
        }
        message = {
            "message": {
                "id": 1,
                "priority": "InFront",
                "state": "Suspended",
                "message": {"format": "UTF8", "content": "Hi"},
            }
        }
        for action, payload in (("SetVariableMonitoring", monitor), ("SetDisplayMessage", message)):
            outcome = await commands.craft(sid, action, payload, check=False).future
            assert (outcome.state, outcome.status) == (CallState.FAILED, "FormatViolation")
        assert not station.monitors.monitors and not station.display.messages
