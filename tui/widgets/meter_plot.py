"""Live meters pane: power, energy and the charging limit over time for the selected connector.

The limit is the projection's (core/model/charging.py): what the profiles the CSMS set
and the composite schedules the station gave allow, drawn at each sample's time on the
power axis. The border's subtitle says the limit now and the EVSE's newest smart-charging
notices (tui/charging_text.py).
"""

from __future__ import annotations

from rich.text import Text
from textual_plotext import PlotextPlot

from ...core.model.charging import limit_line
from ...core.model.state import EvseState, StationState
from ..charging_text import charging_line
from ..formatting import clock_time
from ..station_text import shown


class MeterPlot(PlotextPlot):
    """Power and limit (kW, left axis) and energy (kWh, right axis) of one connector."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._shown: tuple[object, ...] | None = None
        self.limits: list[tuple[float, float]] = []  # (seconds since the first sample, kW)

    def on_mount(self) -> None:
        self.border_title = "Live meter"
        self._empty("select a connector")

    def _empty(self, why: str) -> None:
        self.plt.clear_data()
        self.plt.clear_figure()
        self.plt.title(why)
        self.limits = []
        self.refresh()

    def show(
        self, station_id: str | None, evse: EvseState | None, station: StationState | None = None
    ) -> None:
        """Plot an EVSE's (1.6: connector's) history and its limit (from `station`'s
        charging events); redraws only when a new sample or limit arrived."""
        if station_id is None or evse is None:
            if self._shown is not None:
                self._shown = None
                self.border_subtitle = ""
                self._empty("select a connector")
            return
        events = station.charging if station is not None else ()
        line = Text()
        if station is not None and station.last_frame is not None:
            line = charging_line(station, evse.evse_id, station.last_frame)
        newest = evse.history[-1][0] if evse.history else None
        key = (station_id, evse.evse_id, len(evse.history), newest, events, line.plain)
        if key == self._shown:
            return
        self._shown = key
        self.border_title = Text(f"Live meter · {shown(station_id)} #{evse.evse_id}")
        self.border_subtitle = line
        if not evse.history:
            self._empty("no meter values yet")
            return
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        t0 = evse.history[0][0]
        power = [(ts - t0, p / 1000) for ts, _, p in evse.history if p is not None]
        energy = [(ts - t0, e / 1000) for ts, e, _ in evse.history if e is not None]
        times = [ts for ts, _, _ in evse.history]
        drawn = zip(times, limit_line(events, evse.evse_id, times), strict=True)
        self.limits = [(ts - t0, w / 1000) for ts, w in drawn if w is not None]
        if power:
            plt.plot([x for x, _ in power], [y for _, y in power], label="power kW", yside="left")
        if self.limits:
            xs, ys = [x for x, _ in self.limits], [y for _, y in self.limits]
            plt.plot(xs, ys, label="limit kW", yside="left", color="red")
        if energy:
            plt.plot(
                [x for x, _ in energy], [y for _, y in energy], label="energy kWh", yside="right"
            )
        plt.xlabel(f"seconds since {clock_time(t0)} UTC")
        self.refresh()
