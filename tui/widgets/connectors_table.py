"""Connectors pane: the selected station's connectors with meter and transaction."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from ...core.state import ConnectorState, State, connector_count
from ..formatting import kw, kwh

COLUMNS = (
    ("#", 2),
    ("Status", 11),
    ("Error", 13),
    ("Meter", 13),
    ("Power", 8),
    ("Transaction", 15),
    ("Energy", 10),
)

_STATUS_STYLE = {
    "Available": "green",
    "Preparing": "cyan",
    "Charging": "bold blue",
    "SuspendedEV": "yellow",
    "SuspendedEVSE": "yellow",
    "Finishing": "cyan",
    "Reserved": "magenta",
    "Unavailable": "dim",
    "Faulted": "bold red",
}


def connector_row(state: State, station_id: str, conn: ConnectorState) -> tuple[Text | str, ...]:
    """The cells of one connector's row."""
    status = Text(conn.status or "—", style=_STATUS_STYLE.get(conn.status, ""))
    error = conn.error_code if conn.error_code not in ("", "NoError") else "—"
    tx = state.open_transaction_on(station_id, conn.connector_id)
    tx_text = f"{tx.transaction_id} ({tx.id_tag})" if tx else "—"
    energy = kwh(state.energy_so_far(tx)) if tx else "—"
    return (
        str(conn.connector_id),
        status,
        Text(error, style="red") if error != "—" else error,
        kwh(conn.energy_wh),
        kw(conn.power_w),
        tx_text,
        energy,
    )


class ConnectorsTable(DataTable[Text | str]):
    """Connectors of the selected station: status, error code, meter, power, open transaction."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.station_id: str | None = None
        self._rows: dict[int, tuple[Text | str, ...]] = {}

    def on_mount(self) -> None:
        for label, width in COLUMNS:
            self.add_column(label, width=width)
        self.border_title = "Connectors"

    @property
    def selected(self) -> int | None:
        """The connector id under the cursor."""
        if not self.row_count:
            return None
        return int(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value or 0)

    def show(self, state: State, station_id: str | None) -> None:
        """Show a station's connectors, keeping the cursor when the station is unchanged."""
        if station_id != self.station_id:
            self.clear()
            self._rows.clear()
            self.station_id = station_id
        station = state.stations.get(station_id) if station_id else None
        if station is None:
            self.border_title = "Connectors"
            self.border_subtitle = ""
            return
        for cid in sorted(c for c in station.connectors if c > 0):
            row = connector_row(state, station.station_id, station.connectors[cid])
            old = self._rows.get(cid)
            if old is None:
                self.add_row(*row, key=str(cid))
            elif old != row:
                index = self.get_row_index(str(cid))
                for column, (before, after) in enumerate(zip(old, row, strict=True)):
                    if before != after:
                        self.update_cell_at((index, column), after)
            self._rows[cid] = row
        self.border_title = f"Connectors · {station.station_id}"
        count = connector_count(station)
        self.border_subtitle = count.reason or f"{count.declared} declared, all reporting"
