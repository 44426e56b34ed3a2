"""A simulated fleet of OCPP charging stations speaking over real websockets.

Each `SimStation` is a real `ocpp.v16.ChargePoint` client: it boots, heartbeats, reports status
and runs one `ConnectorSim` state machine per connector, answers the common CSMS requests and
reconnects with backoff; its 1.6 messages and handlers are in core/sim_v16.py, and 2.0.1/2.1
stations (core/sim_v201.py) build on it. Time can be compressed (`SimSettings.speed`),
timestamps come from an injected `Clock` and all randomness from a seeded `random.Random`, so
runs are reproducible.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ocpp.charge_point import ChargePoint as AnyChargePoint
from ocpp.v16 import call
from ocpp.v16.enums import (
    ChargePointErrorCode,
    ChargePointStatus,
    ConfigurationStatus,
    MessageTrigger,
    ReadingContext,
    RegistrationStatus,
)
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException
from websockets.typing import Subprotocol

from ..clock import Clock, SystemClock, to_iso
from .connector import ConnectorSim, StationLink, pause
from .links.v16 import V16Link, V16Point

log = logging.getLogger("ocppdeck.sim")

SUPPORTED_PROTOCOL = "ocpp1.6"
PROTOCOLS = ("ocpp1.6", "ocpp2.0.1", "ocpp2.1")  # what the simulator speaks
DEFAULT_MIX = ("ocpp1.6", "ocpp2.0.1")
FIRMWARE = "ocppdeck-sim 0.1"
DEFAULT_HEARTBEAT_S = 300.0  # until a BootNotification.conf says otherwise
BOOT_RETRY_S = 30.0  # when BootNotification got no usable answer at all
RESPONSE_TIMEOUT_S = 15.0
MIN_TIMEOUT_S = 2.0
CLOSE_TIMEOUT_S = 2.0
CANCEL_RETRY_S = 0.1
# Fictional hardware, so generated fleets never look like claims about real products.
MODELS = (
    ("Voltaris", "VX-22"),
    ("Chargewell", "Duo AC"),
    ("Northgrid", "NG-Tri"),
    ("Ampere Works", "AW-7"),
)


async def _cancel_all(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Cancel `tasks` and wait until every one of them has finished.

    Cancels again whatever is still running after a moment: on Python 3.11 the
    `asyncio.wait_for` inside `ChargePoint.call` swallows a cancellation that races with a reply.
    """
    tasks = list(tasks)
    pending = set(tasks)
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=CANCEL_RETRY_S)
    await asyncio.gather(*tasks, return_exceptions=True)  # collects their exceptions


@dataclass(frozen=True, slots=True)
class StationSpec:
    """The identity and shape of one simulated station."""

    station_id: str
    connectors: int
    vendor: str
    model: str
    protocol: str = SUPPORTED_PROTOCOL

    def __post_init__(self) -> None:
        if self.connectors < 1:
            raise ValueError(f"{self.station_id}: a station needs at least one connector")


def fleet_specs(
    count: int = 5, seed: int = 7, protocols: Sequence[str] = DEFAULT_MIX
) -> list[StationSpec]:
    """Deterministic fleet: ids SIM-001.., 1 to 3 connectors each from random.Random(seed).

    Stations take `protocols` in turn, so any fleet of at least that many has every version.
    """
    if not protocols or set(protocols) - set(PROTOCOLS):
        raise ValueError(f"protocols must be some of {', '.join(PROTOCOLS)}: {protocols!r}")
    rng = random.Random(seed)
    specs = []
    for number in range(1, count + 1):
        vendor, model = rng.choice(MODELS)
        protocol = protocols[(number - 1) % len(protocols)]
        specs.append(StationSpec(f"SIM-{number:03d}", rng.randint(1, 3), vendor, model, protocol))
    return specs


