"""A station that floods the CSMS with report parts, over 127.0.0.1 from a real 2.0.1
`ocpp` ChargePoint: every part is answered, and what the state keeps stays bounded (the
newest parts of a topic, each cut to its bound), so the console's lists and an assembled
customer report stay small whatever the station sends."""

from __future__ import annotations

from pathlib import Path

import pytest
from ocpp.v201 import ChargePoint, call

from ocppdeck.core.dialects import V201
from ocppdeck.core.model.customer_information import MAX_REPORT_TEXT
from ocppdeck.core.model.limits import MAX_NOTICES
from ocppdeck.core.model.state import Topic
from tests.helpers.engine import own_engine, wait_for
from tests.helpers.station16 import station

PARTS = MAX_NOTICES + 100
SID = "FLOOD-1"


@pytest.mark.timeout(120)
async def test_a_flood_of_parts_is_answered_and_kept_within_bounds(tmp_path: Path) -> None:
    async with (
        own_engine(tmp_path, station_rate_limit=0) as engine,
        station(engine, SID, ChargePoint, V201.name, response_timeout=10) as cp,
    ):
        await cp.call(
            call.BootNotification(
                charging_station={"model": "Flood", "vendorName": "ACME"}, reason="PowerUp"
            )
        )
        data = "x" * 512  # the schema's longest part
        for seq in range(PARTS):
            await cp.call(
                call.NotifyCustomerInformation(
                    data=data,
                    seq_no=seq,
                    generated_at="2026-01-01T00:00:00.000Z",
                    request_id=1,
                    tbc=seq < PARTS - 1,
                ),
                suppress=False,  # a CallError would raise here
            )
        messages = [
            {"id": n, "priority": "NormalCycle", "message": {"format": "UTF8", "content": data}}
            for n in range(PARTS)
        ]
        for start in range(0, PARTS, 100):  # a hundred messages a part
            await cp.call(
                call.NotifyDisplayMessages(
                    request_id=2,
                    message_info=messages[start : start + 100],
                    tbc=start + 100 < PARTS,
                ),
                suppress=False,
            )
        commands = engine.commands
        await wait_for(lambda: len(commands.display_messages(SID)) >= MAX_NOTICES * 9 // 10)
        state = engine.state.stations[SID]
        assert len(state.noticed(Topic.CUSTOMER)) <= MAX_NOTICES
        assert len(commands.display_messages(SID)) <= MAX_NOTICES
        [report] = commands.customer_reports(SID)
        # The oldest parts went: the report is cut and known to be incomplete.
        assert len(report.text) == MAX_REPORT_TEXT and not report.complete
