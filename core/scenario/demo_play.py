"""`ocppdeck demo --scenario FILE`: the demo's console and CSMS, with a scenario's
stations instead of the random fleet, played against the demo's own CSMS."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable
from dataclasses import replace

from ..api.bearer import read_token, token_path
from ..clock import Clock
from ..config import Settings
from ..csms.tls import client_context
from ..demo import DemoRun
from ..disk.lock import DataDirLock
from ..engine import Engine
from ..sim.station import cancel_all
from .api_operator import ApiOperator
from .console_report import step_lines, summary_line
from .pacing import pace_for
from .plan import Scenario
from .results import ScenarioResult, StepResult
from .runner import run_scenario

log = logging.getLogger("ocppdeck.scenario")


class ScenarioDemo(DemoRun):
    """A demo run whose stations are a scenario's; `result` once it has played."""

    def __init__(
        self,
        settings: Settings,
        scenario: Scenario,
        clock: Clock | None = None,
        lock: DataDirLock | None = None,
        on_step: Callable[[StepResult], None] | None = None,
    ) -> None:
        super().__init__(replace(settings, stations=0), clock, lock)  # no random fleet
        self.scenario = scenario
        self._on_step = on_step or _logged  # the terminal belongs to the console: the log
        self.result: ScenarioResult | None = None
        self._play: asyncio.Task[None] | None = None

    def describe(self) -> str:
        """The scenario and where it plays."""
        return f"scenario {self.scenario.name} → {Engine.describe(self)}"

    async def start(self) -> None:
        """Start the CSMS, then play the scenario against it in the background."""
        await super().start()
        passwords: dict[str, str] = {}
        if self.settings.security_profile in (1, 2):
            for plan in self.scenario.stations:  # registered as an operator would
                _, passwords[plan.station_id] = self.csms.registry.add(plan.station_id)
        tls = None
        if self.settings.security_profile == 2 and self.settings.tls_cert is not None:
            tls = client_context(ca=self.settings.tls_cert)  # the demo trusts its own CSMS
        self._play = asyncio.create_task(self._played(passwords, tls), name="scenario")

    async def _played(self, passwords: dict[str, str], tls: ssl.SSLContext | None) -> None:
        # With its API on (--api-port), the demo's own operator acts for `operator` steps.
        operator = None
        if self.api is not None:
            operator = ApiOperator(self.api.url, read_token(token_path(self.settings)))
        try:
            self.result = await run_scenario(
                self.scenario,
                self.csms.url,
                pace_for(self.settings.speed),
                passwords=passwords,
                tls=tls,
                operator=operator,
                on_step=self._on_step,
            )
        finally:
            if operator is not None:
                await operator.close()
        log.info("%s", summary_line(self.result))

    async def finished(self) -> ScenarioResult | None:
        """The result, once the scenario has played to its end."""
        if self._play is not None:
            await asyncio.shield(self._play)
        return self.result

    async def close(self) -> None:
        """Stop the scenario (its stations say goodbye), then the demo."""
        if self._play is not None:
            await cancel_all([self._play])
            self._play = None
        await super().close()


def _logged(result: StepResult) -> None:
    for line in step_lines(result):
        log.info("%s", line)
