"""Event-log importer: meter and connector events to frames. Pure: text in, frames out.

An event log is a JSON array of events, or one event per line:

    {"id": 7, "messageId": "m-7", "correlationId": "c-3",
     "messageType": "MeterValuesResponse", "occurredAt": "2023-01-01T10:00:01Z",
     "payload": {"meterValues": [{"connectorId": 1, "reading": "12345"}]}}

Events are in no particular order. Each becomes one frame (protocol "eventlog",
read by core/model/readers/eventlog.py), timed by its own `occurredAt`:

| messageType                                     | frame                                      |
| ----------------------------------------------- | ------------------------------------------ |
| `MeterValuesRequest` {stationId, connectorId}   | OUT CALL `MeterValues`, id = correlationId |
| `MeterValuesResponse` {meterValues}             | IN CALLRESULT, no station, id = correlationId |
| `MeterValuesNotification` {stationId, meterValues} | IN CALL `MeterValuesNotification`       |
| `ConnectorListRequest` {stationId}              | OUT CALL `ConnectorList`, id = correlationId |
| `ConnectorListResponse` {numConnectors}         | IN CALLRESULT, no station, id = correlationId |

`ConectorListRequest` / `ConectorListResponse` (a misspelling met in the field)
read the same. Responses do not name their station: the projection finds it
through the request with the same correlationId, whichever comes first.

An event is skipped, with its line (and its index in an array), only when it
cannot be used at all: not an object, a missing or unknown messageType, an
unreadable occurredAt, a request or notification without stationId, a request
or response without correlationId. Values inside the payload (connector ids,
readings, counts as strings or numbers) are left for the reader to coerce.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Any

import orjson

from ...clock import parse_iso
from ...model.readers.eventlog import PROTOCOL
from ...wire.frame import Direction, Frame, Kind

# One event longer than this is taken as broken JSON (say, a string never
# closed), so a bad file cannot make the importer hold all of it in memory.
MAX_EVENT_CHARS = 16 * 1024 * 1024

_REQUEST, _RESPONSE, _NOTIFICATION = "request", "response", "notification"
# messageType -> (role, direction, kind, action)
_TYPES: dict[str, tuple[str, Direction, Kind, str]] = {
    "MeterValuesRequest": (_REQUEST, Direction.OUT, Kind.CALL, "MeterValues"),
    "MeterValuesResponse": (_RESPONSE, Direction.IN, Kind.RESULT, ""),
    "MeterValuesNotification": (
        _NOTIFICATION,
        Direction.IN,
        Kind.CALL,
        "MeterValuesNotification",
    ),
    "ConnectorListRequest": (_REQUEST, Direction.OUT, Kind.CALL, "ConnectorList"),
    "ConnectorListResponse": (_RESPONSE, Direction.IN, Kind.RESULT, ""),
}
_TYPES["ConectorListRequest"] = _TYPES["ConnectorListRequest"]
_TYPES["ConectorListResponse"] = _TYPES["ConnectorListResponse"]

_SEPARATORS = re.compile(r"[\s,\[\]]*")  # between array elements
_STRUCTURE = re.compile(r'[{}\[\]"]')
_STRING_END = re.compile(r'["\\]')
_BARE_WORD = re.compile(r"[^\s,\[\]{}\"]*")
_RESYNC = re.compile(r",\s*(?=\{)")  # a comma before the next object of an array


class EventError(ValueError):
    """An event that cannot become a frame: `reason` for the summary, `detail` for the line."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def _ident(value: Any) -> str | None:
    """An id given as a non-empty string or an integer."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def event_frame(event: Any) -> Frame:
    """The frame of one event. Raises EventError when the event cannot be used."""
    if not isinstance(event, dict):
        raise EventError("not an event", f"a JSON {type(event).__name__}, not an object")
    message_type = event.get("messageType")
    if not message_type:
        raise EventError("missing messageType")
    shape = _TYPES.get(message_type) if isinstance(message_type, str) else None
    if shape is None:
        raise EventError("unknown messageType", repr(message_type))
    role, direction, kind, action = shape
    ts = parse_iso(event.get("occurredAt"))
    if ts is None:
        raise EventError("bad occurredAt", repr(event.get("occurredAt")))
    payload = event.get("payload")
    payload = {} if payload is None else payload
    station = ""
    if role != _RESPONSE:
        station = (isinstance(payload, dict) and _ident(payload.get("stationId"))) or ""
        if not station:
            raise EventError("missing stationId", message_type)
    correlation = _ident(event.get("correlationId"))
    if role == _NOTIFICATION:
        unique_id = correlation or _ident(event.get("messageId")) or _ident(event.get("id")) or ""
    elif correlation is None:
        raise EventError("missing correlationId", message_type)
    else:
        unique_id = correlation
    event_id = _ident(event.get("id"))
    text = f"event {event_id}" if event_id else ""
    return Frame(ts, station, direction, kind, unique_id, action, payload, PROTOCOL, text)


def import_events(
    chunks: Iterable[bytes | str],
    skip: Callable[[int, str, str], None],
    max_event_chars: int = MAX_EVENT_CHARS,
) -> Iterator[Frame]:
    """Stream the frames of an event log given in chunks of any size (lines will do).

    A JSON array is decoded element by element, never whole; anything else is
    read as one event per line. Each unusable event is passed to
    `skip(line, reason, detail)` and the rest go on.
    """
    return chain.from_iterable(import_event_batches(chunks, skip, max_event_chars))


def import_event_batches(
    chunks: Iterable[bytes | str],
    skip: Callable[[int, str, str], None],
    max_event_chars: int = MAX_EVENT_CHARS,
) -> Iterator[list[Frame]]:
    """`import_events`, the frames of each chunk's whole lines as one list."""
    for values in _value_batches(chunks, skip, max_event_chars):
        frames: list[Frame] = []
        for line, index, value in values:
            try:
                frames.append(event_frame(value))
            except EventError as exc:
                where = f"array index {index}" if index is not None else ""
                skip(line, exc.reason, "; ".join(part for part in (where, exc.detail) if part))
        yield frames


