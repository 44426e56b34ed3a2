"""A simulated charging station: one model for every OCPP version, speaking over real websockets.

`SimStation` boots, heartbeats, runs one `ConnectorSim` state machine per connector,
keeps its configuration and availability, and reconnects with backoff. What it says
and how it answers the CSMS is its dialect's link (core/sim/links), found through the
dialect registry. Timestamps come from an injected `Clock` and all randomness from a
seeded `random.Random`, so runs are reproducible; `SimSettings.speed` compresses time.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import random
from collections.abc import Coroutine, Iterable
from dataclasses import replace
from typing import Any

from ocpp.exceptions import OCPPError
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException
from websockets.typing import Subprotocol

from ..clock import Clock, to_iso
from ..dialects import dialect
from ..wire.closed_links import ReleasedOnClose
from ..wire.transaction_messages import transaction_related
from .charging_limit import ChargingLimits, Profile, Purpose, acceptable
from .connector import ConnectorSim, Context, Status, StopReason, pause
from .costs import CostBoard
from .display import DisplayBoard
from .external_limit import LimitReporter, external_limits
from .host import StationLink
from .local_list import LocalList
from .monitors import StationMonitors
from .network_profiles import NetworkProfiles
from .quirks import METER_ACTIONS, SkewedClock
from .reservations import MAX_RESERVATIONS, Reservation, ReservationEnd, ReserveStatus, refusal
from .spec import SimSettings, StationSpec
from .station_security import StationSecurity
from .tag_verdict import TagVerdict

log = logging.getLogger("ocppdeck.sim")

DEFAULT_HEARTBEAT_S = 300.0  # until the boot's answer says otherwise
BOOT_RETRY_S = 30.0  # when a boot got no usable answer at all
RESPONSE_TIMEOUT_S = 15.0
# A transaction-related message the CSMS answers with a CallError goes again, after the
# interval times the attempts so far (1.6 TransactionMessageAttempts / RetryInterval,
# 2.x MessageAttemptsTransactionEvent / MessageAttemptIntervalTransactionEvent).
TX_MESSAGE_ATTEMPTS = 3
TX_MESSAGE_RETRY_S = 10.0
MIN_TIMEOUT_S = 2.0
CLOSE_TIMEOUT_S = 2.0
CANCEL_RETRY_S = 0.1
# OCPP passwords (1.6 AuthorizationKey, 2.x BasicAuthPassword): 16 to 40 printable ASCII.
PASSWORD_LENGTHS = range(16, 41)
SECURITY_PROFILE_KEY = "SecurityProfile"
# Not OCPP 1.6's: the key many 1.6 firmwares take for the CSMS URL (network_profiles.py).
CENTRAL_SYSTEM_URL_KEY = "CentralSystemURI"
# Configuration: key -> read-only. The intervals can be changed; the rest is fixed.
_READONLY_KEYS = ("NumberOfConnectors", "AuthorizeRemoteTxRequests", "MeterValuesSampledData")


class _Link(ReleasedOnClose, ClientConnection):
    """A station's link, its reference cycles broken once its socket is gone
    (wire/closed_links): a fleet that reconnects does not pile closed links up."""


def basic_auth(user: str, password: str) -> str:
    """An HTTP Basic Authorization header value (RFC 7617, UTF-8)."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


async def cancel_all(tasks: Iterable[asyncio.Task[Any]]) -> None:
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


