"""Firmware that sends each transaction message twice: a 1.6 StartTransaction repeated
while its transaction is open gets that transaction's id again, not a second open
transaction; a different start on the connector is a transaction of its own."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from ocpp.v16 import call

from ocppdeck.core.clock import parse_iso, to_iso
from ocppdeck.core.csms.repeated_start import repeated_start
from ocppdeck.core.csms.transaction_ids import REFUSED
from ocppdeck.core.model.state import State
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


def test_a_start_refused_for_want_of_an_id_is_not_repeated() -> None:
    """With no id to hand out, a start is answered 0 (refused); the same start sent again
    must be tried anew, not told 0 as if it were that transaction."""
    at = "2026-01-01T10:00:00.000Z"
    state = State()
    refused = state.start(state.station("CP"), str(REFUSED))
    refused.evse_id, refused.id_tag, refused.meter_start = 1, "TAG-1", 1200.0
    refused.started_at = parse_iso(at)
    state.reindex(refused)
    assert state.open_transaction_on("CP", 1) is refused
    assert repeated_start(state, "CP", 1, "TAG-1", 1200, at) is None
