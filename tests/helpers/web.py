"""A console attached to a live engine through its API, in the same event loop."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from ocppdeck.core.api.attached import AttachedSource
from ocppdeck.core.engine import Engine
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.header import HeaderBar
from tests.helpers.api import api_url, token_of
from tests.helpers.engine import make_settings, wait_for
from tests.helpers.tui import SIZE, Toasts


def free_port() -> int:
    """A TCP port nothing listens on now, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def attached_app(
    engine: Engine, folder: Path
) -> AsyncIterator[tuple[OcppDeckApp, AttachedSource, Any, Toasts]]:
    """The console attached to the engine's API (started by the app), closed in the end."""
    source = AttachedSource(api_url(engine), token_of(engine), make_settings(folder))
    app = OcppDeckApp(source)
    toasts = Toasts()
    async with app.run_test(size=SIZE, message_hook=toasts) as pilot:
        try:
            await wait_for(lambda: f"attached · {source.url}" in title(app))
            yield app, source, pilot, toasts
        finally:
            await source.close()


def title(app: OcppDeckApp) -> str:
    """The title bar as drawn now."""
    return app.query_one(HeaderBar).render().plain
