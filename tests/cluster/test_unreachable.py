"""A bus that nobody answers: the headless commands say so in one line."""

from __future__ import annotations

import pytest

from tests.helpers.cli_process import run
from tests.helpers.nats_server import free_port


@pytest.mark.timeout(60)
@pytest.mark.parametrize("command", ["project", "report"])
def test_project_and_report_on_a_silent_bus_exit_2_saying_so(command: str) -> None:
    url = f"nats://127.0.0.1:{free_port()}"
    done = run(command, url)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"ocppdeck: no NATS answers at {url}: nats: no servers available for connection"
    ]
