"""OCPP-J text-log importer: one frame per log line. Pure: lines in, frames out.

A line is a frame when it holds a timestamp and an OCPP-J array
(`[2,"id","Action",{…}]`, `[3,"id",{…}]` or `[4,"id","Code","desc",{…}]`).
Only the text before the array is searched for the timestamp, the station
and the direction. Shapes understood:

(a) station and an arrow or word just before the array, read from the CSMS's
    side: `->`, `>>`, `in`, `recv` mean the station sent it (IN); `<-`, `<<`,
    `out`, `send` mean the CSMS did (OUT):
        2024-05-01T10:00:00.123Z CP-1 -> [2,"1","Heartbeat",{}]
        2024-05-01T10:00:00.140Z CP-1 <- [3,"1",{"currentTime":"…"}]
(b) the `ocpp` library's own log lines, as a CSMS built on it logs them
    (`receive message` = IN, `send` = OUT):
        2024-05-01 10:00:00,123 INFO ocpp: CP-1: receive message [2,"1","Heartbeat",{}]
        2024-05-01 10:00:00,125 INFO ocpp: CP-1: send [3,"1",{"currentTime":"…"}]
(c) a station hint anywhere before the array: `station=CP-1`, `stationId=`,
    `chargeBoxId=`, `chargePointId=`, `identity=` (`=` or `:`, quotes allowed),
    or a path `/ocpp/CP-1` (also `/ocpp1.6/CP-1`, `ws://host/ocpp/CP-1`):
        2024-05-01T10:00:00Z DEBUG ws chargeBoxId=CP-1 [2,"1","Heartbeat",{}]
(d) a bare timestamp and the array: the station is the file's name (its stem).

Timestamps: ISO-8601 with `T` or a space, an optional fraction after `.` or
`,`, an optional `Z` or offset (none means UTC); or epoch seconds (10 digits)
or milliseconds (13 digits) at the start of the line. The protocol is
`ocpp2.0.1` or `ocpp2.1` when the line names it, else `ocpp1.6`.

When a line gives no direction: a CALL of an action that stations send
(BootNotification, Heartbeat, StatusNotification, MeterValues, …) is IN and
any other CALL is OUT; an answer goes the opposite way to its call, matched by
station and message id (the newest 100,000 calls are remembered); an answer
whose call was never seen is taken as the CSMS's answer to a station (OUT).

Lines with no OCPP-J array opener (`[2,` `[3,` `[4,`) are ordinary log noise:
counted as "not a frame", not listed. A line with an opener that does not
parse, or without a timestamp, is skipped with its line number and why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import orjson

from ...clock import parse_iso
from ...dialects import DEFAULT, DIALECTS, station_sends
from ...wire.codec import FrameError, Message, message_from_array
from ...wire.frame import Direction, Frame, Kind
from ...wire.join import Joiner

NOT_A_FRAME = "not a frame"  # the skip reason of log noise: counted, never listed
MAX_REMEMBERED = 100_000

_OPENER = re.compile(r"\[\s*[234]\s*,")
_ISO = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d+))?(?:\s?(Z|[+-]\d{2}(?::?\d{2})?))?"
)
_EPOCH = re.compile(r"\s*\[?(\d{13}|\d{10})(?:\.(\d+))?(?!\d)")
_LIBRARY = re.compile(r"(?:^|[\s:])([^\s:]+):\s*(receive message|send)\s*$")
_HINT = re.compile(
    r"\b(?:station(?:[_-]?id)?|charge_?box_?id|charge_?point_?id|identity)"
    r"\s*[=:]\s*[\"']?([\w.\-]+)",
    re.IGNORECASE,
)
_PATH = re.compile(r"/ocpp[\w.]*/([^/\s?#\"',;)\]]+)")
# A line that names a version is read in it; others in the default (1.6).
_PROTOCOL = re.compile(
    "|".join(re.escape(name) for name in DIALECTS if name != DEFAULT.name), re.IGNORECASE
)
_WORDS = {
    "->": Direction.IN,
    ">>": Direction.IN,
    "in": Direction.IN,
    "recv": Direction.IN,
    "<-": Direction.OUT,
    "<<": Direction.OUT,
    "out": Direction.OUT,
    "send": Direction.OUT,
}
_LEVELS = frozenset({"TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "WARNING", "ERROR", "CRITICAL"})
_decoder = json.JSONDecoder()


class LineError(ValueError):
    """A line with an OCPP-J array opener that is not a frame: `reason` and `detail`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def has_opener(text: str) -> bool:
    """Does the text hold what starts an OCPP-J array (`[2,` `[3,` `[4,`)?"""
    return _OPENER.search(text) is not None


def parse_timestamp(prefix: str) -> tuple[float, tuple[int, int]] | None:
    """Epoch seconds and the span of the first timestamp in `prefix`, or None."""
    found = _ISO.search(prefix)
    if found is not None:
        date, clock, fraction, zone = found.groups()
        ts = _whole_seconds(date, clock, zone or "")
        if ts is not None:
            # Added apart: fromisoformat wants at most 6 fraction digits.
            return ts + (float(f"0.{fraction}") if fraction else 0.0), found.span()
    found = _EPOCH.match(prefix)
    if found is None:
        return None
    whole, fraction = found.groups()
    value = float(f"{whole}.{fraction or 0}")
    return (value / 1000 if len(whole) == 13 else value), found.span()


