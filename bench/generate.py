"""Generators of large inputs for the replay and projection benchmarks.

Importable (`write_recording`, `write_eventlog`) and runnable:

    .venv/bin/python bench/generate.py recording FILE [--frames N] [--stations S] [--gzip]
    .venv/bin/python bench/generate.py eventlog FILE [--events N] [--stations S] [--array]
    .venv/bin/python bench/generate.py ocppj FILE [--frames N] [--stations S]

Both stream: frames and events are written as they are made, so memory stays
a few MB whatever the size. Output is deterministic for a given seed, and a
smaller recording is a prefix of a larger one with the same seed and stations.

A recording is ocppdeck's JSONL (`core.wire.codec.encode`, one frame a line,
`seq` 1..n, timestamps never decreasing) of an OCPP 1.6 fleet: each station
connects, boots, is asked for NumberOfConnectors (GetConfiguration), reports
each connector Available, then heartbeats; each connector runs sessions
(Authorize, Preparing, StartTransaction with its transactionId, Charging,
MeterValues every --meter-interval seconds with energy and power, StopTransaction
with transactionData, Finishing, Available), with the odd rejected tag and
Faulted connector. Every CALL is answered.

An event log is the format of core/disk/importers/eventlog.py: ConnectorList and
MeterValues request/response pairs sharing a correlationId, and
MeterValuesNotifications, written in windows of --window events shuffled
among themselves so the file is out of time order (a response often comes
before its request).

A plain OCPP-J log is what a charger (or a CSMS) writes of its traffic: a
timestamp and the OCPP-J array, one message a line (`2026-01-01T00:00:00.123Z
[2,"…","Heartbeat",{}]`), the same OCPP traffic as a recording without its
connection events. It names no station and no direction (core/disk/importers/ocppj.py
shape (d); ocpp-lens reads it too), so it is one charger's log: `stations` 1 by default.
"""

from __future__ import annotations

import argparse
import gzip
import heapq
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from ocppdeck.core.wire.codec import encode, to_wire
from ocppdeck.core.wire.frame import Direction, Frame, Kind

EPOCH = 1_767_225_600.0  # 2026-01-01T00:00:00Z: the first frame of every recording
PROTOCOL = "ocpp1.6"
WRITE_BATCH = 2_000  # lines joined per write()

_ENERGY = "Energy.Active.Import.Register"
_POWER = "Power.Active.Import"
_CHARGER_POWER_W = (3_700, 7_400, 11_000, 22_000, 50_000)
_MODELS = (("Northgrid", "NG-Tri"), ("Ampere Works", "AW-7"), ("Voltline", "VL-22"))


# --- small pieces -------------------------------------------------------------
class _Iso:
    """Epoch seconds to `2026-01-01T00:00:00.000Z`, the seconds part cached."""

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def __call__(self, ts: float, millis: bool = True) -> str:
        second = int(ts)
        if second != self._second:
            self._second = second
            self._prefix = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        if not millis:
            return self._prefix + "Z"
        return f"{self._prefix}.{int((ts - second) * 1000):03d}Z"


def _uid(rng: random.Random) -> str:
    """A UUID4-looking message id from the seeded generator."""
    h = f"{rng.getrandbits(128):032x}"
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}"


def _open_out(path: Path, use_gzip: bool) -> IO[bytes]:
    if use_gzip:
        return gzip.open(path, "wb", compresslevel=5)
    return open(path, "wb")


@dataclass(slots=True)
class Written:
    """What a generator wrote."""

    path: Path
    records: int  # frames or events
    bytes: int  # on disk
    seconds: float  # wall time taken
    first_ts: float
    last_ts: float
    transactions: int = 0  # recordings: transactions started


# --- recording ------------------------------------------------------------------
# An actor yields frames as (ts, station, direction, kind, unique_id, action,
# payload, text), its own times never decreasing; the actors are merged by time.
_Item = tuple[float, str, Direction, Kind, str, str, Any, str]


