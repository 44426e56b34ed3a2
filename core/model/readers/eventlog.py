"""Event-log reader: the facts in frames imported from a meter/connector event log. Pure.

The importer (core/disk/importers/eventlog.py) maps each exchange onto frames:
`MeterValues` and `ConnectorList` are CSMS -> station CALLs answered by a
CALLRESULT; `MeterValuesNotification` is a station -> CSMS CALL that lists the
current reading of every connector, so it is also a full report of them.
"""

from __future__ import annotations

from typing import Any

from ...wire.frame import Frame, Kind
from .. import facts as f
from ..readings import finite_number

PROTOCOL = "eventlog"


def _connector(value: Any) -> int | None:
    number = finite_number(value)
    if number is None or number != int(number) or number < 0:
        return None
    return int(number)


def readings(meter_values: Any, at: float) -> list[f.MeterSample]:
    """One sample per `{connectorId, reading}` entry that can be read."""
    samples: list[f.MeterSample] = []
    if not isinstance(meter_values, list):
        return samples
    for entry in meter_values:
        if not isinstance(entry, dict):
            continue
        cid = _connector(entry.get("connectorId"))
        reading = finite_number(entry.get("reading"))
        if cid is not None and reading is not None:
            samples.append(f.MeterSample(at, at, cid, reading, None, None))  # the frame's time
    return samples


def expects_answer(call: Frame) -> bool:
    """Requests are answered; a notification never is, so nothing need wait for it."""
    return call.action != "MeterValuesNotification"


def call_facts(frame: Frame) -> list[f.Fact]:
    """A notification reports every connector's reading."""
    if frame.action != "MeterValuesNotification" or not isinstance(frame.payload, dict):
        return []
    samples = readings(frame.payload.get("meterValues"), frame.ts)
    found: list[f.Fact] = list(samples)
    if samples:
        found.append(f.ConnectorsReported(frame.ts, frozenset(s.evse for s in samples)))
    return found


def answer_facts(call: Frame, answer: Frame) -> list[f.Fact]:
    """A meter-values answer gives readings; a connector-list answer declares the count."""
    if answer.kind is not Kind.RESULT or not isinstance(answer.payload, dict):
        return []
    if call.action == "MeterValues":
        return list(readings(answer.payload.get("meterValues"), answer.ts))
    if call.action == "ConnectorList":
        count = _connector(answer.payload.get("numConnectors"))
        return [] if count is None else [f.ConnectorsDeclared(answer.ts, count)]
    return []