@lru_cache(maxsize=4096)
def _whole_seconds(date: str, clock: str, zone: str) -> float | None:
    """Epoch seconds of a timestamp without its fraction: lines of a log share a second
    (a call and its answer) and a date, so the parse is kept."""
    return parse_iso(f"{date}T{clock}{zone}")


def _find_message(text: str, first: int) -> tuple[int, Message]:
    """Where the first OCPP-J message of the line starts, and the message; `first` is
    where the first opener is."""
    try:
        # The usual line: the array runs to its end, and orjson reads it in one go.
        return first, message_from_array(orjson.loads(text[first:]))
    except (orjson.JSONDecodeError, FrameError):
        pass  # a line with text after the array, or an array that is not the message
    error: LineError | None = None
    for opener in _OPENER.finditer(text):
        try:
            value, _end = _decoder.raw_decode(text, opener.start())
            return opener.start(), message_from_array(value)
        except json.JSONDecodeError as exc:
            error = error or LineError("bad JSON", exc.msg)
        except FrameError as exc:
            error = error or LineError("not an OCPP-J message", str(exc))
    raise error or LineError("bad JSON")


def _station_and_direction(prefix: str) -> tuple[str | None, Direction | None]:
    """What the text before the array says of the station and the direction."""
    library = _LIBRARY.search(prefix)
    if library is not None:
        way = Direction.IN if library.group(2) == "receive message" else Direction.OUT
        return library.group(1), way
    hint = _HINT.search(prefix) or _PATH.search(prefix)
    station = hint.group(1) if hint else None
    tokens = prefix.split()
    way = _WORDS.get(tokens[-1].rstrip(":").lower()) if tokens else None
    if station is None and way is not None and len(tokens) >= 2:
        before = tokens[-2].strip("[]()<>:")
        if before and before.upper() not in _LEVELS:
            station = before
    return station, way


@dataclass(frozen=True, slots=True)
class LogLine:
    """What one log line says: `direction` is None when the line does not say."""

    ts: float
    station: str
    direction: Direction | None
    protocol: str
    message: Message


def parse_line(text: str, default_station: str) -> LogLine:
    """Read one log line that holds an OCPP-J array opener. Raises LineError."""
    opener = _OPENER.search(text)
    if opener is None:
        raise LineError("bad JSON")
    return LogLine(*_read(text, opener.start(), default_station))


def _read(
    text: str, first: int, default_station: str
) -> tuple[float, str, Direction | None, str, Message]:
    """The parts of a LogLine, from a line whose first opener is at `first`."""
    start, message = _find_message(text, first)
    prefix = text[:start]
    timed = parse_timestamp(prefix)
    if timed is None:
        raise LineError("no timestamp")
    ts, (ts_start, ts_end) = timed
    rest = prefix[:ts_start] + " " + prefix[ts_end:]
    if rest.isspace():  # a bare timestamp (shape d): nothing more to look for
        return ts, default_station, None, DEFAULT.name, message
    protocol = _PROTOCOL.search(prefix)
    station, way = _station_and_direction(rest)
    return (
        ts,
        station or default_station,
        way,
        protocol.group().lower() if protocol else DEFAULT.name,
        message,
    )


def import_lines(
    lines: Iterable[tuple[int, bytes | str]],
    skip: Callable[[int, str, str], None],
    default_station: str = "unknown",
) -> Iterator[Frame]:
    """Stream the frames of a text log given as (line number, line).

    Lines that are not frames go to `skip(line, reason, detail)`; log noise
    with reason NOT_A_FRAME. `default_station` names the station of lines
    that name none (the file's stem is a good choice).
    """
    batches = ((number, [line]) for number, line in lines)
    return chain.from_iterable(import_batches(batches, skip, default_station))


def import_batches(
    batches: Iterable[tuple[int, list[bytes] | list[str]]],
    skip: Callable[[int, str, str], None],
    default_station: str = "unknown",
) -> Iterator[list[Frame]]:
    """`import_lines` over batches of lines, each given with the number of its first line:
    the frames of each batch as one list."""
    calls: Joiner[bool] = Joiner(MAX_REMEMBERED, early_answers=False)
    search = _OPENER.search
    for first, lines in batches:
        frames: list[Frame] = []
        for number, raw in enumerate(lines, first):
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
            opener = search(text)
            if opener is None:
                if not text.isspace() and text:
                    skip(number, NOT_A_FRAME, "")
                continue
            try:
                ts, station, way, protocol, msg = _read(text, opener.start(), default_station)
            except LineError as exc:
                skip(number, exc.reason, exc.detail)
                continue
            if msg.kind is Kind.CALL:
                if way is None:
                    way = Direction.IN if station_sends(msg.action) else Direction.OUT
                calls.keep_call((way, msg.unique_id, station), True)
            else:
                way = _answer_way(calls, msg.unique_id, station, way)
            frames.append(
                Frame(
                    ts,
                    station,
                    way,
                    msg.kind,
                    msg.unique_id,
                    msg.action,
                    msg.payload,
                    protocol,
                    msg.text,
                )
            )
        yield frames


def _answer_way(calls: Joiner[bool], uid: str, station: str, way: Direction | None) -> Direction:
    """An answer's direction: the line's own, else the opposite of its CALL's (which is
    taken), else the CSMS's answer to a station (OUT)."""
    if way is not None:
        calls.take_call((Direction.OUT if way is Direction.IN else Direction.IN, uid, station))
        return way
    for call_way in (Direction.IN, Direction.OUT):
        if calls.take_call((call_way, uid, station)):
            return Direction.OUT if call_way is Direction.IN else Direction.IN
    return Direction.OUT
