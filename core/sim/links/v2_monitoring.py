"""A simulated 2.x station's monitoring (block N) and customer information: it keeps the
CSMS's monitors (core/sim/monitors.py), raises a NotifyEvent when a monitored power crosses
its threshold, reports its monitors in NotifyMonitoringReport parts, and answers
CustomerInformation with NotifyCustomerInformation parts. Mixed into the 2.x `V2Answers`;
the fields used are the same in 2.0.1 and 2.1 but one (`_reported`)."""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from ocpp.routing import after, on

from ..connector import ConnectorSim
from ..host import StationHost
from ..monitors import MONITORED, Crossing, Monitor

PART_SIZE = 4  # monitors per NotifyMonitoringReport: a few monitors already come in parts
UNITS = "W"
REPORT_SCHEMA = "NotifyMonitoringReportRequest.json"


def _component(evse: int) -> dict[str, Any]:
    return {"name": MONITORED[0], "evse": {"id": evse}}


async def fire_monitors(station: StationHost, calls: ModuleType, connector: ConnectorSim) -> None:
    """NotifyEvent for each threshold the connector's power just crossed (or came back
    from), after its reading went out."""
    crossed = station.monitors.crossings(connector.connector_id, connector.power_w)
    if crossed:
        events = [_event(station, crossing, connector) for crossing in crossed]
        await station.send(
            calls.NotifyEvent(generated_at=station.timestamp(), seq_no=0, event_data=events)
        )


def _event(station: StationHost, crossing: Crossing, connector: ConnectorSim) -> dict[str, Any]:
    monitor = crossing.monitor
    event: dict[str, Any] = {
        "event_id": crossing.event_id,
        "timestamp": station.timestamp(),
        "trigger": "Alerting",
        "actual_value": f"{crossing.power_w:.0f}",
        "cleared": crossing.cleared,
        "event_notification_type": "CustomMonitor",
        "variable_monitoring_id": monitor.monitor_id,
        "tech_info": f"{monitor.kind} {monitor.value:g} {UNITS}",
        "component": _component(monitor.evse),
        "variable": {"name": MONITORED[1]},
    }
    if connector.transaction_id is not None:
        event["transaction_id"] = str(connector.transaction_id)
    return event


@cache
def names_notification_type(calls: ModuleType) -> bool:
    """Whether this version's monitoring report names each monitor's eventNotificationType:
    2.1's schema requires it, 2.0.1's forbids it. The library's own schema says."""
    package = Path(sys.modules[calls.__name__.rpartition(".")[0]].__file__ or "").parent
    schema = json.loads((package / "schemas" / REPORT_SCHEMA).read_text(encoding="utf-8"))
    monitoring = schema["definitions"]["VariableMonitoringType"]
    return "eventNotificationType" in monitoring.get("required", [])


def _reported(monitor: Monitor, named: bool) -> dict[str, Any]:
    reported: dict[str, Any] = {
        "id": monitor.monitor_id,
        "transaction": False,
        "value": monitor.value,
        "type": monitor.kind,
        "severity": monitor.severity,
    }
    if named:
        reported["event_notification_type"] = "CustomMonitor"
    return {
        "component": _component(monitor.evse),
        "variable": {"name": MONITORED[1]},
        "variable_monitoring": [reported],
    }


async def report_monitors(station: StationHost, calls: ModuleType, request_id: int) -> None:
    """Every monitor, PART_SIZE to a NotifyMonitoringReport, tbc on all but the last."""
    kept = sorted(station.monitors.monitors.items())
    named = names_notification_type(calls)
    monitors = [_reported(m, named) for _, m in kept]
    parts = [monitors[i : i + PART_SIZE] for i in range(0, len(monitors), PART_SIZE)]
    for seq, part in enumerate(parts):
        await station.send(
            calls.NotifyMonitoringReport(
                request_id=request_id,
                seq_no=seq,
                generated_at=station.timestamp(),
                monitor=part,
                tbc=seq < len(parts) - 1,
            )
        )