class _Fleet:
    """The actors of an OCPP 1.6 fleet: one per station and one per connector."""

    def __init__(
        self, stations: int, seed: int, meter_interval: float, heartbeat_interval: float
    ) -> None:
        self.rng = random.Random(seed)
        self.iso = _Iso()
        self.meter_interval = meter_interval
        self.heartbeat_interval = heartbeat_interval
        self.next_tx = 1
        self.actors: list[Iterator[_Item]] = []
        for index in range(stations):
            connectors = self.rng.choice((1, 2, 2, 2, 3))
            t0 = EPOCH + 0.5 + self.rng.uniform(0, 60)
            station = f"CP{index + 1:04d}"
            self.actors.append(self._station(station, index, connectors, t0))
            for cid in range(1, connectors + 1):
                # Past the boot exchange (well under 5 s) before its first session.
                start = t0 + 5 + self.rng.uniform(0, 600)
                self.actors.append(self._connector(station, cid, start))

    def _latency(self) -> float:
        return self.rng.uniform(0.004, 0.06)

    def _pair_in(
        self, station: str, t: float, action: str, payload: Any, answer: Any
    ) -> Iterator[_Item]:
        """A station -> CSMS CALL and the CSMS's CALLRESULT."""
        uid = _uid(self.rng)
        yield (t, station, Direction.IN, Kind.CALL, uid, action, payload, "")
        yield (t + self._latency(), station, Direction.OUT, Kind.RESULT, uid, "", answer, "")

    def _status(self, station: str, t: float, cid: int, status: str) -> Iterator[_Item]:
        payload = {
            "connectorId": cid,
            "errorCode": "GroundFailure" if status == "Faulted" else "NoError",
            "status": status,
            "timestamp": self.iso(t),
        }
        yield from self._pair_in(station, t, "StatusNotification", payload, {})

    def _station(self, station: str, index: int, connectors: int, t0: float) -> Iterator[_Item]:
        rng = self.rng
        address = f"from 10.{index // 250}.{index % 250}.{rng.randrange(2, 250)}:{49152 + index}"
        yield (t0, station, Direction.IN, Kind.CONNECTED, "", "", {}, address)
        t = t0 + 0.02
        vendor, model = _MODELS[index % len(_MODELS)]
        boot = {
            "chargePointModel": model,
            "chargePointVendor": vendor,
            "chargePointSerialNumber": f"SN-{station}",
            "firmwareVersion": "bench 1.0",
        }
        answer = {
            "currentTime": self.iso(t + 0.005),
            "interval": int(self.heartbeat_interval),
            "status": "Accepted",
        }
        yield from self._pair_in(station, t, "BootNotification", boot, answer)
        t += 0.1
        uid = _uid(rng)
        ask = {"key": ["NumberOfConnectors"]}
        yield (t, station, Direction.OUT, Kind.CALL, uid, "GetConfiguration", ask, "")
        t += self._latency()
        told = {
            "configurationKey": [
                {"key": "NumberOfConnectors", "readonly": True, "value": str(connectors)}
            ]
        }
        yield (t, station, Direction.IN, Kind.RESULT, uid, "", told, "")
        for cid in range(connectors + 1):
            t += 0.1
            yield from self._status(station, t, cid, "Available")
        while True:
            t += self.heartbeat_interval * rng.uniform(0.98, 1.02)
            yield from self._pair_in(station, t, "Heartbeat", {}, {"currentTime": self.iso(t)})

    def _connector(self, station: str, cid: int, t: float) -> Iterator[_Item]:
        rng = self.rng
        wh = float(rng.randrange(0, 500_000))
        while True:
            t += 0.1 + rng.expovariate(1 / 900)  # idle, 15 minutes on average
            if rng.random() < 0.005:
                yield from self._status(station, t, cid, "Faulted")
                t += rng.uniform(60, 1800)
                yield from self._status(station, t, cid, "Available")
                continue
            tag = f"TAG-{rng.randrange(1, 5000):04d}"
            accepted = rng.random() >= 0.02
            info = {"idTagInfo": {"status": "Accepted" if accepted else "Invalid"}}
            yield from self._pair_in(station, t, "Authorize", {"idTag": tag}, info)
            if not accepted:
                continue
            t += rng.uniform(1, 5)
            yield from self._status(station, t, cid, "Preparing")
            t += rng.uniform(1, 10)
            tx = self.next_tx
            self.next_tx += 1
            start = {
                "connectorId": cid,
                "idTag": tag,
                "meterStart": int(wh),
                "timestamp": self.iso(t),
            }
            started = {"idTagInfo": {"status": "Accepted"}, "transactionId": tx}
            yield from self._pair_in(station, t, "StartTransaction", start, started)
            t += 0.5
            yield from self._status(station, t, cid, "Charging")
            power = rng.choice(_CHARGER_POWER_W)
            for _ in range(max(1, int(rng.uniform(1_200, 10_800) / self.meter_interval))):
                t += self.meter_interval
                wh += power * self.meter_interval / 3600
                meter = {
                    "connectorId": cid,
                    "transactionId": tx,
                    "meterValue": [self._sample(t, wh, power, "Sample.Periodic")],
                }
                yield from self._pair_in(station, t, "MeterValues", meter, {})
            t += rng.uniform(1, self.meter_interval)
            stop = {
                "meterStop": int(wh),
                "timestamp": self.iso(t),
                "transactionId": tx,
                "reason": rng.choice(("Local", "EVDisconnected", "Remote")),
                "idTag": tag,
                "transactionData": [self._sample(t, wh, 0, "Transaction.End")],
            }
            yield from self._pair_in(station, t, "StopTransaction", stop, info)
            t += rng.uniform(1, 5)
            yield from self._status(station, t, cid, "Finishing")
            t += rng.uniform(10, 120)
            yield from self._status(station, t, cid, "Available")

    def _sample(self, t: float, wh: float, power: int, context: str) -> dict[str, Any]:
        return {
            "timestamp": self.iso(t),
            "sampledValue": [
                {"value": f"{wh:.1f}", "context": context, "measurand": _ENERGY, "unit": "Wh"},
                {"value": str(power), "context": context, "measurand": _POWER, "unit": "W"},
            ],
        }

    def frames(self) -> Iterator[Frame]:
        """Every frame of the fleet, in time order, `seq` from 1 (endless)."""
        heap: list[tuple[float, int, _Item, Iterator[_Item]]] = []
        serial = 0
        for actor in self.actors:
            item = next(actor)
            heap.append((item[0], serial, item, actor))
            serial += 1
        heapq.heapify(heap)
        yield Frame(EPOCH, "", Direction.IN, Kind.SERVER_START, seq=1)
        seq = 1
        while True:
            _, _, item, actor = heap[0]
            seq += 1
            ts, station, direction, kind, uid, action, payload, text = item
            yield Frame(ts, station, direction, kind, uid, action, payload, PROTOCOL, text, seq)
            nxt = next(actor)
            heapq.heapreplace(heap, (nxt[0], serial, nxt, actor))
            serial += 1