@dataclass(frozen=True, slots=True)
class SimSettings:
    """How the simulated fleet behaves; all durations are simulated seconds."""

    meter_interval: float = 5.0
    heartbeat_interval: float | None = None  # None: the interval from BootNotification.conf
    session_mean: float = 40.0
    idle_mean: float = 15.0
    id_tags: tuple[str, ...] = ("TAG-0001", "TAG-0002", "TAG-0003")
    fault_probability: float = 0.02  # chance per session of a short Faulted episode
    speed: float = 1.0  # time compression: every sleep is divided by it
    reconnect_min: float = 1.0
    reconnect_max: float = 30.0


class SimStation:
    """One simulated OCPP 1.6 charging station; `run` keeps it connected until cancelled.

    Read-only state for observers: `connected`, `booted`, `connector_status`, `transactions`
    and `meter_wh`. Subclasses for other versions override the `_new_*` factories and the
    station-level messages (`_boot_request`, `_heartbeat`, `_report_station`, `_trigger`).
    """

    protocols: tuple[str, ...] = (SUPPORTED_PROTOCOL,)

    def __init__(
        self,
        spec: StationSpec,
        url: str,
        settings: SimSettings,
        rng: random.Random,
        clock: Clock,
    ) -> None:
        if spec.protocol not in self.protocols:
            raise ValueError(f"{spec.station_id}: {type(self).__name__} speaks {self.protocols}")
        self.spec = spec
        self.url = url
        self.settings = settings
        self.response_timeout = max(MIN_TIMEOUT_S, RESPONSE_TIMEOUT_S / settings.speed)
        self.connected = False
        self.booted = False
        self.station_status = str(ChargePointStatus.available)
        link = self._new_link(rng)
        self.connectors = {
            n: ConnectorSim(spec.station_id, n, link, settings, random.Random(rng.getrandbits(64)))
            for n in range(1, spec.connectors + 1)
        }
        self._rng = rng
        self._clock = clock
        self._heartbeat_s = settings.heartbeat_interval or DEFAULT_HEARTBEAT_S
        self._meter_s = settings.meter_interval
        self._failures = 0  # connection attempts since the last successful boot
        self._ws: ClientConnection | None = None
        self._cp: AnyChargePoint | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._connector_tasks: list[asyncio.Task[None]] = []

    @property
    def connector_status(self) -> dict[int, str]:
        """Status per connector; 0 is the station itself."""
        return {0: self.station_status} | {n: c.status for n, c in self.connectors.items()}

    @property
    def transactions(self) -> dict[int, int | str]:
        """Open transaction id per connector."""
        return {
            n: c.transaction_id for n, c in self.connectors.items() if c.transaction_id is not None
        }

    @property
    def meter_wh(self) -> dict[int, float]:
        """Energy register per connector, in Wh."""
        return {n: c.meter_wh for n, c in self.connectors.items()}

    @property
    def meter_interval(self) -> float:
        """Seconds between MeterValues while charging (MeterValueSampleInterval)."""
        return self._meter_s

    def timestamp(self) -> str:
        """Now, from the injected clock, as an OCPP timestamp."""
        return to_iso(self._clock.now())

    async def send(self, payload: Any) -> Any | None:
        """CALL the CSMS; None when offline, on a CallError or a timeout (logged, not raised)."""
        cp = self._cp
        if cp is None:
            return None
        try:
            return await cp.call(payload)
        except Exception as exc:  # whatever the CSMS does, the station keeps simulating
            log.warning("%s: %s failed: %r", self.spec.station_id, type(payload).__name__, exc)
            return None

    async def run(self) -> None:
        """Connect to f"{url}/{station_id}" and simulate until cancelled.

        Whenever the connection drops or is refused it reconnects after an exponential backoff
        (reconnect_min doubling up to reconnect_max, jittered by the rng), reset by each boot.
        """
        target = f"{self.url.rstrip('/')}/{self.spec.station_id}"
        while True:
            try:
                async with connect(
                    target,
                    subprotocols=[Subprotocol(self.spec.protocol)],
                    open_timeout=self.response_timeout,
                    close_timeout=CLOSE_TIMEOUT_S,
                ) as ws:
                    try:
                        await self._session(ws)
                    except asyncio.CancelledError:
                        # Stopped on purpose: say "going away", not "internal error" (1011).
                        await ws.close(1001, "simulator stopped")
                        raise
            except (OSError, TimeoutError, WebSocketException) as exc:
                log.info("%s: link down: %r", self.spec.station_id, exc)
            except Exception:
                log.exception("%s: connection failed unexpectedly", self.spec.station_id)
            await pause(self._backoff(), self.settings.speed)

    def _backoff(self) -> float:
        s = self.settings
        ceiling = min(s.reconnect_max, s.reconnect_min * 2 ** min(self._failures, 16))
        self._failures += 1
        return self._rng.uniform(s.reconnect_min, ceiling)

    async def _session(self, ws: ClientConnection) -> None:
        """Serve one connection until it closes; nothing started for it outlives it."""
        self._ws = ws
        self._cp = self._new_point(ws)
        self.connected = True
        receiver = asyncio.create_task(self._cp.start(), name=self._task_name("receive"))
        self._spawn(self._online(), "online")
        try:
            await receiver
        finally:
            await _cancel_all([receiver, *self._tasks])
            self._connector_tasks.clear()
            self._ws = self._cp = None
            self.connected = self.booted = False

    def _new_link(self, rng: random.Random) -> StationLink:
        """The messages the connectors send."""
        return V16Link(self)

    def _new_point(self, ws: ClientConnection) -> AnyChargePoint:
        """The OCPP side of one connection."""
        return V16Point(self, ws)

    def _task_name(self, what: str) -> str:
        return f"sim:{self.spec.station_id}:{what}"

    def _spawn(self, coro: Coroutine[Any, Any, None], what: str) -> asyncio.Task[None]:
        task = asyncio.create_task(coro, name=self._task_name(what))
        self._tasks.add(task)
        task.add_done_callback(self._forget)
        return task

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("%s failed", task.get_name(), exc_info=exc)

    async def _online(self) -> None:
        """Boot (retrying while Pending/Rejected), report status, start connectors, heartbeat."""
        while True:
            conf = await self.send(self._boot_request())
            if conf is not None and conf.status == RegistrationStatus.accepted:
                break
            retry = conf.interval if conf is not None and conf.interval > 0 else BOOT_RETRY_S
            await pause(retry, self.settings.speed)
        self._adopt_interval(conf.interval)
        self.booted = True
        self._failures = 0
        await self._report_station()
        self._connector_tasks = [
            self._spawn(c.run(), f"connector{n}") for n, c in self.connectors.items()
        ]
        while True:
            await pause(self._heartbeat_s, self.settings.speed)
            await self.send(self._heartbeat())

    def _heartbeat(self) -> Any:
        return call.Heartbeat()

    def _boot_request(self) -> Any:
        return call.BootNotification(
            charge_point_model=self.spec.model,
            charge_point_vendor=self.spec.vendor,
            charge_point_serial_number=f"SN-{self.spec.station_id}",
            firmware_version=FIRMWARE,
        )

    def _adopt_interval(self, interval: int) -> None:
        if self.settings.heartbeat_interval is None and interval > 0:
            self._heartbeat_s = float(interval)

    async def _report_station(self) -> None:
        await self.send(
            call.StatusNotification(
                connector_id=0,
                error_code=ChargePointErrorCode.no_error,
                status=self.station_status,
                timestamp=self.timestamp(),
            )
        )

    def targets(self, connector_id: int | None) -> list[ConnectorSim]:
        """The connectors a request addresses: all of them for None or 0."""
        if not connector_id:
            return list(self.connectors.values())
        connector = self.connectors.get(connector_id)
        return [connector] if connector is not None else []

    def configuration(self) -> dict[str, tuple[str, bool]]:
        """Configuration keys as key -> (value, readonly)."""
        return {
            "HeartbeatInterval": (f"{self._heartbeat_s:g}", False),
            "MeterValueSampleInterval": (f"{self._meter_s:g}", False),
            "NumberOfConnectors": (str(self.spec.connectors), True),
            "AuthorizeRemoteTxRequests": ("true", True),
            "MeterValuesSampledData": ("Energy.Active.Import.Register,Power.Active.Import", True),
        }

    def change_configuration(self, key: str, value: str) -> str:
        """Apply a ChangeConfiguration; returns its ConfigurationStatus."""
        known = self.configuration()
        if key not in known:
            return ConfigurationStatus.not_supported
        seconds = int(value) if value.isdigit() else 0
        if known[key][1] or seconds <= 0:
            return ConfigurationStatus.rejected
        if key == "HeartbeatInterval":
            self._heartbeat_s = float(seconds)
        else:
            self._meter_s = float(seconds)
        return ConfigurationStatus.accepted

    def set_availability(self, connector_id: int, operative: bool) -> None:
        """ChangeAvailability: connector 0 switches the station and every connector."""
        if connector_id == 0:
            self.station_status = str(
                ChargePointStatus.available if operative else ChargePointStatus.unavailable
            )
            self._spawn(self._report_station(), "status0")
        for connector in self.targets(connector_id):
            connector.set_operative(operative)

    def reset(self, reason: str) -> None:
        """Reset: settle open transactions, then drop the link so `run` reconnects and reboots."""
        self._spawn(self._reset(reason), "reset")

    async def _reset(self, reason: str) -> None:
        await _cancel_all(self._connector_tasks)
        for connector in self.connectors.values():
            await connector.finish(reason)
        self.booted = False
        if self._ws is not None:
            await self._ws.close()

    def trigger(self, message: str, connector_id: int | None) -> None:
        """TriggerMessage: send the requested message (after the answer has gone out)."""
        self._spawn(self._trigger(message, connector_id), f"trigger:{message}")

    async def _trigger(self, message: str, connector_id: int | None) -> None:
        if message == MessageTrigger.boot_notification:
            conf = await self.send(self._boot_request())
            if conf is not None and conf.status == RegistrationStatus.accepted:
                self._adopt_interval(conf.interval)
        elif message == MessageTrigger.heartbeat:
            await self.send(call.Heartbeat())
        elif message == MessageTrigger.status_notification:
            if connector_id in (None, 0):
                await self._report_station()
            if connector_id != 0:
                for connector in self.targets(connector_id):
                    await connector.report_status()
        else:
            for connector in self.targets(connector_id):
                await connector.send_meter_values(ReadingContext.trigger)


class Fleet:
    """A set of simulated stations run as one unit."""

    def __init__(
        self,
        specs: Sequence[StationSpec],
        url: str,
        settings: SimSettings | None = None,
        seed: int = 7,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings or SimSettings()
        shared_clock = clock or SystemClock()
        # Imported here: the 2.x station is built on SimStation, defined above.
        from .v2_station import SimStationV2

        # One generator per station, keyed by its id, so adding a station reshuffles no other.
        self.stations = [
            (SimStation if spec.protocol == SUPPORTED_PROTOCOL else SimStationV2)(
                spec, url, self.settings, random.Random(f"{seed}:{spec.station_id}"), shared_clock
            )
            for spec in specs
        ]
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Spawn one task per station; each connects and reconnects on its own."""
        if self._tasks:
            raise RuntimeError("fleet already started")
        self._tasks = [
            asyncio.create_task(s.run(), name=f"sim:{s.spec.station_id}") for s in self.stations
        ]

    async def close(self) -> None:
        """Cancel every station and wait for it: no task or socket is left behind."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
