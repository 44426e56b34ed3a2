"""A station's closed connection is freed at once, by reference counting
(core/csms/server.py). The collector of a long run (core/collector.py) freezes what has
lived a while, so a connection kept in a reference cycle would stay in memory until the
frozen set doubled: the CSMS's memory would grow with every reconnect of every station."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from ocppdeck.core.dialects import V16, V201
from tests.helpers import station2x
from tests.helpers.engine import own_engine, wait_for
from tests.helpers.station16 import boot, station


@pytest.mark.timeout(30)
@pytest.mark.parametrize("protocol", [V16.name, V201.name])
async def test_a_closed_connection_needs_no_collection_to_be_freed(
    tmp_path: Path, protocol: str
) -> None:
    async with own_engine(tmp_path) as engine:
        gc.collect()
        gc.disable()  # only reference counting frees anything from here
        try:
            if protocol == V16.name:
                async with station(engine, "CP1") as cp:
                    await boot(cp)
                    live = engine.csms._live["CP1"]
                    refs = weakref.ref(live.ws), weakref.ref(live.session)
                    del live
            else:
                async with station2x.station(engine, protocol, station2x.v201):
                    live = engine.csms._live["PNC-1"]
                    refs = weakref.ref(live.ws), weakref.ref(live.session)
                    del live
            await wait_for(lambda: all(ref() is None for ref in refs))
        finally:
            gc.enable()
