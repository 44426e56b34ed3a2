"""The built-in automations, registered as entry points exactly as a plugin would be.

Each reads facts, never a version's payloads, so it acts alike on every OCPP version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..csms.commands import CommandUnavailable
from ..model import facts as f
from ..model.state import CountVerdict, EvseState, State, Transaction, connector_count
from ..wire.frame import Frame
from .plugins import Actions

# A count short of the declared one is normal just after a boot, while the
# connectors are still reporting; it is only a finding once they had this long.
COUNT_SETTLE_SECONDS = 60.0
# An EV plugged in and waiting: 1.6 Preparing, 2.x Occupied (no version has both).
PLUGGED_IN = frozenset({"Preparing", "Occupied"})


@dataclass(slots=True)
class AutoStart:
    """Remote start when an EV plugs in: an EVSE (1.6: connector) goes Preparing (2.x:
    Occupied) with no transaction open on it.

    Starts with `auto_start_id_tag` (else `default_id_tag`), on the stations
    in `auto_start_stations` (empty: every station).
    """

    name: str = "auto-start"
    description: str = "remote start with the configured id tag when an EV plugs in"

    def on_frame(self, frame: Frame, facts: Sequence[f.Fact], state: State, act: Actions) -> None:
        settings = act.settings
        if settings.auto_start_stations and frame.station not in settings.auto_start_stations:
            return
        for fact in facts:
            if isinstance(fact, f.StatusChanged) and fact.status in PLUGGED_IN:
                self._plugged_in(frame.station, fact.evse, state, act)

    @staticmethod
    def _plugged_in(station_id: str, evse_id: int, state: State, act: Actions) -> None:
        station = state.stations.get(station_id)
        evse = station.evses.get(evse_id) if station is not None and evse_id > 0 else None
        # The state, not the fact: a late notification older than the newest status is no
        # plug-in.
        if evse is None or evse.status not in PLUGGED_IN:
            return
        if state.open_transaction_on(station_id, evse_id) is not None:
            return
        id_tag = act.settings.auto_start_id_tag or act.settings.default_id_tag
        try:
            queued = act.commands.remote_start(station_id, evse_id, id_tag)
        except CommandUnavailable as exc:
            act.note(station_id, f"no remote start on #{evse_id}: {exc}", connector=evse_id)
            return
        act.note(
            station_id,
            f"remote start on #{evse_id} for {id_tag}",
            connector=evse_id,
            idTag=id_tag,
            command=queued.id,
        )


@dataclass(slots=True)
class OrphanRecovery:
    """A transaction starting on an EVSE (1.6: connector) with one still open closes the old one.

    The old one closes at its last meter value with reason Other: the station
    evidently ended it without telling us.
    """

    name: str = "orphan-recovery"
    description: str = "close an orphaned transaction when a new one starts on its connector"

    def on_frame(self, frame: Frame, facts: Sequence[f.Fact], state: State, act: Actions) -> None:
        if not any(isinstance(fact, f.TxStarted) for fact in facts):
            return
        by_evse: dict[int, list[Transaction]] = {}
        for tx in state.open_transactions(frame.station):  # oldest first
            if tx.evse_id is not None:
                by_evse.setdefault(tx.evse_id, []).append(tx)
        station = state.stations.get(frame.station)
        for evse_id, txs in by_evse.items():
            newest = txs[-1]
            for old in txs[:-1]:
                evse = station.evses.get(evse_id) if station is not None else None
                meter_stop = _last_reading(evse, old, newest)
                act.close_transaction(
                    old,
                    meter_stop,
                    "Other",
                    f"closed orphaned transaction {old.transaction_id} on #{evse_id} "
                    f"at {meter_stop if meter_stop is not None else '?'} Wh: "
                    f"{newest.transaction_id} started",
                )


def _last_reading(evse: EvseState | None, old: Transaction, newest: Transaction) -> float | None:
    """The newest energy reading during `old`: after it started, before `newest` did."""
    if evse is not None:
        start = old.started_at if old.started_at is not None else float("-inf")
        end = newest.started_at if newest.started_at is not None else float("inf")
        for ts, energy, _ in reversed(evse.history):
            if energy is not None and start <= ts < end:
                return energy
    return old.meter_start


@dataclass(slots=True)
class ConnectorCountCheck:
    """After a boot, flags a station whose declared connector count the seen ones contradict."""

    name: str = "connector-count"
    description: str = "flag a station whose declared connector count disagrees after a boot"
    # Station -> the boot it was flagged for: once per boot.
    _flagged: dict[str, float] = field(default_factory=dict)

    def on_frame(self, frame: Frame, facts: Sequence[f.Fact], state: State, act: Actions) -> None:
        station = state.stations.get(frame.station)
        if station is None or station.last_boot is None or station.declared_evses is None:
            return
        if self._flagged.get(frame.station) == station.last_boot:
            return
        count = connector_count(station)
        if count.verdict is CountVerdict.MISSING:
            if frame.ts < station.last_boot + COUNT_SETTLE_SECONDS:
                return
        elif count.verdict is not CountVerdict.CONTRADICTED:
            return
        self._flagged[frame.station] = station.last_boot
        act.note(
            frame.station,
            f"connector count {count.verdict.value}: {count.reason}",
            notify=True,
            verdict=count.verdict.value,
            declared=count.declared,
            seen=count.seen,
            boot=station.last_boot,
        )