def recording_frames(
    frames: int,
    stations: int = 200,
    seed: int = 1,
    meter_interval: float = 60.0,
    heartbeat_interval: float = 300.0,
) -> Iterator[Frame]:
    """The first `frames` frames of a generated fleet, as Frames, one at a time."""
    fleet = _Fleet(stations, seed, meter_interval, heartbeat_interval)
    for count, frame in enumerate(fleet.frames()):
        if count >= frames:
            return
        yield frame


def _write_lines(
    path: Path,
    use_gzip: bool | None,
    frames: Iterable[Frame],
    line_of: Callable[[Frame], bytes | None],
    limit: int,
) -> Written:
    """Write one line per frame (None: the frame has no line) until `limit` lines, in
    batches; gzip when asked or named `.gz`."""
    if use_gzip is None:
        use_gzip = path.suffix == ".gz"
    started = time.perf_counter()
    last = EPOCH
    batch: list[bytes] = []
    count = transactions = 0
    with _open_out(path, use_gzip) as out:
        for frame in frames:
            line = line_of(frame)
            if line is None:
                continue
            batch.append(line)
            count += 1
            last = frame.ts
            if frame.kind is Kind.CALL and frame.action == "StartTransaction":
                transactions += 1
            if len(batch) >= WRITE_BATCH:
                out.write(b"\n".join(batch) + b"\n")
                batch.clear()
            if count >= limit:
                break
        if batch:
            out.write(b"\n".join(batch) + b"\n")
    seconds = time.perf_counter() - started
    return Written(path, count, path.stat().st_size, seconds, EPOCH, last, transactions)


def write_recording(
    path: str | Path,
    frames: int = 1_000_000,
    stations: int = 200,
    seed: int = 1,
    *,
    use_gzip: bool | None = None,
    meter_interval: float = 60.0,
    heartbeat_interval: float = 300.0,
) -> Written:
    """Write an ocppdeck JSONL recording of `frames` frames; gzip when asked or named `.gz`."""
    source = recording_frames(frames, stations, seed, meter_interval, heartbeat_interval)
    return _write_lines(Path(path), use_gzip, source, encode, frames)


