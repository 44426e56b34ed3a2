"""Prometheus metrics of the CSMS, served as text at /metrics on the CSMS port."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ..disk.health import DiskHealth, Part
from ..wire.frame import Direction, Frame, Kind
from ..wire.join import Joiner
from ..wire.tap import is_stray

_MAX_PENDING = 100_000  # calls awaiting an answer before the oldest are forgotten


class Metrics:
    """Counts frames, connections and call round trips; subscribe `observe` to the bus."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.frames = Counter(
            "ocppdeck_frames", "OCPP frames seen", ["direction", "kind"], registry=self.registry
        )
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
        self.round_trip = Histogram(
            "ocppdeck_call_round_trip_seconds",
            "Time from a CALL to its answer",
            ["direction"],
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.stray_answers = Counter(
            "ocppdeck_stray_answers",
            "Answers to no call in flight, dropped at the wire (recorded cut short)",
            registry=self.registry,
        )
        self._calls: Joiner[float] = Joiner(_MAX_PENDING, early_answers=False)
        # labels() costs a lock and a lookup; frames come thousands a second.
        self._frame_counters = {
            (d, k): self.frames.labels(d.value, k.value)
            for d in Direction
            for k in (Kind.CALL, Kind.RESULT, Kind.ERROR, Kind.MALFORMED)
        }
        self._round_trips = {d: self.round_trip.labels(d.value) for d in Direction}

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
        self._frame_counters[(frame.direction, kind)].inc()
        if kind is Kind.CALL:
            self._calls.call(frame, frame.ts)
        elif kind is Kind.MALFORMED and is_stray(frame):
            self.stray_answers.inc()
        elif kind is Kind.RESULT or kind is Kind.ERROR:
            sent = self._calls.answer(frame, frame.ts)
            if sent is not None:
                self._round_trips[frame.call_key[0]].observe(max(0.0, frame.ts - sent))

    def watch_disk(self, health: DiskHealth) -> None:
        """Serve what `health` knows of the data dir, read at each scrape."""
        self.registry.register(_DiskCollector(health))

    def render(self) -> bytes:
        """The Prometheus text exposition."""
        return generate_latest(self.registry)


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
