"""Compliance, per station and action: schema violations (which field, how often),
measurands and units no OCPP version defines, station clocks off from the time of
receipt, and answers that came late or never. Pure.

These judge what a station put on the wire rather than what it means, so they read
payloads as the validator does: an inbound CALL against its request schema, a station's
answer against the answer schema of the CALL it answers (joined by the shared Joiner).
Clock skew is a payload's own top-level `timestamp` less the frame's time of receipt;
a 2.x event marked `offline` is old on purpose and not counted. A CALL unanswered when
the source ends is "never" answered only if the source went on for the late threshold
after it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from ocpp.messages import MessageType

from ..clock import parse_iso
from ..dialects import DEFAULT, DIALECTS, Dialect, reader_for
from ..wire.frame import Direction, Frame, Kind
from ..wire.join import Joiner
from . import meter_terms
from .options import ReportOptions
from .schema_fields import field_errors

SCHEMA = "schema"
ANSWER_SCHEMA = "answer-schema"
MEASURAND = "measurand"
UNIT = "unit"
CLOCK_SKEW = "clock-skew"
LATE_ANSWER = "late-answer"
NO_ANSWER = "no-answer"
EXAMPLE_CHARS = 200  # a station's text quoted in an example, at most
SKEW_SAMPLES = 1_000  # skews kept per station and action for the median


@dataclass(frozen=True, slots=True)
class Finding:
    """One row of the compliance table. `subject` is the field, the value, or who
    answered ("station" / "csms"); the seconds are skews or answer times."""

    station: str
    action: str
    check: str
    subject: str
    count: int
    example: str = ""
    min_s: float | None = None
    median_s: float | None = None
    max_s: float | None = None


@dataclass(slots=True)
class _Tally:
    count: int = 0
    example: str = ""
    seconds: list[float] = field(default_factory=list)  # the first SKEW_SAMPLES
    low: float | None = None
    high: float | None = None
    flagged: int = 0

    def time(self, value: float) -> None:
        self.count += 1
        if len(self.seconds) < SKEW_SAMPLES:
            self.seconds.append(value)
        self.low = value if self.low is None or value < self.low else self.low
        self.high = value if self.high is None or value > self.high else self.high


def _dialect(frame: Frame) -> Dialect | None:
    """The OCPP version a frame is checked in; None for a format that is none (event logs)."""
    return DIALECTS.get(frame.protocol or DEFAULT.name)


def _clip(text: str) -> str:
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"


class ComplianceLog:
    """Checks each frame as it is folded; `findings` once the source is read."""

    def __init__(self, options: ReportOptions) -> None:
        self._options = options
        self._tallies: dict[tuple[str, str, str, str], _Tally] = {}
        self._keys: Counter[str] = Counter()  # tallies per station, bounded
        self.left_off = 0
        # CALLs waiting for answers (and early answers): (time, action).
        self._joins: Joiner[tuple[float, str]] = Joiner(stationless=True)

    def _tally(self, station: str, action: str, check: str, subject: str) -> _Tally | None:
        key = (station, action, check, subject)
        found = self._tallies.get(key)
        if found is None:
            if self._keys[station] >= self._options.max_rows:
                self.left_off += 1
                return None
            self._keys[station] += 1
            found = self._tallies[key] = _Tally()
        return found

    def frame(self, frame: Frame) -> None:
        """Check one frame."""
        kind = frame.kind
        if kind is Kind.CALL:
            if frame.direction is Direction.IN:
                self._inbound_call(frame)
            if reader_for(frame.protocol).expects_answer(frame):
                early = self._joins.call(frame, (frame.ts, frame.action))
                if early is not None:
                    self._answered(frame, frame.ts, frame.action, early[0])
        elif kind is Kind.RESULT or kind is Kind.ERROR:
            call = self._joins.answer(frame, (frame.ts, ""))
            if call is not None:
                call_ts, action = call
                self._answered(frame, call_ts, action, frame.ts)
                if kind is Kind.RESULT and frame.direction is Direction.IN:
                    self._schema(frame, MessageType.CallResult, action, ANSWER_SCHEMA)

    def _inbound_call(self, frame: Frame) -> None:
        dialect = _dialect(frame)
        if dialect is None:
            return
        station, action, payload = frame.station, frame.action, frame.payload
        self._schema(frame, MessageType.Call, action, SCHEMA)
        if not isinstance(payload, dict):
            return
        if "meterValue" in payload or "transactionData" in payload:
            self._terms(station, action, dialect, payload)
        stamp = payload.get("timestamp")
        if isinstance(stamp, str) and payload.get("offline") is not True:
            at = parse_iso(stamp)
            if at is not None:
                self._skew(station, action, at - frame.ts)

    def _schema(self, frame: Frame, kind: int, action: str, check: str) -> None:
        dialect = _dialect(frame)
        if dialect is None or not action:
            return
        for where, what in field_errors(kind, action, dialect, frame.payload):
            if check == SCHEMA and where.rsplit(".", 1)[-1] in (MEASURAND, UNIT):
                continue  # told by the measurand and unit checks, with the value
            tally = self._tally(frame.station, action, check, where)
            if tally is not None:
                tally.count += 1
                tally.example = tally.example or _clip(what)

    def _terms(self, station: str, action: str, dialect: Dialect, payload: dict[str, Any]) -> None:
        known_measurands, known_units = meter_terms.measurands(dialect), meter_terms.units(dialect)
        for measurand, unit in meter_terms.sampled_terms(payload):
            if measurand is not None and measurand not in known_measurands:
                self._count(station, action, MEASURAND, measurand)
            if unit is not None and unit not in known_units:
                self._count(station, action, UNIT, unit)

    def _count(self, station: str, action: str, check: str, value: object) -> None:
        tally = self._tally(station, action, check, _clip(str(value)))
        if tally is not None:
            tally.count += 1

    def _skew(self, station: str, action: str, seconds: float) -> None:
        tally = self._tally(station, action, CLOCK_SKEW, "")
        if tally is not None:
            tally.time(seconds)
            if abs(seconds) > self._options.skew_s:
                tally.flagged += 1

    def _answered(self, frame: Frame, call_ts: float, action: str, answer_ts: float) -> None:
        seconds = answer_ts - call_ts
        if seconds <= self._options.late_s:
            return
        # The answer goes the other way to its CALL: an answer IN is the station's.
        by = "station" if _answer_direction(frame) is Direction.IN else "csms"
        tally = self._tally(frame.station, action, LATE_ANSWER, by)
        if tally is not None:
            tally.time(seconds)

    def findings(self, end: float | None) -> list[Finding]:
        """Every finding, by station, action and check."""
        calls, _ = self._joins.halves()
        for (direction, _, station), (ts, action) in calls:
            if end is not None and end - ts >= self._options.late_s:
                by = "csms" if direction is Direction.IN else "station"
                tally = self._tally(station, action, NO_ANSWER, by)
                if tally is not None:
                    tally.count += 1
        found: list[Finding] = []
        for (station, action, check, subject), t in sorted(self._tallies.items()):
            if check == CLOCK_SKEW:
                if not t.flagged:
                    continue  # a clock within the threshold is no finding
                found.append(
                    Finding(
                        station,
                        action,
                        check,
                        subject,
                        t.flagged,
                        "",
                        t.low,
                        median(t.seconds),
                        t.high,
                    )
                )
            elif check == LATE_ANSWER:
                found.append(
                    Finding(
                        station,
                        action,
                        check,
                        subject,
                        t.count,
                        "",
                        t.low,
                        median(t.seconds),
                        t.high,
                    )
                )
            else:
                found.append(Finding(station, action, check, subject, t.count, t.example))
        return found


def _answer_direction(frame: Frame) -> Direction:
    """The direction of the answer in a call/answer pair, whichever of the two `frame` is."""
    if frame.kind is Kind.CALL:
        return Direction.OUT if frame.direction is Direction.IN else Direction.IN
    return frame.direction