# --- plain OCPP-J log ------------------------------------------------------------
def write_ocppj(
    path: str | Path,
    frames: int = 300_000,
    stations: int = 1,
    seed: int = 1,
    *,
    use_gzip: bool | None = None,
    meter_interval: float = 60.0,
    heartbeat_interval: float = 300.0,
) -> Written:
    """Write a plain OCPP-J log of `frames` lines: `ISO-timestamp [OCPP-J array]`, one a line."""
    iso = _Iso()

    def line_of(frame: Frame) -> bytes | None:
        wire = to_wire(frame)
        if wire is None:
            return None  # connection events are not in a charger's log
        return iso(frame.ts).encode() + b" " + orjson.dumps(wire)

    fleet = _Fleet(stations, seed, meter_interval, heartbeat_interval)
    return _write_lines(Path(path), use_gzip, fleet.frames(), line_of, frames)


# --- event log --------------------------------------------------------------------
class _EventFleet:
    """Stations of an event log: their connectors and meters, and the events they cause."""

    def __init__(self, stations: int, seed: int, rate: float) -> None:
        self.rng = random.Random(seed)
        self.iso = _Iso()
        self.rate = rate  # events per second, fleet-wide, on average
        self.ids = [f"ST-{i + 1:04d}" for i in range(stations)]
        self.connectors = [self.rng.choice((1, 2, 2, 3, 4)) for _ in range(stations)]
        self.meters = [
            [float(self.rng.randrange(0, 200_000)) for _ in range(n)] for n in self.connectors
        ]
        self.t = EPOCH
        self.event_id = 0
        self.correlation = 0

    def _event(
        self, message_type: str, at: float, payload: dict[str, Any], correlation: str | None
    ) -> dict[str, Any]:
        self.event_id += 1
        # Seconds only or with milliseconds, as both are met in the field.
        occurred = self.iso(at, millis=self.event_id % 3 != 0)
        return {
            "id": self.event_id,
            "messageId": f"msg-{self.event_id}",
            "correlationId": correlation,
            "messageType": message_type,
            "occurredAt": occurred,
            "payload": payload,
        }

    def _reading(self, value: float) -> float | str:
        """Readings as numbers or strings, both are met."""
        return round(value, 1) if self.rng.random() < 0.5 else f"{value:.1f}"

    def _advance_meters(self, index: int, seconds: float) -> None:
        meters = self.meters[index]
        for cid in range(len(meters)):
            if self.rng.random() < 0.6:  # charging on this connector
                meters[cid] += 7_400 * seconds / 3600

    def _list(self, index: int, at: float) -> Iterator[dict[str, Any]]:
        self.correlation += 1
        corr = f"c-{self.correlation}"
        spelled = "Conector" if self.rng.random() < 0.05 else "Connector"
        ask = {"stationId": self.ids[index]}
        yield self._event(f"{spelled}ListRequest", at, ask, corr)
        told = {"numConnectors": self.connectors[index]}
        yield self._event(f"{spelled}ListResponse", at + self.rng.uniform(0.2, 2), told, corr)

    def events(self) -> Iterator[dict[str, Any]]:
        """Events in time order (endless): every station's connector list first."""
        rng = self.rng
        for index in range(len(self.ids)):
            self.t += rng.uniform(0.01, 0.1)
            yield from self._list(index, self.t)
        while True:
            self.t += rng.expovariate(self.rate)
            index = rng.randrange(len(self.ids))
            self._advance_meters(index, len(self.ids) / self.rate)
            meters = self.meters[index]
            station = self.ids[index]
            roll = rng.random()
            if roll < 0.03:
                yield from self._list(index, self.t)
            elif roll < 0.55:
                self.correlation += 1
                corr = f"c-{self.correlation}"
                cid = rng.randrange(len(meters)) + 1
                ask = {"stationId": station, "connectorId": cid}
                yield self._event("MeterValuesRequest", self.t, ask, corr)
                told = {
                    "meterValues": [{"connectorId": cid, "reading": self._reading(meters[cid - 1])}]
                }
                yield self._event("MeterValuesResponse", self.t + rng.uniform(0.2, 3), told, corr)
            else:
                values = [
                    {"connectorId": cid + 1, "reading": self._reading(wh)}
                    for cid, wh in enumerate(meters)
                ]
                note = {"stationId": station, "meterValues": values}
                yield self._event("MeterValuesNotification", self.t, note, None)


