"""Monitoring (block N) and customer information end to end on 127.0.0.1: the console's
commands reach a simulated 2.0.1 / 2.1 station, and what it reports (its monitors in
NotifyMonitoringReport parts, the NotifyEvent a crossed threshold raises, a customer's
information in NotifyCustomerInformation parts) is what the console lists. 1.6 refuses
every one of these commands by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocppdeck.core.csms.builders.contract import CommandUnavailable
from ocppdeck.core.csms.builders.monitoring import NewMonitor
from ocppdeck.core.dialects import V16
from ocppdeck.core.wire.frame import Direction, Kind
from tests.helpers.engine import frames_of, own_engine, wait_for
from tests.monitoring.stations import DEVICE_MODEL_VERSIONS, answered, simulated


def power_monitor(threshold: float, evse: int = 1, severity: int = 4) -> NewMonitor:
    return NewMonitor("EVSE", "Power", "UpperThreshold", threshold, severity, evse)


def station_calls(engine: object, station_id: str, action: str) -> list[dict[str, object]]:
    return [
        f.payload
        for f in frames_of(engine, station_id)  # type: ignore[arg-type]
        if f.kind is Kind.CALL and f.direction is Direction.IN and f.action == action
    ]


@pytest.mark.timeout(40)
@pytest.mark.parametrize("protocol", DEVICE_MODEL_VERSIONS)
async def test_monitors_set_reported_in_parts_and_cleared(tmp_path: Path, protocol: str) -> None:
    async with simulated(tmp_path, protocol) as (engine, station):
        sid, commands = station.spec.station_id, engine.commands
        for threshold in range(1000, 6000, 1000):  # five monitors: two report parts of four
            outcome = await answered(commands.set_monitor(sid, power_monitor(threshold)))
            assert outcome.status == "Accepted"
        unknown = await answered(
            commands.set_monitor(sid, NewMonitor("Meter", "Power", "UpperThreshold", 1.0, 4))
        )
        assert unknown.status == "UnknownComponent"

        assert (await answered(commands.get_monitoring_report(sid))).status == "Accepted"
        await wait_for(lambda: len(commands.monitors(sid)) == 5)
        parts = station_calls(engine, sid, "NotifyMonitoringReport")
        assert [p["seqNo"] for p in parts] == [0, 1] and [p["tbc"] for p in parts] == [True, False]
        first = commands.monitors(sid)[0]
        assert (first.subject, first.status) == ("1", "UpperThreshold")
        assert first.detail.startswith("EVSE/Power EVSE 1, 1000")

        cleared = await answered(commands.clear_monitors(sid, [2, 99]))
        assert cleared.status == "1 Accepted, 1 NotFound"
        await wait_for(lambda: [m.subject for m in commands.monitors(sid)] == ["1", "3", "4", "5"])

        # HardWiredOnly drops every custom monitor: a new report finds none.
        assert (await answered(commands.set_monitoring_base(sid, "HardWiredOnly"))).accepted
        assert (await answered(commands.get_monitoring_report(sid))).status == "EmptyResultSet"
        assert (await answered(commands.set_monitoring_level(sid, 3))).accepted
        assert station.monitors.level == 3


@pytest.mark.timeout(40)
@pytest.mark.parametrize("protocol", DEVICE_MODEL_VERSIONS)
async def test_a_crossed_power_threshold_raises_an_event_the_console_lists(
    tmp_path: Path, protocol: str
) -> None:
    async with simulated(tmp_path, protocol) as (engine, station):
        sid, commands = station.spec.station_id, engine.commands
        assert (await answered(commands.set_monitor(sid, power_monitor(1.0)))).accepted
        assert (await answered(commands.remote_start(sid, 1, "TAG-M"))).accepted
        await wait_for(lambda: commands.events(sid), timeout=15)
        [event] = commands.events(sid)
        assert (event.evse, event.subject, event.status) == (1, "EVSE/Power", "Alerting")
        assert event.flag  # still past the threshold: an alert standing
        assert "monitor 1" in event.detail and "CustomMonitor" in event.detail
        [sent] = station_calls(engine, sid, "NotifyEvent")
        assert float(sent["eventData"][0]["actualValue"]) > 1.0  # the power that crossed it


@pytest.mark.timeout(40)
@pytest.mark.parametrize("protocol", DEVICE_MODEL_VERSIONS)
async def test_customer_information_comes_in_parts_and_is_assembled(
    tmp_path: Path, protocol: str
) -> None:
    async with simulated(tmp_path, protocol) as (engine, station):
        sid, commands = station.spec.station_id, engine.commands
        outcome = await answered(commands.customer_information(sid, "CUST-7", True, True))
        assert outcome.accepted
        await wait_for(lambda: any(r.complete for r in commands.customer_reports(sid)))
        [report] = commands.customer_reports(sid)
        assert report.parts == 4
        assert report.text.startswith(f"Customer CUST-7 at {sid}. Local authorization list")
        assert report.text.endswith("Cleared: nothing personal is kept.")
        with pytest.raises(CommandUnavailable, match="customer identifier"):
            commands.customer_information(sid, "", True, False)


@pytest.mark.timeout(30)
async def test_a_16_station_is_told_it_has_no_monitoring_or_display(tmp_path: Path) -> None:
    async with simulated(tmp_path, V16.name) as (engine, station):
        sid, commands = station.spec.station_id, engine.commands
        refused = [
            lambda: commands.set_monitor(sid, power_monitor(1.0)),
            lambda: commands.get_monitoring_report(sid),
            lambda: commands.clear_monitors(sid, [1]),
            lambda: commands.set_monitoring_base(sid, "All"),
            lambda: commands.set_monitoring_level(sid, 5),
            lambda: commands.customer_information(sid, "CUST-1"),
            lambda: commands.set_display_message(sid, 1, "NormalCycle", "Hello"),
            lambda: commands.get_display_messages(sid),
            lambda: commands.clear_display_message(sid, 1),
        ]
        for command in refused:
            with pytest.raises(CommandUnavailable, match=r"OCPP 1\.6 has no"):
                command()


@pytest.mark.timeout(20)
async def test_wrong_values_are_refused_before_anything_is_sent(tmp_path: Path) -> None:
    async with own_engine(tmp_path) as engine:
        engine.state.station("ST-X").protocol = DEVICE_MODEL_VERSIONS[0]
        commands = engine.commands
        for bad, said in [
            (lambda: commands.set_monitor("ST-X", power_monitor(1.0, severity=12)), "severity"),
            (lambda: commands.set_monitoring_base("ST-X", "Some"), "monitoring base"),
            (lambda: commands.clear_monitors("ST-X", []), "monitor ids"),
            (lambda: commands.set_display_message("ST-X", 1, "Top", "Hi"), "priority"),
            (lambda: commands.set_display_message("ST-X", 1, "InFront", ""), "1 to 512"),
        ]:
            with pytest.raises(CommandUnavailable, match=said):
                bad()
        assert commands.queue_overview() == []
