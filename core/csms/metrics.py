"""Prometheus metrics of the CSMS, served as text at /metrics on the CSMS port.

What every frame moves (frames by direction and kind, call round trips) is counted
in plain numbers on the event loop and turned into Prometheus samples only when
/metrics is read: prometheus_client's counters take a lock and check their labels
on each increment, a cost per frame for a figure read every few seconds.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from ..disk.health import DiskHealth, Part
from ..wire.frame import Direction, Frame, Kind
from ..wire.join import Joiner
from ..wire.tap import is_stray

_MAX_PENDING = 100_000  # calls awaiting an answer before the oldest are forgotten


class Metrics:
    """Counts frames, connections and call round trips; subscribe `observe` to the bus."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._counts = _FrameCounts()
        self.registry.register(self._counts)
        self.connected = Gauge(
            "ocppdeck_stations_connected", "Stations connected now", registry=self.registry
        )
        self.refused = Counter(
            "ocppdeck_connections_refused",
            "Handshakes refused, by reason (path, identity, subprotocol, unknown, rejected, "
            "missing, malformed, username, password, certificate)",
            ["reason"],
            registry=self.registry,
        )
        self.stray_answers = Counter(
            "ocppdeck_stray_answers",
            "Answers to no call in flight, dropped at the wire (recorded cut short)",
            registry=self.registry,
        )
        self._calls: Joiner[float] = Joiner(_MAX_PENDING, early_answers=False)

    def observe(self, frame: Frame) -> None:
        """Account for one frame."""
        kind = frame.kind
        if kind is Kind.CONNECTED:
            self.connected.inc()
            return
        if kind is Kind.DISCONNECTED:
            self.connected.dec()
            return
        if kind is Kind.REFUSED or kind is Kind.SERVER_START or kind is Kind.AUTOMATION:
            # Refusals are counted by the CSMS, with their reason, as they happen.
            return
        counts = self._counts
        counts.frames[(frame.direction, kind)] += 1
        if kind is Kind.CALL:
            self._calls.call(frame, frame.ts)
        elif kind is Kind.MALFORMED and is_stray(frame):
            self.stray_answers.inc()
        elif kind is Kind.RESULT or kind is Kind.ERROR:
            sent = self._calls.answer(frame, frame.ts)
            if sent is not None:
                counts.round_trip(frame.call_key[0], max(0.0, frame.ts - sent))

    def watch_disk(self, health: DiskHealth) -> None:
        """Serve what `health` knows of the data dir, read at each scrape."""
        self.registry.register(_DiskCollector(health))

    def render(self) -> bytes:
        """The Prometheus text exposition."""
        return generate_latest(self.registry)


_ROUND_TRIP_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_COUNTED_KINDS = (Kind.CALL, Kind.RESULT, Kind.ERROR, Kind.MALFORMED)


class _FrameCounts(Collector):
    """Frames by direction and kind, and call round trips by the CALL's direction, kept
    as plain numbers and served as `ocppdeck_frames` and `ocppdeck_call_round_trip_seconds`
    (a counter and a histogram, as prometheus_client would serve them)."""

    def __init__(self) -> None:
        self.created = time.time()
        self.frames = {(d, k): 0 for d in Direction for k in _COUNTED_KINDS}
        # Per direction: how many round trips fell in each bucket (the last is +Inf), and
        # their sum in seconds.
        self._buckets = {d: [0] * (len(_ROUND_TRIP_BUCKETS) + 1) for d in Direction}
        self._sums = dict.fromkeys(Direction, 0.0)

    def round_trip(self, direction: Direction, seconds: float) -> None:
        """Count one round trip of a CALL sent in `direction`."""
        self._buckets[direction][bisect_left(_ROUND_TRIP_BUCKETS, seconds)] += 1
        self._sums[direction] += seconds

    def collect(self) -> Iterator[Metric]:
        frames = CounterMetricFamily(
            "ocppdeck_frames", "OCPP frames seen", labels=["direction", "kind"]
        )
        for (direction, kind), count in self.frames.items():
            frames.add_metric([direction.value, kind.value], count, created=self.created)
        yield frames
        trips = HistogramMetricFamily(
            "ocppdeck_call_round_trip_seconds",
            "Time from a CALL to its answer",
            labels=["direction"],
        )
        bounds = [floatToGoString(b) for b in _ROUND_TRIP_BUCKETS] + ["+Inf"]
        for direction, counts in self._buckets.items():
            running, cumulative = 0, []
            for bound, count in zip(bounds, counts, strict=True):
                running += count
                cumulative.append((bound, float(running)))
            sum_value = self._sums[direction]
            labels = [direction.value]
            trips.add_metric(labels, cumulative, sum_value)
            trips.add_sample(
                "ocppdeck_call_round_trip_seconds_created", {"direction": labels[0]}, self.created
            )
        yield trips


class _DiskCollector(Collector):
    """The data dir's health as metrics, read from `DiskHealth` when scraped (never stale)."""

    def __init__(self, health: DiskHealth) -> None:
        self.health = health

    def collect(self) -> Iterator[Metric]:
        failing = GaugeMetricFamily(
            "ocppdeck_storage_error",
            "1 while writes of this part of the data dir fail (full or read-only disk)",
            labels=["part"],
        )
        for part in Part:
            failing.add_metric([part.value], 1.0 if self.health.failing(part) else 0.0)
        yield failing
        yield CounterMetricFamily(
            "ocppdeck_recording_dropped_frames",
            "Frames never recorded: the disk refused them and the memory buffer was full",
            value=self.health.dropped_frames,
        )
        space = self.health.space
        if space is not None:
            yield GaugeMetricFamily(
                "ocppdeck_data_dir_bytes", "Bytes the data dir uses on disk", value=space.used
            )
            yield GaugeMetricFamily(
                "ocppdeck_data_dir_free_bytes",
                "Bytes free on the data dir's file system",
                value=space.free,
            )
