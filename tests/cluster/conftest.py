"""A real nats-server with JetStream for each cluster test, killed after it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.nats_server import nats_server


@pytest.fixture
def bus(tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh nats-server (JetStream on, storing in the test's temp dir)."""
    with nats_server(tmp_path / "nats") as url:
        yield url
