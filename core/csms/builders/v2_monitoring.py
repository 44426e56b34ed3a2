"""OCPP 2.0.1 and 2.1 monitoring calls (block N) and CustomerInformation: the fields are the
same in both versions."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .monitoring import CustomerQuery, NewMonitor


class V2Monitoring:
    """Builds the 2.x monitoring operator calls from the version's `call` module."""

    calls: ModuleType

    def set_variable_monitoring(self, monitor: NewMonitor) -> Any:
        """SetVariableMonitoring of one monitor."""
        return self.calls.SetVariableMonitoring(set_monitoring_data=[monitor.data()])

    def set_monitoring_base(self, base: str) -> Any:
        """SetMonitoringBase: which preconfigured monitors the station keeps."""
        return self.calls.SetMonitoringBase(monitoring_base=base)

    def set_monitoring_level(self, severity: int) -> Any:
        """SetMonitoringLevel: report events of this severity or worse (lower)."""
        return self.calls.SetMonitoringLevel(severity=severity)

    def monitoring_report(self, request_id: int) -> Any:
        """GetMonitoringReport of every monitor (its NotifyMonitoringReports follow)."""
        return self.calls.GetMonitoringReport(request_id=request_id)

    def clear_variable_monitoring(self, monitor_ids: list[int]) -> Any:
        """ClearVariableMonitoring of the monitors with these ids."""
        return self.calls.ClearVariableMonitoring(id=monitor_ids)

    def customer_information(self, query: CustomerQuery) -> Any:
        """CustomerInformation (its NotifyCustomerInformation parts follow)."""
        return self.calls.CustomerInformation(
            request_id=query.request_id,
            report=query.report,
            clear=query.clear,
            customer_identifier=query.customer,
        )
