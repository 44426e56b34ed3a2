"""Live stations' reports land in the console's state, and the recording replays to it.

A real `ocpp` ChargePoint of each version sends the reports of
tests/helpers/station_reports.py over loopback; each is answered, becomes its
notice on the station, and folding the recording afterwards gives the same notices.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft6Validator

from ocppdeck.core.dialects import dialect
from ocppdeck.core.model.answers import answers
from tests.helpers.engine import own_engine
from tests.helpers.folded import project, recorded
from tests.helpers.schema_payloads import as_sent, schema_of
from tests.helpers.station16 import station as library_station
from tests.helpers.station_reports import REPORTS, V16, V201

# 2.1 reads its reports as 2.0.1 does: its station sends the 2.0.1 ones its schemas accept.
SENDERS = {"CS16": (V16, V16), "CS201": (V201, V201), "CS21": ("ocpp2.1", V201)}


def sent_by(station_id: str) -> list[tuple[str, dict[str, Any], Any]]:
    """(action, payload, expected notice) of each report the station sends."""
    protocol, reports_of = SENDERS[station_id]
    d = dialect(protocol)
    return [
        (action, payload, expected)
        for sent_as, action, payload, expected in REPORTS
        if sent_as == reports_of
        and Draft6Validator(schema_of(d.request_schema(action))).is_valid(payload)
    ]


@pytest.mark.timeout(60)
async def test_reports_become_notices_live_and_in_replay(tmp_path: Path) -> None:
    async with own_engine(tmp_path) as engine:
        for station_id, (protocol, _) in SENDERS.items():
            library_point = dialect(protocol).charge_point
            async with library_station(engine, station_id, library_point, protocol) as cp:
                for action, payload, _ in sent_by(station_id):
                    await cp.call(as_sent(action, payload), suppress=False)
        live = engine.state
    for station_id in SENDERS:
        expected = {notice for _, _, notice in sent_by(station_id)}
        assert len(expected) >= 4, station_id  # the schemas refused few or none
        station = live.stations[station_id]
        got = {
            (n.topic, n.evse, n.subject, n.status, n.detail, n.flag)
            for kept in station.notices.values()
            for n in kept.values()
        }
        assert got == expected, station_id
    replayed = project(recorded(engine.settings.recording_path))
    for station_id in SENDERS:
        assert replayed.stations[station_id].notices == live.stations[station_id].notices
    assert answers(replayed) == answers(live)