def write_eventlog(
    path: str | Path,
    events: int = 1_000_000,
    stations: int = 200,
    seed: int = 1,
    as_array: bool = False,
    *,
    window: int = 2_000,
    rate: float = 20.0,
    use_gzip: bool | None = None,
) -> Written:
    """Write an event log of `events` events, one a line (or one JSON array with `as_array`).

    Events are made in time order and written in windows of `window` events,
    each window shuffled, so `occurredAt` is unordered in the file.
    """
    path = Path(path)
    if use_gzip is None:
        use_gzip = path.suffix == ".gz"
    started = time.perf_counter()
    fleet = _EventFleet(stations, seed, rate)
    shuffler = random.Random(seed + 1)
    first = last = EPOCH
    count = 0
    sep = b",\n" if as_array else b"\n"
    with _open_out(path, use_gzip) as out:
        if as_array:
            out.write(b"[\n")
        window_events: list[dict[str, Any]] = []
        source = fleet.events()
        while count < events:
            window_events.clear()
            while len(window_events) < window and count < events:
                window_events.append(next(source))
                count += 1
            last = max(last, max(_parse(e["occurredAt"]) for e in window_events))
            shuffler.shuffle(window_events)
            text = sep.join(orjson.dumps(e) for e in window_events)
            if count > len(window_events):
                out.write(sep)
            out.write(text)
        out.write(b"\n]\n" if as_array else b"\n")
    return Written(path, count, path.stat().st_size, time.perf_counter() - started, first, last)


def _parse(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


# --- command line -------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """Write a recording or an event log; print what was written."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    sub = p.add_subparsers(dest="what", required=True)
    rec = sub.add_parser("recording", help="an ocppdeck JSONL recording of an OCPP 1.6 fleet")
    rec.add_argument("path", type=Path)
    rec.add_argument("--frames", type=int, default=1_000_000)
    rec.add_argument("--stations", type=int, default=200)
    rec.add_argument("--seed", type=int, default=1)
    rec.add_argument("--gzip", action="store_true", help="gzip it (also when named .gz)")
    rec.add_argument("--meter-interval", type=float, default=60.0, help="seconds")
    rec.add_argument("--heartbeat-interval", type=float, default=300.0, help="seconds")
    ev = sub.add_parser(
        "eventlog", help="a meter/connector event log (core/disk/importers/eventlog.py)"
    )
    ev.add_argument("path", type=Path)
    ev.add_argument("--events", type=int, default=1_000_000)
    ev.add_argument("--stations", type=int, default=200)
    ev.add_argument("--seed", type=int, default=1)
    ev.add_argument("--array", action="store_true", help="one JSON array, not one event a line")
    ev.add_argument("--window", type=int, default=2_000, help="events shuffled together")
    ev.add_argument("--gzip", action="store_true", help="gzip it (also when named .gz)")
    plain = sub.add_parser("ocppj", help="a plain OCPP-J log: a timestamp and the array a line")
    plain.add_argument("path", type=Path)
    plain.add_argument("--frames", type=int, default=300_000)
    plain.add_argument("--stations", type=int, default=1)
    plain.add_argument("--seed", type=int, default=1)
    plain.add_argument("--gzip", action="store_true", help="gzip it (also when named .gz)")
    args = p.parse_args(argv)
    gz = True if args.gzip else None
    if args.what == "ocppj":
        done = write_ocppj(args.path, args.frames, args.stations, args.seed, use_gzip=gz)
        noun = f"lines ({done.transactions:,} transactions)"
    elif args.what == "recording":
        done = write_recording(
            args.path,
            args.frames,
            args.stations,
            args.seed,
            use_gzip=gz,
            meter_interval=args.meter_interval,
            heartbeat_interval=args.heartbeat_interval,
        )
        noun = f"frames ({done.transactions:,} transactions)"
    else:
        done = write_eventlog(
            args.path,
            args.events,
            args.stations,
            args.seed,
            args.array,
            window=args.window,
            use_gzip=gz,
        )
        noun = "events"
    span_h = (done.last_ts - done.first_ts) / 3600
    print(
        f"{done.path}: {done.records:,} {noun}, {done.bytes / 1e6:,.1f} MB, "
        f"{span_h:,.1f} h of traffic, written in {done.seconds:.1f} s "
        f"({done.records / max(done.seconds, 1e-9):,.0f}/s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
