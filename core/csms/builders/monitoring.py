"""What an operator asks of a station's monitoring (2.x block N): a monitor on a variable,
and a customer-information request, in operator terms (`problem` says what is wrong, for
`Commands` to refuse); v2_monitoring.py turns them into calls. 1.6 has neither (v16_absent.py)."""

from __future__ import annotations

from dataclasses import dataclass

# MonitoringBaseEnumType: which preconfigured monitors a station keeps.
MONITORING_BASES = ("All", "FactoryDefault", "HardWiredOnly")
MAX_NAME = 50  # characters of a component's or variable's name (and instance), by the schemas
MAX_SEVERITY = 9  # 0 Danger .. 9 Debug
MAX_CUSTOMER = 64  # characters of a customerIdentifier


@dataclass(frozen=True, slots=True)
class NewMonitor:
    """A monitor to set: on `variable` of `component` (of an EVSE, 0: none), a `kind` of
    monitor type with its threshold, delta or interval `value`, and a `severity` 0-9.
    `monitor_id` replaces the station's monitor of that id; None asks for a new one."""

    component: str
    variable: str
    kind: str
    value: float
    severity: int
    evse: int = 0
    monitor_id: int | None = None

    def problem(self, types: tuple[str, ...]) -> str:
        """What is wrong with it, for the operator ("": nothing); `types` are the monitor
        types of the station's version (core/csms/schema_choices.py)."""
        if not self.component or not self.variable:
            return "a monitor names a component and a variable"
        if len(self.component) > MAX_NAME or len(self.variable) > MAX_NAME:
            return f"component and variable names are at most {MAX_NAME}"
        if self.kind not in types:
            return f"a monitor type is one of {', '.join(types)}"
        if not 0 <= self.severity <= MAX_SEVERITY:
            return f"a severity is 0 (danger) to {MAX_SEVERITY} (debug)"
        if self.evse < 0 or (self.monitor_id is not None and self.monitor_id < 0):
            return "an EVSE and a monitor id are 0 or more"
        return ""

    def data(self) -> dict[str, object]:
        """The SetMonitoringData entry (snake_case, as the library takes it)."""
        component: dict[str, object] = {"name": self.component}
        if self.evse:
            component["evse"] = {"id": self.evse}
        entry: dict[str, object] = {
            "value": self.value,
            "type": self.kind,
            "severity": self.severity,
            "component": component,
            "variable": {"name": self.variable},
        }
        if self.monitor_id is not None:
            entry["id"] = self.monitor_id
        return entry


@dataclass(frozen=True, slots=True)
class CustomerQuery:
    """A CustomerInformation request: report what the station holds of a customer, clear
    it, or both; the customer named by an identifier the station knows them by."""

    request_id: int
    customer: str
    report: bool = True
    clear: bool = False

    def problem(self) -> str:
        """What is wrong with it, for the operator ("": nothing)."""
        if not self.customer or len(self.customer) > MAX_CUSTOMER:
            return f"a customer identifier is 1 to {MAX_CUSTOMER} characters"
        if not (self.report or self.clear):
            return "ask for a report, a clear, or both"
        return ""
