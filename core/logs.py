"""Structured logs: one JSON object per line, to a file or a stream.

Log output is bounded per station: a record that names a station (the `station`
extra, as the CSMS and each station's `ocpp` library logger set it) is written
at most STATION_LINES_PER_MINUTE times a minute for that station, and a message
is cut at MAX_MESSAGE_CHARS, so a station sending garbage cannot fill the disk
through the log.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import orjson

from .wire.join import bounded_put

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
STATION_LINES_PER_MINUTE = 60
MAX_MESSAGE_CHARS = 4000  # a message longer than this is cut (a station's text can be 1 MB)
_WINDOW_S = 60.0
_STATIONS_REMEMBERED = 10_000


@dataclass(slots=True)
class _Minute:
    """One station's log lines in the current minute."""

    start: float
    lines: int = 0
    suppressed: int = 0


class StationLogLimit(logging.Filter):
    """Lets through at most `per_minute` records a minute for each station.

    The first record over the limit is rewritten into a note that says so; the
    first record of the station's next minute carries `suppressed`, how many it
    did not write.
    """

    def __init__(self, per_minute: int = STATION_LINES_PER_MINUTE) -> None:
        super().__init__()
        self.per_minute = per_minute
        self._minutes: dict[str, _Minute] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        """Whether to write the record (a note in place of the first one over the limit)."""
        station = vars(record).get("station")
        if not station or not isinstance(station, str):
            return True
        now = record.created
        minute = self._minutes.get(station)
        if minute is None or now - minute.start >= _WINDOW_S:
            if minute is not None and minute.suppressed:
                record.suppressed = minute.suppressed
            minute = _Minute(now)
            bounded_put(self._minutes, station, minute, _STATIONS_REMEMBERED)
        minute.lines += 1
        if minute.lines <= self.per_minute:
            return True
        minute.suppressed += 1
        if minute.suppressed > 1:
            return False
        record.msg = "%s: over %d log lines this minute; the rest of this minute's are not written"
        record.args = (station, self.per_minute)
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = record.exc_text = None
        return True


class JsonFormatter(logging.Formatter):
    """Formats a record as a JSON line with time, level, logger, message and extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": _cut(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = _cut(self.formatException(record.exc_info))
        return orjson.dumps(entry, default=str).decode()


def _cut(text: str) -> str:
    """At most MAX_MESSAGE_CHARS of `text`, saying how much was cut."""
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    return f"{text[:MAX_MESSAGE_CHARS]}… ({len(text) - MAX_MESSAGE_CHARS} more characters)"


def configure_logging(
    path: Path | None = None, stream: TextIO | None = None, level: int = logging.INFO
) -> None:
    """Send every log record as JSON to `path` (the TUI's case) or `stream` (headless)."""
    handler: logging.Handler
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    else:
        handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(StationLogLimit())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # The ocpp library logs every message at INFO; the recording already has them.
    logging.getLogger("ocpp").setLevel(logging.WARNING)
    logging.getLogger("websockets").setLevel(logging.WARNING)
    logging.getLogger("ocppdeck.sim.wire").setLevel(logging.WARNING)
