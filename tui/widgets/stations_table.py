"""Stations pane: one row per station, updated in place from state."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.binding import Binding

from ...core.csms.certificates import KnownCertificate
from ...core.model.state import CountVerdict, State, StationState, connector_count
from ..formatting import clock_time
from ..station_text import station_text
from .fitted_table import Column, FittedTable

# On a narrow pane the station, its link and its connector count stay longest.
COLUMNS = (
    Column("Station", 13, 0),
    Column("Vendor / model", 14, 3, grows=True),
    Column("Proto", 5, 5),
    Column("Link", 9, 1),
    Column("Heartbeat", 9, 4),
    Column("Conn.", 6, 2),
    # With the vendor and model, the firmware says which template a simulated station is.
    Column("Firmware", 10, 6),
)


def station_row(
    state: State, station: StationState, expiring: KnownCertificate | None = None
) -> tuple[Text | str, ...]:
    """The cells of one station's row; `expiring` a certificate of it that ends soon."""
    online = state.is_online(station)
    link = Text("● online", style="bold green") if online else Text("○ offline", style="dim")
    refused = station.refused_at
    if not online and refused is not None and refused >= (station.connected_at or refused):
        link = Text("✕ refused", style="bold red")  # its last attempt failed the handshake
    elif online and station.boot_status in ("Pending", "Rejected"):
        # An operator has not accepted it (see the station registry, S).
        link = Text(f"◐ {station.boot_status.lower()}", style="bold yellow")
    if station.unvalidated:  # the operator turned its schema checks off
        link.append(" ⚑", style="bold yellow")
    if expiring is not None:  # within 30 days; red once it has ended
        ended = state.last_ts is not None and expiring.not_after <= state.last_ts
        link.append(" ⧗", style="bold red" if ended else "bold yellow")
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
        station_text(station.firmware or "—", style="dim"),
    )


class StationsTable(FittedTable):
    """Every station: id, vendor, model and firmware, protocol, link, last heartbeat,
    declared/seen connectors.

    A ⚠ marks a station whose declared connector count disagrees with the
    connectors it reported; ~ marks a count declared before its last boot; ⧗ a
    certificate that ends within 30 days (red: ended).
    """

    COLUMNS = COLUMNS
    BINDINGS = [
        Binding("enter", "select_cursor", "Select", show=False),
    ]

    def on_mount(self) -> None:
        super().on_mount()
        self.border_title = "Stations"

    @property
    def selected(self) -> str | None:
        """The station under the cursor."""
        return self.cursor_key

    def refresh_from(
        self, state: State, expiring: Callable[[str], KnownCertificate | None] | None = None
    ) -> None:
        """Add new stations and change only the cells that changed; `expiring` names a
        station's certificate that ends within 30 days (the CSMS's, live)."""
        added = False
        for station_id in sorted(state.stations):
            soon = expiring(station_id) if expiring is not None else None
            added |= self.put_row(station_id, station_row(state, state.stations[station_id], soon))
        if added:
            self.sort_rows()
        online = sum(1 for s in state.stations.values() if state.is_online(s))
        self.border_subtitle = f"{online}/{len(state.stations)} online"
