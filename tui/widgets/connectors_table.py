"""Connectors pane: the selected station's EVSEs and connectors with meter and transaction.

One row per connector, labelled "EVSE/connector": a 1.6 connector n is "n/1";
a 2.x EVSE shows each connector it reported ("1/1", "1/2"), with the EVSE's
meter and transaction on each. A ⚠ before a transaction says some of its
events never came; the border says which, and what the rows cannot show (a
transaction whose EVSE is not named yet, stops with no start).
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from ...core.model.seqnos import gaps
from ...core.model.state import (
    ConnectorState,
    EvseState,
    State,
    StationState,
    Transaction,
    connector_count,
)
from ..formatting import kw, kwh
from ..station_text import station_text

COLUMNS = (
    ("EVSE", 4),
    ("Status", 11),
    ("Error", 13),
    ("Meter", 11),
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
    "Occupied": "bold blue",  # 2.x: a vehicle is plugged in
}


def connector_row(
    state: State, station_id: str, evse: EvseState, connector: ConnectorState | None = None
) -> tuple[Text | str, ...]:
    """The cells of one connector's row (`connector`: one the 2.x EVSE reported; None: the
    EVSE's only connector, as 1.6 has it)."""
    word = connector.status if connector is not None else evse.status
    status = station_text(word or "—", style=_STATUS_STYLE.get(word, ""))
    error = evse.error_code if evse.error_code not in ("", "NoError") else "—"
    tx = state.open_transaction_on(station_id, evse.evse_id)
    tx_text: Text | str = "—"
    if tx is not None:
        tx_text = station_text(f"{tx.transaction_id} ({tx.id_tag})")
        if tx.missing_events:
            tx_text = Text.assemble(("⚠ ", "bold red"), tx_text)
    energy = kwh(state.energy_so_far(tx)) if tx else "—"
    return (
        f"{evse.evse_id}/{connector.connector_id if connector is not None else 1}",
        status,
        station_text(error, style="red") if error != "—" else error,
        kwh(evse.energy_wh),
        kw(evse.power_w),
        tx_text,
        energy,
    )


class ConnectorsTable(DataTable[Text | str]):
    """Connectors of the selected station: status, error code, meter, power, open transaction."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.station_id: str | None = None
        self._rows: dict[str, tuple[Text | str, ...]] = {}

    def on_mount(self) -> None:
        keys = [self.add_column(label, width=width) for label, width in COLUMNS]
        self._first_column = keys[0]
        self.border_title = "Connectors"

    @property
    def selected(self) -> int | None:
        """The EVSE (1.6: connector) id under the cursor."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value or "0"
        return int(key.split("/", 1)[0])

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
        shown: set[str] = set()
        added = False
        for evse_id in sorted(e for e in station.evses if e > 0):
            evse = station.evses[evse_id]
            connectors: list[ConnectorState | None] = [
                evse.connectors[n] for n in sorted(evse.connectors)
            ] or [None]
            for connector in connectors:
                row = connector_row(state, station.station_id, evse, connector)
                key = str(row[0])
                shown.add(key)
                old = self._rows.get(key)
                if old is None:
                    self.add_row(*row, key=key)
                    added = True
                elif old != row:
                    index = self.get_row_index(key)
                    for column, (before, after) in enumerate(zip(old, row, strict=True)):
                        if before != after:
                            self.update_cell_at((index, column), after)
                self._rows[key] = row
        for gone in [key for key in self._rows if key not in shown]:
            self.remove_row(gone)  # "n/1" once the EVSE reports its own connectors
            del self._rows[gone]
        if added:
            self.sort(self._first_column, key=_evse_order)
        self.border_title = Text.assemble("Connectors · ", station_text(station.station_id))
        self.border_subtitle = notes(state, station)


def notes(state: State, station: StationState) -> Text:
    """What the rows do not say of a station: events lost of its open transactions,
    transactions whose EVSE is not named yet, stops with no start (first: a narrow border
    cuts the end), then its connector count."""
    said: list[Text] = []
    for tx in state.open_transactions(station.station_id):
        if tx.evse_id is None:
            said.append(Text.assemble("tx ", station_text(tx.transaction_id), ": EVSE not named"))
        if tx.missing_events:
            said.append(Text.assemble("tx ", station_text(tx.transaction_id), _lost(tx)))
    if station.orphan_stops:
        plural = "s" if station.orphan_stops > 1 else ""
        said.append(Text(f"{station.orphan_stops} stop{plural} without a start", style="red"))
    count = connector_count(station)
    said.append(Text(count.reason or f"{count.declared} declared, all reporting"))
    return Text(" · ").join(said)


def _lost(tx: Transaction) -> Text:
    """The first gap of a transaction's seqNos, and how many more: ": seqNo 4-6 lost"."""
    found = gaps(tx.seq_runs)
    first, last = found[0]
    numbers = str(first) if first == last else f"{first}-{last}"
    more = f" and {len(found) - 1} more" if len(found) > 1 else ""
    return Text(f": seqNo {numbers}{more} lost", style="red")


def _evse_order(label: str) -> tuple[int, ...]:
    return tuple(int(part) for part in label.split("/"))
