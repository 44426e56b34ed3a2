"""Live meters pane: power and energy over time for the selected connector."""

from __future__ import annotations

from rich.text import Text
from textual_plotext import PlotextPlot

from ...core.model.state import EvseState
from ..formatting import clock_time
from ..station_text import shown


class MeterPlot(PlotextPlot):
    """Power (kW, left axis) and energy (kWh, right axis) of one connector over time."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._shown: tuple[str, int, int, float | None] | None = None

    def on_mount(self) -> None:
        self.border_title = "Live meter"
        self._empty("select a connector")

    def _empty(self, why: str) -> None:
        self.plt.clear_data()
        self.plt.clear_figure()
        self.plt.title(why)
        self.refresh()

    def show(self, station_id: str | None, evse: EvseState | None) -> None:
        """Plot an EVSE's (1.6: connector's) history; redraws only when a new sample arrived."""
        if station_id is None or evse is None:
            if self._shown is not None:
                self._shown = None
                self._empty("select a connector")
            return
        newest = evse.history[-1][0] if evse.history else None
        key = (station_id, evse.evse_id, len(evse.history), newest)
        if key == self._shown:
            return
        self._shown = key
        self.border_title = Text(f"Live meter · {shown(station_id)} #{evse.evse_id}")
        if not evse.history:
            self._empty("no meter values yet")
            return
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        t0 = evse.history[0][0]
        power = [(ts - t0, p / 1000) for ts, _, p in evse.history if p is not None]
        energy = [(ts - t0, e / 1000) for ts, e, _ in evse.history if e is not None]
        if power:
            plt.plot([x for x, _ in power], [y for _, y in power], label="power kW", yside="left")
        if energy:
            plt.plot(
                [x for x, _ in energy], [y for _, y in energy], label="energy kWh", yside="right"
            )
        plt.xlabel(f"seconds since {clock_time(t0)} UTC")
        self.refresh()
