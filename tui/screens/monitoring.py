"""A station's monitoring (2.x block N): its monitors, the newest event per component and
variable (NotifyEvent), and its customer-information reports, all from the state.

Opened live, it asks the station for its monitors. Keys set a monitor, clear the selected
one, ask for a fresh report, set the monitoring base and level, and ask for a customer's
information. What the station says comes back as notices, so the lists fill as its
reports arrive (and the same in replay). Every word is the station's: shown as text,
never markup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from ...core.csms.builders.contract import CommandUnavailable
from ...core.csms.builders.monitoring import MONITORING_BASES, NewMonitor
from ...core.csms.commands import Commands
from ...core.model.customer_information import CustomerReport
from ...core.model.state import Notice
from ..formatting import clock_time
from ..sending import Send
from ..station_text import shown, station_text
from .command_form import CommandForm, Field, positive_number, required, whole_number

POLL = 0.5  # seconds between looks at what the station reported
MONITOR_COLUMNS = ("Id", "Type", "Variable, threshold, severity", "Reported")
EVENT_COLUMNS = ("Time (UTC)", "EVSE", "Component/variable", "Trigger", "", "Details")
CUSTOMER_COLUMNS = ("Request", "Parts", "Complete", "Information")
ALERT = Text("alert", style="bold red")
SHOWN_TEXT = 200  # characters of a customer report in its row


def monitor_cells(notice: Notice) -> tuple[str | Text, ...]:
    """A monitor's row: its id, type, what it watches, when it was reported."""
    return (
        station_text(notice.subject),
        station_text(notice.status),
        station_text(notice.detail),
        clock_time(notice.at),
    )


def event_cells(notice: Notice) -> tuple[str | Text, ...]:
    """An event's row: when, where, its trigger, whether it still alerts, its details."""
    return (
        clock_time(notice.at),
        str(notice.evse) if notice.evse else "—",
        station_text(notice.subject),
        station_text(notice.status),
        ALERT if notice.flag else "",
        station_text(notice.detail, style="dim"),
    )


def customer_cells(report: CustomerReport) -> tuple[str | Text, ...]:
    """A customer report's row: its request, parts, whether all came, its text (cut)."""
    text = report.text if len(report.text) <= SHOWN_TEXT else report.text[:SHOWN_TEXT] + "…"
    return (
        station_text(report.request_id),
        str(report.parts),
        "yes" if report.complete else Text("not yet", style="yellow"),
        station_text(text),
    )


