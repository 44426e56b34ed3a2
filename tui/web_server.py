"""The console in a browser: textual-serve starts one console process per browser tab.

For a demo, the server first starts one demo run (CSMS, fleet and control API) in its own
event loop, and every tab's console attaches to it through the API, so all tabs watch
the same fleet; it stops with the server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web
from textual_serve.server import Server

from ..core.engine import Engine

log = logging.getLogger("ocppdeck.web")


class ConsoleServer(Server):
    """textual-serve's server, with ocppdeck's logging and, for a demo, its run."""

    def __init__(
        self,
        command: str | Callable[[str], str],
        host: str,
        port: int,
        public_url: str | None = None,
        run: Engine | None = None,
    ) -> None:
        """`command` starts one tab's console; with a `run`, a function of the run's API
        address that gives it, once the run has started."""
        super().__init__(
            command if isinstance(command, str) else "",
            host=host,
            port=port,
            title="ocppdeck",
            public_url=public_url,
        )
        self._command_for = command if callable(command) else None
        self.run = run

    def initialize_logging(self) -> None:
        """ocppdeck's JSON log file is set up already: nothing of textual-serve's own."""

    async def on_startup(self, app: web.Application) -> None:
        """Start the demo run (when there is one), then say where the console is."""
        if self.run is not None:
            await self.run.start()
            assert self.run.api is not None and self._command_for is not None
            self.command = self._command_for(self.run.api.url)
            print(f"ocppdeck web: {self.run.describe()}; its API at {self.run.api.url}")
        print(f"ocppdeck web: the console at {self.public_url} (Ctrl+C stops)", flush=True)
        log.info("web console serving", extra={"url": self.public_url})

    async def on_shutdown(self, app: web.Application) -> None:
        """Stop the demo run with the server."""
        if self.run is not None:
            await self.run.close()
