"""Connectors pane: the selected station's EVSEs and connectors with meter and transaction.

One row per connector, labelled "EVSE/connector": a 1.6 connector n is "n/1";
a 2.x EVSE shows each connector it reported ("1/1", "1/2"), with the EVSE's
meter and transaction on each. A ⚠ before a transaction says some of its
events never came; the border says which, and what the rows cannot show (a
transaction whose EVSE is not named yet, stops with no start). With none open,
an EVSE shows why its last transaction ended (a driver, a master pass, a reset…).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from ...core.csms.tariff import Tariffs
from ...core.model.seqnos import gaps
from ...core.model.state import (
    ConnectorState,
    EvseState,
    State,
    StationState,
    Transaction,
    connector_count,
)
from ..cost_text import cost_text
from ..formatting import clock_time, kw, kwh
from ..station_text import station_text
from .fitted_table import Column, FittedTable, Row

# On a narrow pane the connector, its status and its transaction stay longest.
COLUMNS = (
    Column("EVSE", 4, 0),
    Column("Status", 11, 1),
    Column("Error", 13, 4),
    Column("Meter", 10, 6),
    Column("Power", 8, 3),
    Column("Transaction", 13, 2, grows=True),
    Column("Energy", 10, 5),
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
    state: State,
    station_id: str,
    evse: EvseState,
    connector: ConnectorState | None = None,
    tariffs: Tariffs | None = None,
    ended: Transaction | None = None,
) -> tuple[Text | str, ...]:
    """The cells of one connector's row (`connector`: one the 2.x EVSE reported; None: the
    EVSE's only connector, as 1.6 has it); an open transaction's cost (tui/cost_text.py)
    follows it in its cell. With none open, the cell says why `ended` (the EVSE's newest
    ended transaction, see `last_ended`) ended."""
    word = connector.status if connector is not None else evse.status
    status = station_text(word or "—", style=_STATUS_STYLE.get(word, ""))
    error = evse.error_code if evse.error_code not in ("", "NoError") else "—"
    tx = state.open_transaction_on(station_id, evse.evse_id)
    tx_text: Text | str = "—"
    if tx is not None:
        tx_text = station_text(f"{tx.transaction_id} ({tx.id_tag})")
        if tx.missing_events:
            tx_text = Text.assemble(("⚠ ", "bold red"), tx_text)
        cost = cost_text(tx, state.energy_so_far(tx), tariffs)
        if cost is not None:
            tx_text = Text.assemble(tx_text, " · ", cost)
    elif ended is not None:
        tx_text = Text("ended", style="dim")
        if ended.stop_reason:
            tx_text = Text.assemble(tx_text, " · ", station_text(ended.stop_reason, style="dim"))
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


def last_ended(state: State, station_id: str) -> dict[int, Transaction]:
    """The newest ended transaction of each of the station's EVSEs (by when it stopped)."""
    newest: dict[int, Transaction] = {}
    for tx in state.by_station.get(station_id, {}).values():
        if tx.is_open or tx.evse_id is None or tx.stopped_at is None:
            continue
        kept = newest.get(tx.evse_id)
        if kept is None or (kept.stopped_at or 0.0) <= tx.stopped_at:
            newest[tx.evse_id] = tx
    return newest


def last_known(row: Row) -> Row:
    """A row of an offline station, dimmed: what it said last, not what it does now."""
    return tuple(Text(cell.plain if isinstance(cell, Text) else cell, style="dim") for cell in row)


class ConnectorsTable(FittedTable):
    """Connectors of the selected station: status, error code, meter, power, open transaction."""

    COLUMNS = COLUMNS

    def __init__(self, tariffs: Tariffs | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.station_id: str | None = None
        self.tariffs = tariffs  # prices for the cost of 1.6 transactions (est.)

    def on_mount(self) -> None:
        super().on_mount()
        self.border_title = "Connectors"

    @property
    def selected(self) -> int | None:
        """The EVSE (1.6: connector) id under the cursor."""
        key = self.cursor_key
        return None if key is None else int(key.split("/", 1)[0])

    def order(self, label: str) -> tuple[int, ...]:
        """EVSE by EVSE, then connector by connector: "2/1" before "10/1"."""
        return tuple(int(part) for part in label.split("/"))

    def show(self, state: State, station_id: str | None) -> None:
        """Show a station's connectors, keeping the cursor when the station is unchanged."""
        if station_id != self.station_id:
            self.drop_all()
            self.station_id = station_id
        station = state.stations.get(station_id) if station_id else None
        if station is None:
            self.border_title = "Connectors"
            self.border_subtitle = ""
            return
        shown: set[str] = set()
        added = False
        ended = last_ended(state, station.station_id)
        for evse_id in sorted(e for e in station.evses if e > 0):
            evse = station.evses[evse_id]
            connectors: list[ConnectorState | None] = [
                evse.connectors[n] for n in sorted(evse.connectors)
            ] or [None]
            for connector in connectors:
                row = connector_row(
                    state, station.station_id, evse, connector, self.tariffs, ended.get(evse_id)
                )
                if not state.is_online(station):
                    row = last_known(row)
                key = str(row[0])
                shown.add(key)
                added |= self.put_row(key, row)
        for gone in [key for key in self.rows_by_key if key not in shown]:
            self.drop_row(gone)  # "n/1" once the EVSE reports its own connectors
        if added:
            self.sort_rows()
        title = Text.assemble("Connectors · ", station_text(station.station_id))
        if not state.is_online(station):  # short: on a narrow pane the time must still show
            seen = station.disconnected_at or station.last_frame
            title = Text.assemble(
                station_text(station.station_id), (f" · last known {clock_time(seen)}", "dim")
            )
        self.border_title = title
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
