"""Automations: plugins that watch frames and send commands (events in, commands out).

An automation gets every frame after the projection folded it, with the
facts it gave and the state read-only, and acts only through `Actions`:
commands to stations, a transaction close, a note. Whatever it does is
published as an AUTOMATION frame, so the frame log shows it, the recording
keeps it and a replay folds it the same way. Automations run in the live
engine only: a replay sends nothing.

Plugins are found through the `ocppdeck.automations` entry-point group; the
built-ins (core/automations/builtin.py) are registered there too
(pyproject.toml), so a third party plugs in exactly as they do. An entry point
names a class or a zero-argument factory; one that fails to load is listed as
broken, never fatal.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ..clock import Clock
from ..config import Settings
from ..csms.commands import Commands
from ..model.facts import Fact
from ..model.state import State, Transaction
from ..wire.frame import Direction, Frame, Kind

log = logging.getLogger("ocppdeck.automations")

ENTRY_POINT_GROUP = "ocppdeck.automations"


@runtime_checkable
class Automation(Protocol):
    """The hook interface: a name, a line saying what it does, and a frame handler."""

    name: str
    description: str

    def on_frame(self, frame: Frame, facts: Sequence[Fact], state: State, act: Actions) -> None:
        """React to one frame and the facts it gave, already folded into `state` (read it,
        never write it)."""
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
        settings: Settings,
    ) -> None:
        self.name = name
        self.commands = commands
        self.settings = settings  # the run's settings, for an automation's own options
        self._publish = publish
        self._clock = clock

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
        """Close a transaction: the projection folds the note, and a replay does the same."""
        return self.note(
            tx.station,
            text,
            closeTransaction=tx.transaction_id,
            meterStop=meter_stop,
            reason=reason,
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
        state: Callable[[], State],
    ) -> None:
        self._state = state  # a function: a restore may replace the state object
        self.plugins: dict[str, Plugin] = {}
        for entry in sorted(entry_points(), key=lambda e: e.name):
            if entry.name in self.plugins:
                log.warning("automation %s registered twice; %s ignored", entry.name, entry.value)
                continue
            self.plugins[entry.name] = load(entry)
        self.not_running: list[str] = []  # what the settings asked for and cannot have, and why
        for name in settings.automations:
            plugin = self.plugins.get(name)
            if plugin is None:
                log.warning("automation %s is configured but not installed", name)
                self.not_running.append(f"{name!r} is not installed")
            elif plugin.broken:
                self.not_running.append(f"{name!r} failed to load ({plugin.error})")
            else:
                plugin.enabled = True
        self._actions = {
            name: Actions(name, commands, publish, clock, settings) for name in self.plugins
        }
        self._notices: list[Frame] = []

    @property
    def start_note(self) -> str | None:
        """For the operator at start: configured automations that are not running, and which
        are installed."""
        if not self.not_running:
            return None
        installed = ", ".join(n for n, p in self.plugins.items() if not p.broken) or "none"
        return f"automations setting: {'; '.join(self.not_running)}. Installed: {installed}"

    def set_enabled(self, name: str, enabled: bool) -> None:
        """Turn an automation on or off for this run (the config file is left alone)."""
        plugin = self.plugins[name]
        if plugin.broken and enabled:
            raise ValueError(f"{name} is broken: {plugin.error}")
        plugin.enabled = enabled

    def on_frame(self, frame: Frame, facts: Sequence[Fact]) -> None:
        """Hand a folded frame and its facts to every enabled automation.

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
                plugin.automation.on_frame(frame, facts, state, self._actions[name])
            except Exception:  # one failing plugin must not stop the others or the bus
                log.exception("automation %s failed on frame %s", name, frame.seq)

    def take_notices(self) -> list[Frame]:
        """AUTOMATION frames that asked to be shown to the operator, since the last call."""
        notices, self._notices = self._notices, []
        return notices
