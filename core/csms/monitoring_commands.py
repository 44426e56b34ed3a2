"""The operator's monitoring commands (2.x block N) and customer information, mixed into
`Commands`, with what the state says of them for the console's monitoring screen.

The station's answers come back as notices (core/model/readers): NotifyMonitoringReport
lists its monitors, NotifyEvent what they saw, NotifyCustomerInformation a report in parts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..dialects import Dialect
from ..model.customer_information import CustomerReport, customer_reports
from ..model.readers.cleared import CLEARED
from ..model.state import Notice, State, Topic
from .builders.contract import Builder, CommandUnavailable
from .builders.monitoring import MAX_SEVERITY, MONITORING_BASES, CustomerQuery, NewMonitor
from .outbound_queue import QueuedCall
from .schema_choices import monitor_types

MAX_CLEARED = 32  # monitor ids one ClearVariableMonitoring takes from the console


def _check(problem: str) -> None:
    if problem:
        raise CommandUnavailable(problem)


class MonitoringCommands:
    """Monitors, their events and customer information; `Commands` gives the means."""

    _state: State
    _send: Callable[[str, Callable[[Builder], Any]], QueuedCall]
    new_id: Callable[[], int]
    dialect_of: Callable[[str], Dialect]

    def monitor_types(self, station_id: str) -> tuple[str, ...]:
        """The monitor types the station's version takes, as its schema lists them."""
        return monitor_types(self.dialect_of(station_id))

    def set_monitor(self, station_id: str, monitor: NewMonitor) -> QueuedCall:
        """Set a monitor on a variable (SetVariableMonitoring); the answer says whether
        the station took it and under which id."""
        types = self.monitor_types(station_id)

        def build(builder: Builder) -> Any:
            call = builder.set_variable_monitoring(monitor)  # 1.6 has none: it says so first
            _check(monitor.problem(types))
            return call

        return self._send(station_id, build)

    def clear_monitors(self, station_id: str, monitor_ids: list[int]) -> QueuedCall:
        """Remove monitors by id (ClearVariableMonitoring)."""
        if not monitor_ids or len(monitor_ids) > MAX_CLEARED:
            raise CommandUnavailable(f"name 1 to {MAX_CLEARED} monitor ids")
        if any(monitor_id < 0 for monitor_id in monitor_ids):
            raise CommandUnavailable("a monitor id is 0 or more")
        return self._send(station_id, lambda b: b.clear_variable_monitoring(list(monitor_ids)))

    def set_monitoring_base(self, station_id: str, base: str) -> QueuedCall:
        """Choose the preconfigured monitors a station keeps (SetMonitoringBase)."""
        if base not in MONITORING_BASES:
            raise CommandUnavailable(f"a monitoring base is one of {', '.join(MONITORING_BASES)}")
        return self._send(station_id, lambda b: b.set_monitoring_base(base))

    def set_monitoring_level(self, station_id: str, severity: int) -> QueuedCall:
        """Have a station report events of `severity` or worse (SetMonitoringLevel)."""
        if not 0 <= severity <= MAX_SEVERITY:
            raise CommandUnavailable(f"a severity is 0 (danger) to {MAX_SEVERITY} (debug)")
        return self._send(station_id, lambda b: b.set_monitoring_level(severity))

    def get_monitoring_report(self, station_id: str) -> QueuedCall:
        """Ask for every monitor (GetMonitoringReport); NotifyMonitoringReport parts follow."""
        request_id = self.new_id()
        return self._send(station_id, lambda b: b.monitoring_report(request_id))

    def customer_information(
        self, station_id: str, customer: str, report: bool = True, clear: bool = False
    ) -> QueuedCall:
        """Ask what a station holds of a customer, and/or have it cleared
        (CustomerInformation); a report comes in NotifyCustomerInformation parts."""
        query = CustomerQuery(self.new_id(), customer.strip(), report, clear)
        _check(query.problem())
        return self._send(station_id, lambda b: b.customer_information(query))

    # --- what the station said -------------------------------------------------
    def monitors(self, station_id: str) -> list[Notice]:
        """The monitors a station reported and has not cleared, by id."""
        found = self._noticed(station_id, Topic.MONITOR)
        live = [n for n in found if n.status != CLEARED]
        return sorted(live, key=lambda n: (len(n.subject), n.subject))

    def events(self, station_id: str) -> list[Notice]:
        """The newest event per component and variable (NotifyEvent), newest first."""
        return self._noticed(station_id, Topic.EVENT)[::-1]

    def customer_reports(self, station_id: str) -> list[CustomerReport]:
        """The customer-information reports a station sent, assembled, newest first."""
        return customer_reports(self._noticed(station_id, Topic.CUSTOMER))

    def _noticed(self, station_id: str, topic: Topic) -> list[Notice]:
        station = self._state.stations.get(station_id)
        return [] if station is None else station.noticed(topic)
