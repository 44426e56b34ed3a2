"""A demo run: the live engine plus a simulated fleet connected to it over loopback."""

from __future__ import annotations

from .clock import Clock
from .config import Settings
from .csms.commands import Commands
from .csms.store import Store
from .engine import Engine
from .model.state import State
from .sim.station import Fleet, SimSettings, fleet_specs
from .wire.frame_log import FrameLog


class DemoRun:
    """An Engine and a Fleet started and stopped together; the console sees the Engine."""

    mode = "demo"

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        # A demo starts fresh; the last demo's recording and store stay until then.
        stale = [settings.recording_path, settings.store_path, settings.snapshot_path]
        stale += settings.data_dir.glob("recording-*.jsonl*")
        stale.append(settings.data_dir / "transactions.jsonl")
        for path in stale:
            path.unlink(missing_ok=True)
        self.settings = settings
        self.engine = Engine(settings, clock)
        self.clock = self.engine.clock
        self.fleet: Fleet | None = None

    @property
    def state(self) -> State:
        """The engine's state."""
        return self.engine.state

    @property
    def frames(self) -> FrameLog:
        """The engine's frame log."""
        return self.engine.frames

    @property
    def store(self) -> Store:
        """The engine's store (id tags are managed in a demo too)."""
        return self.engine.store

    @property
    def commands(self) -> Commands:
        """The engine's commands: a demo station answers like a real one."""
        return self.engine.commands

    def describe(self) -> str:
        """Fleet size and where it connects."""
        return f"{self.settings.stations} simulated stations → {self.engine.describe()}"

    async def start(self) -> None:
        """Start the CSMS, then point the fleet at it."""
        await self.engine.start()
        sim = SimSettings(
            meter_interval=self.settings.meter_interval,
            speed=self.settings.speed,
            id_tags=(self.settings.default_id_tag, "TAG-0002", "TAG-0003"),
        )
        # The fleet speaks what the CSMS serves, the stations taking those versions in turn.
        specs = fleet_specs(self.settings.stations, self.settings.seed, self.settings.protocols)
        self.fleet = Fleet(specs, self.engine.csms.url, sim, self.settings.seed, self.clock)
        await self.fleet.start()

    async def close(self) -> None:
        """Stop the fleet first so its goodbyes are recorded, then the engine."""
        if self.fleet is not None:
            await self.fleet.close()
            self.fleet = None
        await self.engine.close()