class MonitoringScreen(ModalScreen[None]):
    """One station's monitors, events and customer reports, redrawn on a timer."""

    DEFAULT_CSS = """
    MonitoringScreen { align: center middle; }
    #monitoring { border: round $primary; background: $surface; padding: 0 1;
                  width: 95%; height: 90%; }
    #monitoring DataTable { height: 1fr; }
    .monitoring-title { text-style: bold; margin-top: 1; }
    #monitoring-note { color: $text-muted; }
    """
    BINDINGS = [
        Binding("a", "add", "Set monitor"),
        Binding("x", "clear", "Clear monitor"),
        Binding("r", "report", "Report"),
        Binding("b", "base", "Base"),
        Binding("v", "level", "Level"),
        Binding("c", "customer", "Customer info"),
        Binding("escape,q", "dismiss", "Close"),
    ]

    def __init__(
        self, commands: Commands, station_id: str, send: Send, interval: float = POLL
    ) -> None:
        super().__init__()
        self.commands = commands
        self.station_id = station_id
        self.send = send
        self.interval = interval
        self._shown: tuple[list[Notice], list[Notice], list[CustomerReport]] = ([], [], [])

    def compose(self) -> ComposeResult:
        with Vertical(id="monitoring") as body:
            body.border_title = Text(f"Monitoring · {shown(self.station_id)}")
            yield Static(
                "Monitors the station reported (r asks again), the newest event per "
                "component and variable, and customer information in parts.",
                id="monitoring-note",
            )
            for title, name, columns in (
                ("Monitors", "monitors", MONITOR_COLUMNS),
                ("Events", "events", EVENT_COLUMNS),
                ("Customer information", "customers", CUSTOMER_COLUMNS),
            ):
                yield Static(title, classes="monitoring-title")
                table: DataTable[str | Text] = DataTable(id=f"monitoring-{name}", cursor_type="row")
                table.add_columns(*columns)
                yield table
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_rows()
        self.query_one("#monitoring-monitors", DataTable).focus()
        self.set_interval(self.interval, self.refresh_rows)
        if self.commands.enabled:  # live: ask the station for its monitors now
            self.action_report()

    def refresh_rows(self) -> None:
        """Redraw each table whose records changed."""
        sid = self.station_id
        now = (
            self.commands.monitors(sid),
            self.commands.events(sid),
            self.commands.customer_reports(sid),
        )
        cells: tuple[Callable[[Any], tuple[str | Text, ...]], ...] = (
            monitor_cells,
            event_cells,
            customer_cells,
        )
        for name, rows, old, cell in zip(
            ("monitors", "events", "customers"), now, self._shown, cells, strict=True
        ):
            if rows != old:
                table = self.query_one(f"#monitoring-{name}", DataTable)
                table.clear()
                for row in rows:
                    table.add_row(*cell(row))
        self._shown = now

    def _ask(self, title: str, fields: list[Field], then: Callable[[dict[str, Any]], None]) -> None:
        def done(values: dict[str, Any] | None) -> None:
            if values is not None:
                then(values)

        self.app.push_screen(
            CommandForm(station_text(f"{title} · {self.station_id}"), fields), done
        )

    def action_add(self) -> None:
        """Set a monitor on a variable (SetVariableMonitoring), of a type the station's
        version has."""
        sid = self.station_id
        try:
            types = self.commands.monitor_types(sid)
        except CommandUnavailable as exc:  # a version ocppdeck does not speak
            self.notify(str(exc), severity="warning", markup=False)
            return

        def send(v: dict[str, Any]) -> None:
            monitor = NewMonitor(
                v["component"], v["variable"], v["type"], v["value"], v["severity"], v["evse"]
            )
            self.send(lambda: self.commands.set_monitor(sid, monitor), f"Set monitor {sid}")

        self._ask(
            "Set monitor",
            [
                Field("component", "Component:", "EVSE", parse=required),
                Field("evse", "EVSE (0: none):", "1", parse=whole_number()),
                Field("variable", "Variable:", "Power", parse=required),
                Field("type", "Type:", types[0], types),
                Field("value", "Threshold, delta or seconds:", "7000", parse=positive_number),
                Field("severity", "Severity (0 danger … 9 debug):", "4", parse=whole_number()),
            ],
            send,
        )

    def action_clear(self) -> None:
        """Clear the selected monitor (ClearVariableMonitoring)."""
        table = self.query_one("#monitoring-monitors", DataTable)
        monitors = self._shown[0]
        if not monitors or not 0 <= table.cursor_row < len(monitors):
            self.notify("Select a monitor first.", severity="warning", markup=False)
            return
        subject = monitors[table.cursor_row].subject
        if not subject.isdigit():
            self.notify("That monitor has no id to clear.", severity="warning", markup=False)
            return
        sid = self.station_id
        self.send(
            lambda: self.commands.clear_monitors(sid, [int(subject)]),
            f"Clear monitor {subject} {sid}",
        )

    def action_report(self) -> None:
        """Ask for every monitor (GetMonitoringReport)."""
        sid = self.station_id
        self.send(lambda: self.commands.get_monitoring_report(sid), f"Monitoring report {sid}")

    def action_base(self) -> None:
        """Set the monitoring base (SetMonitoringBase)."""
        sid = self.station_id
        self._ask(
            "Monitoring base",
            [Field("base", "Base:", MONITORING_BASES[0], MONITORING_BASES)],
            lambda v: self.send(
                lambda: self.commands.set_monitoring_base(sid, v["base"]),
                f"Monitoring base {v['base']} {sid}",
            ),
        )

    def action_level(self) -> None:
        """Set the monitoring level (SetMonitoringLevel)."""
        sid = self.station_id
        self._ask(
            "Monitoring level",
            [Field("severity", "Report severity up to (0 … 9):", "9", parse=whole_number())],
            lambda v: self.send(
                lambda: self.commands.set_monitoring_level(sid, v["severity"]),
                f"Monitoring level {v['severity']} {sid}",
            ),
        )

    def action_customer(self) -> None:
        """Ask for (or clear) a customer's information (CustomerInformation)."""
        sid = self.station_id
        self._ask(
            "Customer information",
            [
                Field("customer", "Customer identifier:", parse=required),
                Field("what", "Ask to:", "Report", ("Report", "Clear", "Report and clear")),
            ],
            lambda v: self.send(
                lambda: self.commands.customer_information(
                    sid, v["customer"], v["what"] != "Clear", v["what"] != "Report"
                ),
                f"Customer information {sid}",
            ),
        )
