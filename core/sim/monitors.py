"""What a simulated 2.x station watches (block N): the operator's monitors on its EVSEs'
power, the monitoring base and level, and the events a crossed threshold raises.

The station knows one variable a monitor may watch: `Power` of component `EVSE` (with
its id), the W its meter reports as Power.Active.Import. Upper and lower thresholds are
kept. 2.1's TargetDelta and TargetDeltaRelative watch a variable's distance from its
Target attribute, which this Power has none of (its limit is a maximum, not a target):
they are Rejected, as 2.1 allows for a variable without a target. Other types are
answered UnsupportedMonitorType. A threshold crossed raises one event, and one more
(cleared) when the power comes back; no event repeats while the power stays past it.
Monitors are kept across connections, at most MAX_MONITORS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MONITORED = ("EVSE", "Power")  # (component, variable) a simulated station can watch
THRESHOLDS = ("UpperThreshold", "LowerThreshold")
TARGET_DELTAS = ("TargetDelta", "TargetDeltaRelative")  # 2.1: relative to a Target value
MAX_MONITORS = 64
MAX_SEVERITY = 9


@dataclass(slots=True)
class Monitor:
    """One monitor: its id, the EVSE whose power it watches, its type, threshold (W) and
    severity; `alerting` while the power is past the threshold."""

    monitor_id: int
    evse: int
    kind: str
    value: float
    severity: int
    alerting: bool = False


@dataclass(frozen=True, slots=True)
class Crossing:
    """A threshold crossed (or come back from: `cleared`) at a power reading."""

    event_id: int
    monitor: Monitor
    power_w: float
    cleared: bool


@dataclass(slots=True)
class StationMonitors:
    """The station's monitors, by id, and what it reports."""

    monitors: dict[int, Monitor] = field(default_factory=dict)
    base: str = "All"
    level: int = MAX_SEVERITY  # events of this severity or worse (lower) are reported
    _next_id: int = 1
    _next_event: int = 1

    def set(
        self,
        component: str,
        variable: str,
        evse: int,
        kind: str,
        value: float,
        severity: int,
        monitor_id: int | None,
    ) -> tuple[str, int | None]:
        """Take a SetMonitoringData entry: its SetMonitoringStatus and the monitor's id."""
        if component != MONITORED[0] or evse < 1:
            return "UnknownComponent", None
        if variable != MONITORED[1]:
            return "UnknownVariable", None
        if kind in TARGET_DELTAS:
            return "Rejected", None  # Power has no Target attribute to be a delta from
        if kind not in THRESHOLDS:
            return "UnsupportedMonitorType", None
        if not 0 <= severity <= MAX_SEVERITY:
            return "Rejected", None
        if monitor_id is not None and monitor_id not in self.monitors:
            return "Rejected", None  # an id names a monitor to replace, never a new one
        if monitor_id is None and len(self.monitors) >= MAX_MONITORS:
            return "Rejected", None
        if monitor_id is None:
            monitor_id, self._next_id = self._next_id, self._next_id + 1
        self.monitors[monitor_id] = Monitor(monitor_id, evse, kind, value, severity)
        return "Accepted", monitor_id

    def clear(self, monitor_id: int) -> str:
        """ClearMonitoringStatus of one id: Accepted or NotFound."""
        return "Accepted" if self.monitors.pop(monitor_id, None) is not None else "NotFound"

    def set_base(self, base: str) -> None:
        """SetMonitoringBase: FactoryDefault and HardWiredOnly drop the custom monitors (a
        simulated station has no preconfigured ones)."""
        self.base = base
        if base != "All":
            self.monitors.clear()

    def crossings(self, evse: int, power_w: float) -> list[Crossing]:
        """The events a new power reading on `evse` raises, within the monitoring level."""
        found = []
        for monitor in self.monitors.values():
            if monitor.evse != evse:
                continue
            past = (
                power_w > monitor.value
                if monitor.kind == THRESHOLDS[0]
                else (power_w < monitor.value)
            )
            if past == monitor.alerting:
                continue
            monitor.alerting = past
            if monitor.severity <= self.level:
                found.append(Crossing(self._next_event, monitor, power_w, not past))
                self._next_event += 1
        return found