def customer_parts(station: StationHost, customer: str, report: bool, clear: bool) -> list[str]:
    """What the station says it holds of a customer, one line a part."""
    listed = station.local_list.status_of(customer)
    lines = [f"Customer {customer} at {station.spec.station_id}. "]
    if report:
        lines.append(f"Local authorization list: {listed or 'not listed'}. ")
        lines.append("Authorization cache: empty; stored transactions: none with personal data.")
    if clear:
        lines.append(" Cleared: nothing personal is kept.")
    return lines


async def report_customer(
    station: StationHost, calls: ModuleType, request_id: int, parts: list[str]
) -> None:
    """NotifyCustomerInformation, one part per line, tbc on all but the last."""
    for seq, data in enumerate(parts):
        await station.send(
            calls.NotifyCustomerInformation(
                data=data,
                seq_no=seq,
                generated_at=station.timestamp(),
                request_id=request_id,
                tbc=seq < len(parts) - 1,
            )
        )


class V2Monitoring:
    """The `@on` / `@after` handlers of monitoring and customer information."""

    _station: StationHost
    calls: ModuleType
    results: ModuleType

    @on("SetVariableMonitoring")
    def on_set_variable_monitoring(
        self, set_monitoring_data: list[dict[str, Any]], **_: Any
    ) -> Any:
        results = []
        for data in set_monitoring_data:
            component, variable = data["component"], data["variable"]
            status, monitor_id = self._station.monitors.set(
                component["name"],
                variable["name"],
                (component.get("evse") or {}).get("id", 0),
                data["type"],
                data["value"],
                data["severity"],
                data.get("id"),
            )
            result = {
                "status": status,
                "type": data["type"],
                "severity": data["severity"],
                "component": component,
                "variable": variable,
            }
            if monitor_id is not None:
                result["id"] = monitor_id
            results.append(result)
        return self.results.SetVariableMonitoring(set_monitoring_result=results)

    @on("ClearVariableMonitoring")
    def on_clear_variable_monitoring(self, id: list[int], **_: Any) -> Any:
        results = [{"id": n, "status": self._station.monitors.clear(n)} for n in id]
        return self.results.ClearVariableMonitoring(clear_monitoring_result=results)

    @on("SetMonitoringBase")
    def on_set_monitoring_base(self, monitoring_base: str, **_: Any) -> Any:
        self._station.monitors.set_base(monitoring_base)
        return self.results.SetMonitoringBase(status="Accepted")

    @on("SetMonitoringLevel")
    def on_set_monitoring_level(self, severity: int, **_: Any) -> Any:
        self._station.monitors.level = severity
        return self.results.SetMonitoringLevel(status="Accepted")

    @on("GetMonitoringReport")
    def on_get_monitoring_report(self, **_: Any) -> Any:
        # Every request gets every monitor: criteria and component filters are not kept.
        empty = not self._station.monitors.monitors
        return self.results.GetMonitoringReport(status="EmptyResultSet" if empty else "Accepted")

    @after("GetMonitoringReport")
    def after_get_monitoring_report(self, request_id: int, **_: Any) -> None:
        if self._station.monitors.monitors:
            self._station.spawn(
                report_monitors(self._station, self.calls, request_id), "monitoring report"
            )

    @on("CustomerInformation")
    def on_customer_information(self, customer_identifier: str | None = None, **_: Any) -> Any:
        # A simulated station knows its customers by identifier only.
        known = bool(customer_identifier)
        return self.results.CustomerInformation(status="Accepted" if known else "Invalid")

    @after("CustomerInformation")
    def after_customer_information(
        self,
        request_id: int,
        report: bool,
        clear: bool,
        customer_identifier: str | None = None,
        **_: Any,
    ) -> None:
        if customer_identifier:
            parts = customer_parts(self._station, customer_identifier, report, clear)
            self._station.spawn(
                report_customer(self._station, self.calls, request_id, parts), "customer"
            )
