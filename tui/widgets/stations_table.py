"""Stations pane: one row per station, updated in place from state."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from ...core.model.state import CountVerdict, State, StationState, connector_count
from ..formatting import clock_time
from ..station_text import station_text

COLUMNS = (
    ("Station", 14),
    ("Vendor / model", 15),
    ("Proto", 5),
    ("Link", 9),
    ("Heartbeat", 9),
    ("Conn.", 6),
)


def station_row(state: State, station: StationState) -> tuple[Text | str, ...]:
    """The cells of one station's row."""
    online = state.is_online(station)
    link = Text("● online", style="bold green") if online else Text("○ offline", style="dim")
    refused = station.refused_at
    if not online and refused is not None and refused >= (station.connected_at or refused):
        link = Text("✕ refused", style="bold red")  # its last attempt failed the handshake
    elif online and station.boot_status in ("Pending", "Rejected"):
        # An operator has not accepted it (see the station registry, S).
        link = Text(f"◐ {station.boot_status.lower()}", style="bold yellow")
    count = connector_count(station)
    declared = "?" if count.declared is None else str(count.declared)
    conn = Text(f"{declared}/{count.seen}")
    if count.verdict in (CountVerdict.MISSING, CountVerdict.CONTRADICTED):
        conn.append(" ⚠", style="bold red")
    elif count.verdict is CountVerdict.STALE:
        conn.append(" ~", style="yellow")
    vendor = " ".join(part for part in (station.vendor, station.model) if part) or "—"
    proto = station.protocol.removeprefix("ocpp") or "—"
    return (
        station_text(station.station_id),
        station_text(vendor),
        station_text(proto),
        link,
        clock_time(station.last_heartbeat),
        conn,
    )


class StationsTable(DataTable[Text | str]):
    """Every station: id, vendor/model, protocol, link, last heartbeat, declared/seen connectors.

    A ⚠ marks a station whose declared connector count disagrees with the
    connectors it reported; ~ marks a count declared before its last boot.
    """

    BINDINGS = [
        Binding("enter", "select_cursor", "Select", show=False),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._rows: dict[str, tuple[Text | str, ...]] = {}

    def on_mount(self) -> None:
        keys = [self.add_column(label, width=width) for label, width in COLUMNS]
        self._first_column = keys[0]
        self.border_title = "Stations"

    @property
    def selected(self) -> str | None:
        """The station under the cursor."""
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def refresh_from(self, state: State) -> None:
        """Add new stations and change only the cells that changed."""
        added = False
        for station_id in sorted(state.stations):
            row = station_row(state, state.stations[station_id])
            old = self._rows.get(station_id)
            if old is None:
                self.add_row(*row, key=station_id)
                added = True
            elif old != row:
                for column, (before, after) in enumerate(zip(old, row, strict=True)):
                    if before != after:
                        self.update_cell_at((self.get_row_index(station_id), column), after)
            self._rows[station_id] = row
        if added:
            self.sort(self._first_column, key=str)  # the id cell is a Text: sort its text
        online = sum(1 for s in state.stations.values() if state.is_online(s))
        self.border_subtitle = f"{online}/{len(state.stations)} online"
