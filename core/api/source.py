"""What the API needs of a running engine (an Engine offers it all)."""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from ..clock import Clock
from ..config import Settings
from ..csms.commands import Commands
from ..csms.id_tags import IdTagBook
from ..csms.registry_desk import RegistryDesk
from ..model.projection import Projection
from ..model.state import State
from ..wire.bus import FrameBus
from ..wire.frame_log import FrameLog


class ApiSource(Protocol):
    """A live run: its settings, state, commands, registry, id tags and frames."""

    settings: Settings
    clock: Clock
    commands: Commands
    registry: RegistryDesk | None
    id_tags: IdTagBook | None
    bus: FrameBus
    frames: FrameLog
    projection: Projection

    @property
    def state(self) -> State:
        """What the projection knows now."""
        ...


SOURCE = web.AppKey("source", ApiSource)  # the engine the routes answer for