def _texts(chunks: Iterable[bytes | str]) -> Iterator[str]:
    """Text from byte chunks, a character split between two chunks kept whole."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    for chunk in chunks:
        text = decoder.decode(chunk) if isinstance(chunk, bytes) else chunk
        if text:
            yield text
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


def iter_values(
    chunks: Iterable[bytes | str],
    skip: Callable[[int, str, str], None],
    max_event_chars: int = MAX_EVENT_CHARS,
) -> Iterator[tuple[int, int | None, Any]]:
    """Each JSON value of an array or of JSON lines, as (line, array index or None, value).

    Text that is not JSON is passed to `skip` with reason "bad JSON".
    """
    return chain.from_iterable(_value_batches(chunks, skip, max_event_chars))


_Value = tuple[int, int | None, Any]


def _value_batches(
    chunks: Iterable[bytes | str], skip: Callable[[int, str, str], None], max_event_chars: int
) -> Iterator[list[_Value]]:
    """`iter_values` in lists: a chunk's lines at a time, an array's elements one by one."""
    texts = _texts(chunks)
    head = ""
    for text in texts:
        head += text
        stripped = head.lstrip("\ufeff \t\r\n")
        if stripped:
            lines_before = head.count("\n", 0, len(head) - len(stripped))
            body = _chain(stripped, texts)
            if stripped.startswith("["):
                values = _array_values(body, skip, max_event_chars, lines_before + 1)
                yield from ([value] for value in values)
            else:
                yield from _line_values(body, skip, max_event_chars, lines_before)
            return


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _line_values(
    texts: Iterator[str], skip: Callable[[int, str, str], None], limit: int, line: int
) -> Iterator[list[_Value]]:
    """One value per line, a text's whole lines at a time; `line` is the number of lines
    before the first text."""
    pending = ""
    discarding = False  # inside a line already reported as too long
    for text in texts:
        parts = (pending + text).split("\n")
        pending = parts.pop()
        if discarding and parts:
            discarding = False
            line += 1
            del parts[0]
        yield _parsed(parts, line, skip)
        line += len(parts)
        if len(pending) > limit:
            if not discarding:
                skip(line + 1, "bad JSON", f"a line longer than {limit:,} characters")
            discarding, pending = True, ""
    if pending and not discarding:
        yield _parsed([pending], line, skip)


def _parsed(parts: list[str], line: int, skip: Callable[[int, str, str], None]) -> list[_Value]:
    """The values of whole lines, the first numbered `line + 1`; blank lines are passed over."""
    values: list[_Value] = []
    loads = orjson.loads
    for number, part in enumerate(parts, line + 1):
        try:
            values.append((number, None, loads(part)))
        except orjson.JSONDecodeError as exc:
            if part.strip():
                skip(number, "bad JSON", str(exc))
    return values


class _ValueEnd:
    """Finds where one JSON value ends, resuming as more text arrives.

    Counts brackets outside strings; it does not validate, it only bounds the
    value so that a broken one costs one skip, not the rest of the file.
    """

    def __init__(self, start: int) -> None:
        self.start = start
        self.pos = start
        self.depth = 0
        self.in_string = False

    def find(self, buf: str) -> int | None:
        """The end offset in `buf`, or None when the value goes on past it."""
        pos = self.pos
        if pos == self.start and buf[pos] not in '{["':
            # At least one character, so a stray `}` or `:` cannot stall the reader.
            end = _BARE_WORD.match(buf, pos + 1).end()  # type: ignore[union-attr]
            return end if end < len(buf) else None
        while True:
            if self.in_string:
                found = _STRING_END.search(buf, pos)
                if found is None:
                    self.pos = len(buf)
                    return None
                if found.group() == "\\":
                    if found.end() >= len(buf):
                        self.pos = found.start()  # the escaped character is in the next chunk
                        return None
                    pos = found.end() + 1
                    continue
                self.in_string = False
                pos = found.end()
                if self.depth == 0:
                    return pos
                continue
            found = _STRUCTURE.search(buf, pos)
            if found is None:
                self.pos = len(buf)
                return None
            pos = found.end()
            char = found.group()
            if char == '"':
                self.in_string = True
            elif char in "{[":
                self.depth += 1
            else:
                self.depth -= 1
                if self.depth <= 0:
                    return pos


def _array_values(
    texts: Iterator[str], skip: Callable[[int, str, str], None], limit: int, line: int
) -> Iterator[tuple[int, int | None, Any]]:
    """The elements of a JSON array (or of several), decoded one at a time.

    `line` is the line number at the start of the first text. The buffer only
    ever holds the element being decoded and one chunk.
    """
    decoder = json.JSONDecoder()
    buf, pos, index = "", 0, 0
    at_end = False
    scan: _ValueEnd | None = None
    resyncing = False

    def more() -> bool:
        nonlocal buf, pos, at_end
        text = next(texts, None)
        if text is None:
            at_end = True
            return False
        if scan is not None:
            scan.pos -= pos
            scan.start -= pos
        buf, pos = buf[pos:] + text, 0
        return True

    more()
    while True:
        if resyncing:
            found = _RESYNC.search(buf, pos)
            keep = found.end() if found else max(pos, len(buf) - 256)
            line += buf.count("\n", pos, keep)
            pos = keep
            if found:
                resyncing = False
            elif not more():
                return
            continue
        if scan is None:
            gap = _SEPARATORS.match(buf, pos).end()  # type: ignore[union-attr]
            line += buf.count("\n", pos, gap)
            pos = gap
            if pos == len(buf):
                if not more():
                    return
                continue
            try:
                value, end = decoder.raw_decode(buf, pos)
            except json.JSONDecodeError:
                scan = _ValueEnd(pos)
            else:
                if end == len(buf) and not at_end and more():
                    continue  # a number or word may go on in the next chunk
                yield line, index, value
                line += buf.count("\n", pos, end)
                pos, index = end, index + 1
                continue
        end = scan.find(buf)
        if end is None:
            if len(buf) - scan.start > limit:
                skip(line, "bad JSON", f"array index {index}: no end within {limit:,} characters")
                line += buf.count("\n", pos, len(buf))
                pos, index, scan, resyncing = len(buf), index + 1, None, True
            elif not more():
                skip(line, "bad JSON", f"array index {index}: cut off at the end of the input")
                return
            continue
        try:
            value = decoder.decode(buf[pos:end])
        except json.JSONDecodeError as exc:
            skip(line, "bad JSON", f"array index {index}: {exc.msg}")
            # Where a broken element really ends is a guess: go on at the next
            # comma before an object, which is right after it when it was whole.
            resyncing = True
        else:
            yield line, index, value  # whole only once its end was found
        line += buf.count("\n", pos, end)
        pos, index, scan = end, index + 1, None
