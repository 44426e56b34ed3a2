"""Automations: plugins that watch frames and send commands (events in, commands out).

An automation gets every frame after the projection folded it, with the
state read-only, and acts only through `Actions`: commands to stations, a
transaction close, a note. Whatever it does is published as an AUTOMATION
frame, so the frame log shows it, the recording keeps it and a replay folds
it the same way. Automations run in the live engine only: a replay sends
nothing.

Plugins are found through the `ocppdeck.automations` entry-point group; the
built-ins below are registered there too (pyproject.toml), so a third party
plugs in exactly as they do. An entry point names a class or a zero-argument
factory; one that fails to load is listed as broken, never fatal.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ..clock import Clock, to_iso
from ..config import Settings
from ..csms.commands import Commands, CommandUnavailable
from ..csms.store import Store
from ..model.state import ConnectorState, CountVerdict, State, Transaction, connector_count
from ..wire.frame import Direction, Frame, Kind

log = logging.getLogger("ocppdeck.automations")

ENTRY_POINT_GROUP = "ocppdeck.automations"
# A count short of the declared one is normal just after a boot, while the
# connectors are still reporting; it is only a finding once they had this long.
COUNT_SETTLE_SECONDS = 60.0


@runtime_checkable
class Automation(Protocol):
    """The hook interface: a name, a line saying what it does, and a frame handler."""

    name: str
    description: str

    def on_frame(self, frame: Frame, state: State, act: Actions) -> None:
        """React to one frame, already folded into `state` (read it, never write it)."""
        ...


class Actions:
    """What an automation may do: send commands, close a transaction, leave a note.

    Every effect is published as an AUTOMATION frame naming the automation.
    """

    def __init__(
        self,
        name: str,
        commands: Commands,
        publish: Callable[[Frame], Any],
        clock: Clock,
        store: Store,
        settings: Settings,
    ) -> None:
        self.name = name
        self.commands = commands
        self.settings = settings  # the run's settings, for an automation's own options
        self._publish = publish
        self._clock = clock
        self._store = store

    def note(self, station_id: str, text: str, notify: bool = False, **details: Any) -> Frame:
        """Publish an AUTOMATION frame: `text` for the log, `details` (JSON) as its payload.

        `notify` asks the console to show it to the operator as well.
        """
        payload: dict[str, Any] = {"automation": self.name, **details}
        if notify:
            payload["notify"] = True
        frame = Frame(
            self._clock.now(),
            station_id,
            Direction.OUT,
            Kind.AUTOMATION,
            payload=payload,
            text=f"{self.name}: {text}",
        )
        return self._publish(frame)

    def close_transaction(
        self, tx: Transaction, meter_stop: float | None, reason: str, text: str
    ) -> Frame:
        """Close a transaction in the state (the projection folds the note) and the store."""
        now = self._clock.now()
        self._store.record_transaction(
            tx.station,
            tx.transaction_id,
            meter_stop=meter_stop,
            stopped_at=to_iso(now),
            reason=reason,
        )
        return self.note(
            tx.station,
            text,
            closeTransaction=tx.transaction_id,
            meterStop=meter_stop,
            reason=reason,
        )


# --- the built-ins ------------------------------------------------------------
@dataclass(slots=True)
class AutoStart:
    """Remote start when an EV plugs in: 1.6 Preparing, 2.x an EVSE Occupied with no transaction.

    Starts with `auto_start_id_tag` (else `default_id_tag`), on the stations
    in `auto_start_stations` (empty: every station).
    """

    name: str = "auto-start"
    description: str = "remote start with the configured id tag when an EV plugs in"

    def on_frame(self, frame: Frame, state: State, act: Actions) -> None:
        if frame.kind is not Kind.CALL or frame.action != "StatusNotification":
            return
        p = frame.payload if isinstance(frame.payload, dict) else {}
        if frame.protocol.startswith("ocpp2"):
            cid, wanted = p.get("evseId"), "Occupied"
        else:
            cid, wanted = p.get("connectorId"), "Preparing"
        if not isinstance(cid, int) or cid < 1:
            return
        settings = act.settings
        if settings.auto_start_stations and frame.station not in settings.auto_start_stations:
            return
        station = state.stations.get(frame.station)
        conn = station.connectors.get(cid) if station is not None else None
        # The state, not the frame: a late notification older than the newest status is no plug-in.
        if conn is None or conn.status != wanted:
            return
        if state.open_transaction_on(frame.station, cid) is not None:
            return
        id_tag = settings.auto_start_id_tag or settings.default_id_tag
        try:
            command = act.commands.remote_start(frame.station, cid, id_tag)
        except CommandUnavailable as exc:
            act.note(frame.station, f"no remote start on #{cid}: {exc}", connector=cid)
            return
        act.note(
            frame.station,
            f"remote start on #{cid} for {id_tag}",
            connector=cid,
            idTag=id_tag,
            command=command.id,
        )


@dataclass(slots=True)
class OrphanRecovery:
    """A transaction starting on a connector with one still open closes the old one.

    The old one closes at its last meter value with reason Other: the station
    evidently ended it without telling us.
    """

    name: str = "orphan-recovery"
    description: str = "close an orphaned transaction when a new one starts on its connector"

    def on_frame(self, frame: Frame, state: State, act: Actions) -> None:
        if not _may_start_transaction(frame):
            return
        by_connector: dict[int, list[Transaction]] = {}
        for tx in state.open_transactions(frame.station):  # oldest first
            if tx.connector_id is not None:
                by_connector.setdefault(tx.connector_id, []).append(tx)
        station = state.stations.get(frame.station)
        for cid, txs in by_connector.items():
            newest = txs[-1]
            for old in txs[:-1]:
                conn = station.connectors.get(cid) if station is not None else None
                meter_stop = _last_reading(conn, old, newest)
                act.close_transaction(
                    old,
                    meter_stop,
                    "Other",
                    f"closed orphaned transaction {old.transaction_id} on #{cid} "
                    f"at {meter_stop if meter_stop is not None else '?'} Wh: "
                    f"{newest.transaction_id} started",
                )


def _may_start_transaction(frame: Frame) -> bool:
    """A 1.6 StartTransaction answer or a 2.x TransactionEvent: what opens a transaction."""
    p = frame.payload
    if not isinstance(p, dict):
        return False
    if frame.kind is Kind.RESULT:
        return frame.direction is Direction.OUT and "transactionId" in p and "idTagInfo" in p
    return frame.kind is Kind.CALL and frame.action == "TransactionEvent"


def _last_reading(
    conn: ConnectorState | None, old: Transaction, newest: Transaction
) -> float | None:
    """The newest energy reading during `old`: after it started, before `newest` did."""
    if conn is not None:
        start = old.started_at if old.started_at is not None else float("-inf")
        end = newest.started_at if newest.started_at is not None else float("inf")
        for ts, energy, _ in reversed(conn.history):
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

    def on_frame(self, frame: Frame, state: State, act: Actions) -> None:
        station = state.stations.get(frame.station)
        if station is None or station.last_boot is None or station.declared_connectors is None:
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


# --- discovery and the running set ---------------------------------------------
@dataclass(slots=True)
class Plugin:
    """One entry point: its automation, or why it could not be loaded."""

    name: str
    target: str  # "module:attr", where it came from
    automation: Automation | None = None
    error: str = ""
    enabled: bool = False

    @property
    def broken(self) -> bool:
        """It failed to load: listed, never run."""
        return self.automation is None

    @property
    def description(self) -> str:
        """What it does, or what went wrong."""
        if self.automation is None:
            return f"broken: {self.error}"
        return self.automation.description


def entry_points() -> Iterable[importlib.metadata.EntryPoint]:
    """The registered automations (a seam for tests)."""
    return importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)


def load(entry: importlib.metadata.EntryPoint) -> Plugin:
    """Load one entry point; any failure makes a broken plugin, logged."""
    plugin = Plugin(entry.name, entry.value)
    try:
        made = entry.load()()
        if not isinstance(made, Automation):
            raise TypeError(f"{type(made).__name__} has no name, description and on_frame")
    except Exception as exc:  # a third party's import or constructor can raise anything
        log.exception("automation %s (%s) failed to load", entry.name, entry.value)
        plugin.error = f"{type(exc).__name__}: {exc}"
        return plugin
    plugin.automation = made
    return plugin


class Automations:
    """The discovered automations, which are on, and the bus subscriber that runs them."""

    def __init__(
        self,
        settings: Settings,
        commands: Commands,
        publish: Callable[[Frame], Any],
        clock: Clock,
        store: Store,
        state: Callable[[], State],
    ) -> None:
        self._state = state  # a function: a restore may replace the state object
        self.plugins: dict[str, Plugin] = {}
        for entry in sorted(entry_points(), key=lambda e: e.name):
            if entry.name in self.plugins:
                log.warning("automation %s registered twice; %s ignored", entry.name, entry.value)
                continue
            self.plugins[entry.name] = load(entry)
        for name in settings.automations:
            plugin = self.plugins.get(name)
            if plugin is None:
                log.warning("automation %s is configured but not installed", name)
            elif not plugin.broken:
                plugin.enabled = True
        self._actions = {
            name: Actions(name, commands, publish, clock, store, settings) for name in self.plugins
        }
        self._notices: list[Frame] = []

    def set_enabled(self, name: str, enabled: bool) -> None:
        """Turn an automation on or off for this run (the config file is left alone)."""
        plugin = self.plugins[name]
        if plugin.broken and enabled:
            raise ValueError(f"{name} is broken: {plugin.error}")
        plugin.enabled = enabled

    def on_frame(self, frame: Frame) -> None:
        """The bus subscriber: hand a folded frame to every enabled automation.

        AUTOMATION frames go to none of them, so no automation can loop on its
        own (or another's) notes; they are kept for the console's notices.
        """
        if frame.kind is Kind.AUTOMATION:
            if isinstance(frame.payload, dict) and frame.payload.get("notify"):
                self._notices.append(frame)
            return
        state = self._state()
        for name, plugin in self.plugins.items():
            if not plugin.enabled or plugin.automation is None:
                continue
            try:
                plugin.automation.on_frame(frame, state, self._actions[name])
            except Exception:  # one failing plugin must not stop the others or the bus
                log.exception("automation %s failed on frame %s", name, frame.seq)

    def take_notices(self) -> list[Frame]:
        """AUTOMATION frames that asked to be shown to the operator, since the last call."""
        notices, self._notices = self._notices, []
        return notices
