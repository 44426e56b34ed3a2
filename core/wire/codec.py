"""The frame codec: OCPP-J text to frames and back, and recording lines.

A recording line is one JSON object per frame; OCPP frames keep their wire
array under "msg", so a line shows exactly what crossed the wire.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from .frame import OCPP_KINDS, Direction, Frame, Kind

# Lookups by value: a dict is ten times cheaper than calling the enum.
_KIND_BY_VALUE = {k.value: k for k in Kind}
_DIRECTION_BY_VALUE = {d.value: d for d in Direction}
_TYPE_IDS = {2: Kind.CALL, 3: Kind.RESULT, 4: Kind.ERROR}

MAX_ID_LENGTH = 36  # OCPP-J: a message id is a string of at most 36 characters
PREVIEW_CHARS = 200  # what a frame keeps of text it cannot or will not hold whole


def usable_id(value: Any) -> str | None:
    """`value` when it is a message id as OCPP-J allows (a string of 1 to 36 characters)."""
    if isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH:
        return value
    return None


def preview(text: str | bytes, limit: int = PREVIEW_CHARS) -> str:
    """The start of a message as text: whole when short, else cut with its full size noted."""
    if len(text) <= limit:
        return text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    if isinstance(text, bytes):
        # Only the head is decoded: the rest of a large message is never copied.
        return f"{text[:limit].decode('utf-8', 'replace')}… ({len(text):,} bytes)"
    return f"{text[:limit]}… ({len(text):,} characters)"


class FrameError(ValueError):
    """Text that is not a valid OCPP-J message; `unique_id` when one was readable."""

    def __init__(self, message: str, unique_id: str | None = None) -> None:
        super().__init__(message)
        self.unique_id = unique_id


# Not frozen, as Frame (core/wire/frame.py): one is built for every line of a text log.
@dataclass(slots=True)
class Message:
    """The parts of an OCPP-J message array. Never changed once made."""

    kind: Kind
    unique_id: str
    action: str
    payload: Any
    text: str = ""


def parse_message(text: str | bytes) -> Message:
    """Parse an OCPP-J array `[2,id,action,payload]`, `[3,id,payload]` or
    `[4,id,code,description,details]`.

    Raises FrameError when the text is not JSON or not one of those shapes.
    """
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise FrameError(f"not JSON: {exc}") from None
    return message_from_array(data)


def message_from_array(data: Any) -> Message:
    """The Message of an already decoded OCPP-J array. Raises FrameError."""
    if not isinstance(data, list) or len(data) < 2:
        raise FrameError("not an OCPP-J array")
    type_id, unique_id = data[0], data[1]
    uid = unique_id if isinstance(unique_id, str) else None
    if len(data) < 3:
        raise FrameError("not an OCPP-J array", uid)
    kind = _TYPE_IDS.get(type_id) if isinstance(type_id, int) else None
    if kind is None:
        raise FrameError(f"unknown message type {preview(repr(type_id), 20)}", uid)
    if uid is None:
        raise FrameError("message id is not a string")
    if kind is Kind.CALL:
        if len(data) != 4 or not isinstance(data[2], str):
            raise FrameError("a CALL is [2, id, action, payload]", uid)
        return Message(kind, uid, data[2], data[3])
    if kind is Kind.RESULT:
        if len(data) != 3:
            raise FrameError("a CALLRESULT is [3, id, payload]", uid)
        return Message(kind, uid, "", data[2])
    if len(data) != 5 or not isinstance(data[2], str):
        raise FrameError("a CALLERROR is [4, id, code, description, details]", uid)
    return Message(kind, uid, data[2], data[4], str(data[3]))


def from_wire(
    text: str | bytes, *, ts: float, station: str, direction: Direction, protocol: str
) -> Frame:
    """A Frame for text seen on the wire.

    Unreadable text, or a message whose id OCPP-J does not allow, becomes a MALFORMED
    frame that keeps only a preview of the text: a station's garbage is never held whole.
    """
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return _malformed(f"not JSON: {exc}", "", text, ts, station, direction, protocol)
    # The shapes nearly every message has, read without building a Message first.
    if type(data) is list and len(data) >= 3:
        type_id, uid = data[0], data[1]
        if type(type_id) is int and type(uid) is str and 0 < len(uid) <= MAX_ID_LENGTH:
            if type_id == 2 and len(data) == 4 and type(data[2]) is str:
                return Frame(ts, station, direction, Kind.CALL, uid, data[2], data[3], protocol)
            if type_id == 3 and len(data) == 3:
                return Frame(ts, station, direction, Kind.RESULT, uid, "", data[2], protocol)
    try:
        msg = message_from_array(data)
        if usable_id(msg.unique_id) is None:
            raise FrameError(f"message id is not 1 to {MAX_ID_LENGTH} characters")
    except FrameError as exc:
        uid = usable_id(exc.unique_id) or ""
        return _malformed(str(exc), uid, text, ts, station, direction, protocol)
    return Frame(
        ts, station, direction, msg.kind, msg.unique_id, msg.action, msg.payload, protocol, msg.text
    )


def _malformed(
    error: str,
    unique_id: str,
    text: str | bytes,
    ts: float,
    station: str,
    direction: Direction,
    protocol: str,
) -> Frame:
    """The MALFORMED frame of text that is no OCPP-J message: why, and a preview."""
    payload = {"error": error}
    return Frame(
        ts, station, direction, Kind.MALFORMED, unique_id, "", payload, protocol, preview(text)
    )


def to_wire(frame: Frame) -> list[Any] | None:
    """The OCPP-J array of an OCPP frame; None for other kinds."""
    if frame.kind is Kind.CALL:
        return [2, frame.unique_id, frame.action, frame.payload]
    if frame.kind is Kind.RESULT:
        return [3, frame.unique_id, frame.payload]
    if frame.kind is Kind.ERROR:
        return [4, frame.unique_id, frame.action, frame.text, frame.payload]
    return None


def encode(frame: Frame) -> bytes:
    """One recording line (without newline) for a frame."""
    record: dict[str, Any] = {
        "seq": frame.seq,
        "ts": frame.ts,
        "station": frame.station,
        "dir": frame.direction,  # orjson writes an enum as its value, cheaper than .value
        "kind": frame.kind,
        "proto": frame.protocol,
    }
    wire = to_wire(frame)
    if wire is not None:
        record["msg"] = wire
    else:
        record["uid"] = frame.unique_id
        record["payload"] = frame.payload
        record["text"] = frame.text
    # orjson's bytes keep its whole write buffer (several kB, however short the line);
    # the frame log holds 200,000 of these, so keep a copy of just the line.
    return bytes(memoryview(orjson.dumps(record)))


def decode(line: str | bytes) -> Frame:
    """The Frame of one recording line. Raises FrameError on a bad line."""
    try:
        rec = orjson.loads(line)
        kind = _KIND_BY_VALUE[rec["kind"]]
        direction = _DIRECTION_BY_VALUE[rec["dir"]]
        ts = float(rec["ts"])
        station = str(rec["station"])
        seq = int(rec.get("seq", 0))
        proto = str(rec.get("proto", ""))
    except (orjson.JSONDecodeError, KeyError, ValueError, TypeError) as exc:
        raise FrameError(f"not a recording line: {exc}") from None
    if kind in OCPP_KINDS:
        wire = rec.get("msg")
        # Fast path for the shapes a recording holds; anything else is checked in full.
        if type(wire) is list and len(wire) >= 3 and type(wire[1]) is str:
            uid = wire[1]
            if kind is Kind.CALL and len(wire) == 4 and type(wire[2]) is str:
                return Frame(ts, station, direction, kind, uid, wire[2], wire[3], proto, "", seq)
            if kind is Kind.RESULT and len(wire) == 3:
                return Frame(ts, station, direction, kind, uid, "", wire[2], proto, "", seq)
        msg = message_from_array(wire)
        return Frame(
            ts,
            station,
            direction,
            kind,
            msg.unique_id,
            msg.action,
            msg.payload,
            proto,
            msg.text,
            seq,
        )
    return Frame(
        ts,
        station,
        direction,
        kind,
        str(rec.get("uid", "")),
        "",
        rec.get("payload", {}),
        proto,
        str(rec.get("text", "")),
        seq,
    )