class SimStation:
    """One simulated station; `run` keeps it connected until cancelled.

    Read-only state for observers: `connected`, `booted` (the CSMS accepted its boot on
    this connection), `transactions` and `meter_wh`. What the CSMS set and the station keeps
    across connections: reservations (on its connectors), `local_list` and `limits`.
    """

    def __init__(
        self,
        spec: StationSpec,
        url: str,
        settings: SimSettings,
        rng: random.Random,
        clock: Clock,
        answers: type | None = None,
    ) -> None:
        spoken = dialect(spec.protocol)
        self.spec = spec
        self.network = NetworkProfiles(url)  # where it connects; a CSMS may move it
        self.settings = settings
        self.password = settings.password_of(spec.station_id)  # a CSMS may change it
        self.security = StationSecurity(spec.station_id)  # a CSMS may sign it a certificate
        self.response_timeout = max(MIN_TIMEOUT_S, RESPONSE_TIMEOUT_S / settings.speed)
        self.connected = False
        self.booted = False
        self.operative = True
        link_class: type[StationLink] = spoken.link.value
        self.link: StationLink = link_class(self, spoken.calls, random.Random(rng.getrandbits(64)))
        # A scripted station (core/scenario) answers with a subclass of its link's answers.
        self._point_class = spoken.with_answers(answers or link_class.answers)
        self.connectors = {
            n: ConnectorSim(
                spec.station_id, n, self.link, self, settings, random.Random(rng.getrandbits(64))
            )
            for n in range(1, spec.connectors + 1)
        }
        self.local_list = LocalList()
        self.master_pass_group: str | None = None  # 2.x AuthCtrlr.MasterPassGroupId
        self.costs = CostBoard()  # what the CSMS told its 2.x transactions cost
        self.monitors = StationMonitors()  # 2.x: what the CSMS asked it to watch
        self.display = DisplayBoard()  # 2.x: the messages the CSMS set
        self.limits = ChargingLimits()
        self._rng = rng
        skew = spec.quirks.clock_skew
        self._clock = SkewedClock(clock, skew) if skew else clock
        self._heartbeat_s = settings.heartbeat_interval or DEFAULT_HEARTBEAT_S
        self._meter_s = settings.meter_interval
        self._failures = 0  # connection attempts since the last successful boot
        self._ws: ClientConnection | None = None
        self._cp: Any = None  # the dialect's answers on the library's ChargePoint
        self._tasks: set[asyncio.Task[None]] = set()
        self._connector_tasks: list[asyncio.Task[None]] = []
        self._timers: set[asyncio.Task[None]] = set()  # reservations' and limits': outlive links
        self._boot_asked = asyncio.Event()  # a TriggerMessage(BootNotification) while pending

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
        """Seconds between meter values while charging (MeterValueSampleInterval)."""
        return self._meter_s

    def timestamp(self) -> str:
        """Now, from the injected clock, as an OCPP timestamp."""
        return to_iso(self.now())

    def now(self) -> float:
        """Now, from the injected clock, in seconds since the epoch."""
        return self._clock.now()

    async def send(self, payload: Any) -> Any | None:
        """CALL the CSMS; None when offline, on a CallError or a timeout (logged, not raised)."""
        cp = self._cp
        if cp is None:
            return None
        quirks = self.spec.quirks
        payload = quirks.reshape(payload)
        answer = await self._call(cp, payload)
        if quirks.duplicated_messages and type(payload).__name__ in METER_ACTIONS:
            await self._call(cp, payload)  # the firmware's habit: the CSMS must cope
        return answer

    async def _call(self, cp: Any, payload: Any) -> Any | None:
        action = type(payload).__name__
        attempts = TX_MESSAGE_ATTEMPTS if transaction_related(action, payload) else 1
        for attempt in range(1, attempts + 1):
            try:
                return await cp.call(payload, suppress=False)
            except OCPPError as exc:  # a CallError: a transaction-related one is sent again
                log.warning("%s: %s refused: %s", self.spec.station_id, action, repr(exc))
                if attempt < attempts:
                    await pause(TX_MESSAGE_RETRY_S * attempt, self.settings.speed)
            except Exception as exc:  # whatever the CSMS does, the station keeps simulating
                log.warning("%s: %s failed: %s", self.spec.station_id, action, repr(exc))
                return None
        return None

    async def run(self) -> None:
        """Connect to f"{url}/{station_id}" and simulate until cancelled.

        Whenever the connection drops or is refused it reconnects after an exponential backoff
        (reconnect_min doubling up to reconnect_max, jittered by the rng), reset by each boot.
        """
        try:
            await self._connect_forever()
        finally:
            await cancel_all(self._timers)

    @property
    def url(self) -> str:
        """The CSMS URL it connects to now, without its id."""
        return self.network.url

    async def _connect_forever(self) -> None:
        while True:
            # Asked each time: a CSMS may have moved it (a security profile upgrade).
            target = f"{self.network.connecting().rstrip('/')}/{self.spec.station_id}"
            secure = target.startswith("wss:")
            # Asked each time: a certificate the CSMS signed is presented from then on.
            tls = self.security.tls(self.settings.tls) if secure else None
            password = self.password
            headers = (
                {"Authorization": basic_auth(self.spec.station_id, password)} if password else {}
            )
            try:
                async with connect(
                    target,
                    create_connection=_Link,
                    subprotocols=[Subprotocol(self.spec.protocol)],
                    additional_headers=headers,
                    ssl=tls,
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
                # Errors are logged as text here and in `_call`: a log record kept by a
                # handler would keep the traceback, and with it the closed link.
                log.info("%s: link down: %s", self.spec.station_id, repr(exc))
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
        self._cp = self._point_class(self, ws)
        self.connected = True
        receiver = asyncio.create_task(self._cp.start(), name=self._task_name("receive"))
        self.spawn(self._online(), "online")
        try:
            await receiver
        finally:
            await cancel_all([receiver, *self._tasks])
            self._connector_tasks.clear()
            # The library's handlers are bound methods of the point, held by the point:
            # broken, the link is freed at once (websockets' own cycles: `_Link`).
            self._cp.route_map.clear()
            self._ws = self._cp = None
            self.connected = self.booted = False
            # The receiver holds the error the link ended with, whose traceback holds
            # this frame, which holds the receiver: without this, one more cycle.
            del receiver

    def _task_name(self, what: str) -> str:
        return f"sim:{self.spec.station_id}:{what}"

    def spawn(self, coro: Coroutine[Any, Any, None], what: str) -> asyncio.Task[None]:
        """Run `coro` as long as this connection lives (cancelled when it ends)."""
        task = asyncio.create_task(coro, name=self._task_name(what))
        self._tasks.add(task)
        task.add_done_callback(self._forget)
        return task

    def _keep(self, coro: Coroutine[Any, Any, None], what: str) -> None:
        """Run `coro` for as long as the station runs, connected or not (a timer)."""
        task = asyncio.create_task(coro, name=self._task_name(what))
        self._timers.add(task)
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._timers.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("%s failed", task.get_name(), exc_info=exc)

    async def _online(self) -> None:
        """Boot (retrying until accepted), report status, start connectors, heartbeat."""
        while True:
            answer = await self.link.boot("PowerUp")
            if answer is not None and answer.accepted:
                break
            retry = answer.interval if answer is not None and answer.interval > 0 else BOOT_RETRY_S
            self._boot_asked.clear()
            await pause(retry, self.settings.speed, self._boot_asked)  # or when asked to boot
        self._adopt_interval(answer.interval)
        self.booted = True
        self._failures = 0
        event = self.security.boot_event() if self.settings.security_events else None
        if event is not None:
            await self.link.security_event(event)
        await self.link.report_station()
        self._connector_tasks = [
            self.spawn(connector.run(), f"connector{n}") for n, connector in self.connectors.items()
        ]
        if self.settings.external_limit_every > 0 and isinstance(self.link, LimitReporter):
            rng = random.Random(self._rng.getrandbits(64))  # an EMS's, drawn only where one is
            self.spawn(external_limits(self, self.link, rng), "external limits")
        while True:
            await pause(self._heartbeat_s, self.settings.speed)
            await self.link.heartbeat()

    def _adopt_interval(self, interval: int) -> None:
        if self.settings.heartbeat_interval is None and interval > 0:
            self._heartbeat_s = float(interval)

    # --- what the CSMS may ask (through the link's answers) ------------------------------
    def targets(self, evse: int | None) -> list[ConnectorSim]:
        """The connectors a request addresses: all of them for None or 0."""
        if not evse:
            return list(self.connectors.values())
        connector = self.connectors.get(evse)
        return [connector] if connector is not None else []

    def configuration(self) -> dict[str, tuple[str, bool]]:
        """Configuration keys as key -> (value, readonly)."""
        values = {
            "HeartbeatInterval": f"{self._heartbeat_s:g}",
            "MeterValueSampleInterval": f"{self._meter_s:g}",
            "NumberOfConnectors": str(self.spec.connectors),
            "AuthorizeRemoteTxRequests": "true",
            "MeterValuesSampledData": "Energy.Active.Import.Register,Power.Active.Import",
            CENTRAL_SYSTEM_URL_KEY: self.network.url,
        }
        return {key: (value, key in _READONLY_KEYS) for key, value in values.items()}

    def change_configuration(self, key: str, value: str) -> str:
        """Apply a change: Accepted, Rejected (read-only, or not a whole number of seconds)
        or NotSupported (no such key)."""
        if key == SECURITY_PROFILE_KEY:  # the 1.6 whitepaper's; read at the next connection
            return "Accepted" if self.security.set_profile(value) else "Rejected"
        if key == CENTRAL_SYSTEM_URL_KEY:
            return "Accepted" if self.network.move_to(value) else "Rejected"
        known = self.configuration()
        if key not in known:
            return "NotSupported"
        seconds = int(value) if value.isdigit() else 0
        if known[key][1] or seconds <= 0:
            return "Rejected"
        if key == "HeartbeatInterval":
            self._heartbeat_s = float(seconds)
        else:
            self._meter_s = float(seconds)
        return "Accepted"

    def change_password(self, password: str) -> bool:
        """Take a new HTTP Basic password if OCPP allows it (16 to 40 printable ASCII)."""
        if len(password) not in PASSWORD_LENGTHS or not (
            password.isascii() and password.isprintable()
        ):
            return False
        self.password = password
        return True

    def relogin(self) -> None:
        """Reconnect with the current password (after the answer has gone out), as real
        firmware does once its password changed: the new one is proven at once."""
        if self._ws is not None:
            self.spawn(self._ws.close(1012, "new password"), "relogin")

    def drop_connection(self) -> None:
        """Lose the link abruptly, as a network fault does: no closing handshake, and the
        CSMS learns of it only from the broken socket. `run` reconnects after its backoff."""
        if self._ws is not None:
            self._ws.transport.abort()

    def set_availability(self, evse: int, operative: bool) -> None:
        """EVSE 0 switches the station and every connector."""
        if evse == 0:
            self.operative = operative
            self.spawn(self.link.report_station(), "status0")
        for connector in self.targets(evse):
            connector.set_operative(operative)
            if not operative and connector.reservation is not None:
                self._end_reservation(connector, ReservationEnd.REMOVED)

    def reset(self, hard: bool) -> None:
        """Settle open transactions, then drop the link so `run` reconnects and boots again."""
        self.spawn(self._reset(StopReason.HARD_RESET if hard else StopReason.SOFT_RESET), "reset")

    async def _reset(self, reason: str) -> None:
        self.security.rebooted = True
        await cancel_all(self._connector_tasks)
        self._connector_tasks.clear()
        for connector in self.connectors.values():
            await connector.finish(reason)
        self.booted = False
        if self._ws is not None:
            await self._ws.close()

    def trigger(self, message: str, evse: int | None) -> None:
        """Send the requested message (after the answer has gone out)."""
        self.spawn(self._trigger(message, evse), f"trigger:{message}")

    async def _trigger(self, message: str, evse: int | None) -> None:
        if message == "BootNotification" and not self.booted:
            self._boot_asked.set()  # not accepted yet: boot now instead of at the next retry
        elif message == "BootNotification":
            answer = await self.link.boot("Triggered")
            if answer is not None and answer.accepted:
                self._adopt_interval(answer.interval)
        elif message == "Heartbeat":
            await self.link.heartbeat()
        elif message == "StatusNotification":
            if not evse:
                await self.link.report_station()
            if evse != 0:
                for connector in self.targets(evse):
                    await connector.report_status()
        else:
            for connector in self.targets(evse):
                await connector.send_meter_values(Context.TRIGGER)

    # --- what the station keeps for the CSMS: reservations, local list, limits ------------
    def local_authorization(self, id_tag: str) -> TagVerdict | None:
        """The local list's verdict on a tag (status and group); None when it is not listed."""
        return self.local_list.verdict(id_tag)

    def allowed_w(self, connector: ConnectorSim) -> float:
        """What the charging limits allow a connector now; the station's maximum is shared
        by its charging connectors."""
        sharing = sum(c.status == Status.CHARGING for c in self.connectors.values())
        return self.limits.limit_w(connector.connector_id, connector.transaction_id, sharing)

    def reserve(self, reservation: Reservation) -> ReserveStatus:
        """Keep a connector (0: the first free one) for a tag until the reservation expires;
        it shows Reserved once `wake_connectors`. A reservation of a known id replaces it;
        a connector that cannot take it answers why.
        """
        held = self._reserved(reservation.reservation_id)
        held_count = sum(c.reservation is not None for c in self.connectors.values())
        addressed = self.targets(reservation.connector_id)
        wait = reservation.expires_at - self._clock.now()
        too_many = held is None and held_count >= MAX_RESERVATIONS
        if not addressed or too_many or wait <= 0:
            return ReserveStatus.REJECTED
        verdicts = [
            (c, refusal(c.status, c.operative, c.reservation is not None and c is not held))
            for c in addressed
        ]
        free = [c for c, why in verdicts if why is None]
        if not free:
            return verdicts[0][1] or ReserveStatus.REJECTED
        if held is not None:
            held.hold(None)
        connector = free[0]
        kept = Reservation(
            reservation.reservation_id,
            connector.connector_id,
            reservation.id_tag,
            reservation.expires_at,
        )
        connector.hold(kept)
        self._keep(self._expire(connector, kept, wait), f"reservation{kept.reservation_id}")
        return ReserveStatus.ACCEPTED

    def cancel_reservation(self, reservation_id: int) -> bool:
        """Withdraw a reservation (shown once `wake_connectors`); False when the station
        holds none of that id."""
        connector = self._reserved(reservation_id)
        if connector is None:
            return False
        connector.hold(None)
        return True

    def _reserved(self, reservation_id: int) -> ConnectorSim | None:
        return next(
            (
                c
                for c in self.connectors.values()
                if c.reservation is not None and c.reservation.reservation_id == reservation_id
            ),
            None,
        )

    async def _expire(self, connector: ConnectorSim, reservation: Reservation, wait: float) -> None:
        await pause(wait, self.settings.speed)
        if connector.reservation is reservation:  # not used, cancelled or replaced meanwhile
            self._end_reservation(connector, ReservationEnd.EXPIRED)

    def _end_reservation(self, connector: ConnectorSim, why: ReservationEnd) -> None:
        reservation = connector.reservation
        connector.hold(None)
        if reservation is not None:
            self._keep(self._tell_ended(connector, reservation, why), "reservation-end")

    async def _tell_ended(
        self, connector: ConnectorSim, reservation: Reservation, why: ReservationEnd
    ) -> None:
        """Why the reservation ended first, then the connector's new status."""
        await self.link.reservation_ended(reservation, why)
        connector.wake()

    def set_charging_profile(self, profile: Profile) -> bool:
        """Take a charging profile and follow its schedule; False when it is refused."""
        connector = self.connectors.get(profile.connector_id)
        transaction = None if connector is None else connector.transaction_id
        if not acceptable(profile, self.spec.connectors, transaction):
            return False
        if profile.purpose is Purpose.TX:
            profile = replace(profile, transaction_id=transaction)
        if not self.limits.add(profile):
            return False
        follow = self.limits.follow(profile, self._clock.now(), self.settings.speed, self._limited)
        self._keep(follow, f"profile{profile.profile_id}")
        return True

    def wake_connectors(self) -> None:
        """Let every connector show what it was just told (once the answer is on the wire)."""
        for connector in self.connectors.values():
            connector.wake()

    def _limited(self) -> None:
        """Limits changed: charging connectors draw what they allow from now."""
        for connector in self.connectors.values():
            if connector.transaction_id is not None:
                connector.wake()

    def clear_charging_profiles(
        self,
        profile_id: int | None = None,
        connector_id: int | None = None,
        purpose: Purpose | None = None,
        stack_level: int | None = None,
    ) -> bool:
        """Remove the profiles matching every criterion given; whether there were any."""
        cleared = self.limits.clear(profile_id, connector_id, purpose, stack_level)
        if cleared:
            self._limited()
        return cleared

    def composite_schedule(self, connector_id: int, duration: int) -> list[tuple[float, float]]:
        """(seconds from now, W) where what a connector (0: the station) may draw changes
        within `duration` seconds: limits and hardware both."""
        now = self._clock.now()
        shown = [c for n, c in self.connectors.items() if connector_id in (0, n)]
        sharing = sum(c.status == Status.CHARGING for c in self.connectors.values())
        limit = self.limits.limit_w
        steps: list[tuple[float, float]] = []
        for offset in self.limits.changes(now, duration):
            at = now + offset
            w = sum(
                min(c.rated_power_w, limit(c.connector_id, c.transaction_id, sharing, at))
                for c in shown
            )
            if not steps or steps[-1][1] != w:
                steps.append((offset, w))
        return steps
