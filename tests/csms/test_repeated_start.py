"""Firmware that sends each transaction message twice: a 1.6 StartTransaction repeated
while its transaction is open gets that transaction's id again, not a second open
transaction; a different start on the connector is a transaction of its own."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from ocpp.v16 import call

from ocppdeck.core.clock import to_iso
from tests.helpers.engine import frames_of, own_engine, wait_for
from tests.helpers.station16 import boot, station


@pytest.mark.timeout(30)
async def test_a_repeated_start_gets_the_same_transaction_id(tmp_path: Path) -> None:
    async with (
        own_engine(tmp_path, accept_unknown_tags=True) as engine,
        station(engine, "CP-TWICE") as cp,
    ):
        await boot(cp)
        start = call.StartTransaction(
            connector_id=1, id_tag="TAG-1", meter_start=1200, timestamp=to_iso(time.time())
        )
        first = await cp.call(start)
        again = await cp.call(start)  # the firmware's habit: the same message, anew
        assert again.transaction_id == first.transaction_id
        assert again.id_tag_info["status"] == "Accepted"  # not ConcurrentTx with itself
        await wait_for(lambda: len(frames_of(engine, "CP-TWICE")) >= 6)
        assert [tx.transaction_id for tx in engine.state.open_transactions("CP-TWICE")] == [
            str(first.transaction_id)
        ]

        later = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag="TAG-1", meter_start=1500, timestamp=to_iso(time.time())
            )
        )
        assert later.transaction_id != first.transaction_id  # another reading: a new start
