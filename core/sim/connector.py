"""One simulated connector: the charging-session state machine behind an outlet.

The machine speaks no OCPP version: its statuses, error codes, reading contexts and
stop reasons are its own (named as 1.6 names them, the most detailed). The station's
link (core/sim/links) turns its moments (status changed, authorize, start, meter,
stop) into its dialect's messages.
"""

from __future__ import annotations

import asyncio
import logging
import random
from enum import StrEnum
from typing import Protocol

from .ev_charging_needs import EvNeeds
from .reservations import Reservation
from .spec import SimSettings
from .tag_verdict import TagVerdict, same_group

log = logging.getLogger("ocppdeck.sim")

POWER_RANGE_W = (7_000.0, 22_000.0)
METER_START_RANGE_WH = (1_000.0, 50_000.0)  # meters arrive with a lifetime total on them
PLUG_IN_SECONDS = (1.0, 4.0)  # between the car plugging in and the driver presenting a tag
SUSPEND_PROBABILITY = 0.3
FAULT_SECONDS = (5.0, 20.0)
RESERVED_SHOWS_UP = 0.5  # chance that a car turning up at a reserved bay is the one it is kept for


class Status(StrEnum):
    """Where a connector is in a charging session."""

    AVAILABLE = "Available"
    PREPARING = "Preparing"
    CHARGING = "Charging"
    SUSPENDED_EV = "SuspendedEV"
    SUSPENDED_EVSE = "SuspendedEVSE"
    FINISHING = "Finishing"
    RESERVED = "Reserved"
    FAULTED = "Faulted"
    UNAVAILABLE = "Unavailable"


class ErrorCode(StrEnum):
    """What went wrong, during a fault."""

    NO_ERROR = "NoError"
    GROUND_FAILURE = "GroundFailure"
    OVER_CURRENT = "OverCurrentFailure"
    HIGH_TEMPERATURE = "HighTemperature"
    EV_COMMUNICATION = "EVCommunicationError"


class Context(StrEnum):
    """Why a meter reading was taken."""

    PERIODIC = "Sample.Periodic"
    CLOCK = "Sample.Clock"  # clock-aligned: on the quarter hour, as ClockAlignedDataInterval says
    BEGIN = "Transaction.Begin"
    END = "Transaction.End"
    TRIGGER = "Trigger"


class StopReason(StrEnum):
    """Why a transaction ended."""

    LOCAL = "Local"
    EV_DISCONNECTED = "EVDisconnected"
    REMOTE = "Remote"
    DE_AUTHORIZED = "DeAuthorized"
    HARD_RESET = "HardReset"
    SOFT_RESET = "SoftReset"
    UNLOCK_COMMAND = "UnlockCommand"
    MASTER_PASS = "MasterPass"  # 2.x only: a tag of AuthCtrlr.MasterPassGroupId ended it
    OTHER = "Other"


FAULT_CODES = (
    ErrorCode.GROUND_FAILURE,
    ErrorCode.OVER_CURRENT,
    ErrorCode.HIGH_TEMPERATURE,
    ErrorCode.EV_COMMUNICATION,
)


async def pause(seconds: float, speed: float, wake: asyncio.Event | None = None) -> float:
    """Wait `seconds` of simulated time, i.e. `seconds / speed` of real time.

    Returns the simulated seconds that passed: all of them, or fewer when `wake` was set first.
    Every sleep of the simulator goes through here so that `speed` compresses all of them.
    """
    if seconds <= 0:
        return 0.0
    if wake is None:
        await asyncio.sleep(seconds / speed)
        return seconds
    if wake.is_set():
        return 0.0
    loop = asyncio.get_running_loop()
    began = loop.time()
    try:
        # asyncio.timeout rather than wait_for: on 3.11 wait_for can swallow a cancellation.
        async with asyncio.timeout(seconds / speed):
            await wake.wait()
    except TimeoutError:
        return seconds
    return min(seconds, (loop.time() - began) * speed)


class ConnectorLink(Protocol):
    """What a connector needs from its station: the messages of the station's OCPP version."""

    @property
    def meter_interval(self) -> float: ...

    async def report_status(self, connector: ConnectorSim, changed: bool) -> None:
        """Tell the CSMS the connector's status; `changed`: it was just entered, not asked for."""

    async def authorize(self, id_tag: str) -> TagVerdict | None:
        """What the CSMS says of `id_tag` (status and group); None when it does not answer."""

    async def start_transaction(
        self, connector: ConnectorSim, id_tag: str, remote_start_id: int | None
    ) -> tuple[int | str, bool] | None:
        """Open a transaction: (its id, whether the CSMS accepted it), None when unanswered."""

    async def meter_values(self, connector: ConnectorSim, context: str) -> None:
        """Report the connector's energy register and power."""

    async def stop_transaction(self, connector: ConnectorSim, reason: str) -> None:
        """Close the connector's open transaction with `reason` (a StopReason)."""


class ConnectorRules(Protocol):
    """What a connector asks of its station: who may charge, and how fast."""

    master_pass_group: str | None  # 2.x AuthCtrlr.MasterPassGroupId: its tags never start

    def local_authorization(self, id_tag: str) -> TagVerdict | None:
        """The station's own verdict on `id_tag` (its local list); None: ask the CSMS."""

    def allowed_w(self, connector: ConnectorSim) -> float:
        """The most the connector may draw now (its charging limits), in W."""


class ConnectorSim:
    """The state machine of one connector; `run` lives as long as one connection of its station.

    Meter, open transaction and availability survive reconnects; a transaction left open by a
    dropped link is settled with reason Other when the next connection starts.
    """

    def __init__(
        self,
        station_id: str,
        connector_id: int,
        link: ConnectorLink,
        rules: ConnectorRules,
        settings: SimSettings,
        rng: random.Random,
    ) -> None:
        self.connector_id = connector_id
        self.label = f"{station_id}/{connector_id}"  # for logs
        self.status = str(Status.AVAILABLE)
        self.error_code = str(ErrorCode.NO_ERROR)
        self.transaction_id: int | str | None = None  # 1.6: the CSMS's int; 2.x: ours, a str
        self.id_tag: str | None = None  # of the open transaction
        self.group: str | None = None  # the group of the tag that started it, if it has one
        self.stopped_by: str | None = None  # the tag presented to end it, when one was
        self.remote_start_id: int | None = None  # 2.x: of the RequestStartTransaction served
        self.plan: tuple[float, float] | None = None  # a session's seconds: charging, staying
        self.ev: EvNeeds | None = None  # 2.x: the needs an ISO 15118 EV told, if one charges
        self.meter_wh = round(rng.uniform(*METER_START_RANGE_WH), 1)
        self.rated_power_w = round(rng.uniform(*POWER_RANGE_W), -2)
        self.power_w = 0.0
        self.operative = True
        self.reservation: Reservation | None = None  # held for one id tag until it expires
        self._link = link
        self._rules = rules
        self._settings = settings
        self._rng = rng
        self._remote_tag: str | None = None
        self._remote_start_id: int | None = None
        # A tag presented to start, with what was already known of it (no second Authorize).
        self._presented: tuple[str, TagVerdict] | None = None
        self._stop_reason: str | None = None
        self._listening = False
        # Set once the CSMS has our answer to a request that needs action (remote start/stop,
        # availability), so the follow-up messages never overtake that answer.
        self._wake = asyncio.Event()

    # --- requests from the CSMS side ---------------------------------------------------------

    def accepts_remote_start(self, id_tag: str | None = None) -> bool:
        """True while idle (Available, or Preparing before a tag was presented) and operative,
        and, when reserved, for the reservation's id tag only."""
        kept_for = None if self.reservation is None else self.reservation.id_tag
        free = self._listening and self._remote_tag is None and self.operative
        return free and kept_for in (None, id_tag)

    def hold(self, reservation: Reservation | None) -> None:
        """Keep the connector for a reservation (None: no longer); it reports the change
        when next woken (after the answer that caused it is on the wire)."""
        self.reservation = reservation

    def reserve_remote_start(self, id_tag: str, remote_start_id: int | None = None) -> None:
        """Hold the connector for a remote start; it begins on the next `wake`."""
        self._remote_tag, self._remote_start_id = id_tag, remote_start_id

    def present(self, id_tag: str, verdict: TagVerdict) -> bool:
        """A driver presented `id_tag` (already authorized: `verdict`) at the idle connector:
        start a session for it as for a remote start; False when the connector cannot."""
        if not self.accepts_remote_start(id_tag):
            return False
        self.reserve_remote_start(id_tag)
        self._presented = (id_tag, verdict)
        self.wake()
        return True

    def end_for(self, id_tag: str, reason: str) -> None:
        """End the open transaction for a tag presented at the reader (its own, one of its
        group, a master pass), named in the stop message. Offline, it ends when the station
        is back, with this reason."""
        if self.transaction_id is not None:
            self.stopped_by, self._stop_reason = id_tag, reason
            self._wake.set()

    def request_stop(self, reason: str, transaction_id: int | str) -> None:
        """End the session with `reason` if `transaction_id` is still the open one."""
        if self.transaction_id == transaction_id:
            self._stop_reason = reason
            self._wake.set()

    def set_operative(self, operative: bool) -> None:
        """Change availability; a charging connector applies it when its session ends."""
        self.operative = operative
        self._wake.set()

    def wake(self) -> None:
        """Let the state machine act on what the CSMS was just told."""
        self._wake.set()

    # --- the state machine -------------------------------------------------------------------

    async def run(self) -> None:
        """Report status, then alternate idle periods and charging sessions until cancelled."""
        self._remote_tag = self._presented = None
        self._wake.clear()
        if self.transaction_id is not None:  # a tag may have ended it while offline
            await self.finish(self._stop_reason or StopReason.OTHER)
        await self.notify(self._idle_status())
        while True:
            tag = await self._next_driver()
            if tag is not None:
                await self._serve(tag)
            if self.status != self._idle_status():
                await self.notify(self._idle_status())

    def _idle_status(self) -> str:
        if not self.operative:
            return Status.UNAVAILABLE
        return Status.AVAILABLE if self.reservation is None else Status.RESERVED

    async def _next_driver(self) -> str | None:
        """Idle until a driver turns up; their id tag, or None when woken for another reason."""
        s = self._settings
        self._listening = True
        try:
            while self.operative:
                await pause(self._rng.expovariate(1.0 / s.idle_mean), s.speed, self._wake)
                if self._wake.is_set() or self._remote_tag is not None:
                    break
                kept = self.reservation
                if kept is not None and self._rng.random() >= RESERVED_SHOWS_UP:
                    continue  # not the driver the bay is kept for: they drive on
                # A car plugs in; its driver may still start from an app instead of a card.
                await self.notify(Status.PREPARING)
                await pause(self._rng.uniform(*PLUG_IN_SECONDS), s.speed, self._wake)
                if self._remote_tag is None and self.operative:
                    return self._rng.choice(s.id_tags) if kept is None else kept.id_tag
                break
            # Inoperative, or a remote start is reserved: wait until the CSMS has our answer.
            await self._wake.wait()
        finally:
            self._listening = False
        self._wake.clear()
        tag, self._remote_tag = self._remote_tag, None
        self.remote_start_id, self._remote_start_id = self._remote_start_id, None
        return tag

    async def _serve(self, id_tag: str) -> None:
        """Authorize, start, charge and stop one session for `id_tag`."""
        if self.status != Status.PREPARING:
            await self.notify(Status.PREPARING)
        presented, self._presented = self._presented, None
        verdict = presented[1] if presented is not None and presented[0] == id_tag else None
        if verdict is None:
            verdict = self._rules.local_authorization(id_tag) or await self._link.authorize(id_tag)
        if verdict is None or not verdict.accepted:
            log.info("%s: %s not authorized", self.label, id_tag)
            return
        if same_group(verdict, self._rules.master_pass_group):
            log.info("%s: %s is a master pass: it starts no transaction", self.label, id_tag)
            return
        started = await self._link.start_transaction(self, id_tag, self.remote_start_id)
        if started is None:
            return
        (self.transaction_id, accepted), self.id_tag = started, id_tag
        self.group = verdict.group
        if self.reservation is not None and self.reservation.id_tag == id_tag:
            self.reservation = None  # used: the start message named it
        reason = await self._charge() if accepted else StopReason.DE_AUTHORIZED
        await self.finish(reason)
        if self._rng.random() < self._settings.fault_probability:
            await self._fault()

    async def _charge(self) -> str:
        """Deliver energy with periodic MeterValues; returns why the session ended."""
        s, rng = self._settings, self._rng
        duration = rng.expovariate(1.0 / s.session_mean)
        phases = [(Status.CHARGING, duration)]
        if rng.random() < SUSPEND_PROBABILITY:
            # The car stops drawing power for a while (battery management), then resumes.
            split = duration * rng.uniform(0.2, 0.8)
            phases = [
                (Status.CHARGING, split),
                (Status.SUSPENDED_EV, rng.expovariate(4.0 / s.session_mean)),
                (Status.CHARGING, duration - split),
            ]
        self.plan = (duration, sum(span for _, span in phases))
        for status, span in phases:
            await self.notify(status)
            left = span
            while left > 0:
                # Limits may change at any moment: each interval draws what they allow now.
                charging = status == Status.CHARGING
                self.power_w = (
                    min(self.rated_power_w, self._rules.allowed_w(self)) if charging else 0.0
                )
                slept = await pause(min(self._link.meter_interval, left), s.speed, self._wake)
                self.meter_wh += self.power_w * slept / 3600.0
                left -= slept
                if not self._wake.is_set():
                    await self.send_meter_values(Context.PERIODIC)
                    continue
                self._wake.clear()
                if self._stop_reason is not None:
                    return self._stop_reason
        return rng.choice((StopReason.LOCAL, StopReason.EV_DISCONNECTED))

    async def finish(self, reason: str) -> None:
        """Close the open transaction, if any: Finishing, then the stop message."""
        if self.transaction_id is None:
            return
        self.power_w = 0.0
        await self.notify(Status.FINISHING)
        await self._link.stop_transaction(self, reason)
        self.transaction_id = self.id_tag = self._stop_reason = self.remote_start_id = None
        self.group = self.stopped_by = None

    async def _fault(self) -> None:
        """A short Faulted episode with a random error code."""
        await self.notify(Status.FAULTED, self._rng.choice(FAULT_CODES))
        await pause(self._rng.uniform(*FAULT_SECONDS), self._settings.speed)

    # --- messages ----------------------------------------------------------------------------

    async def notify(self, status: str, error_code: str = ErrorCode.NO_ERROR) -> None:
        """Enter `status` and report it."""
        self.status, self.error_code = str(status), str(error_code)  # plain str, not the enum
        await self._link.report_status(self, changed=True)

    async def report_status(self) -> None:
        """Report the current status again (TriggerMessage)."""
        await self._link.report_status(self, changed=False)

    async def send_meter_values(self, context: str) -> None:
        """Report the current energy register and power."""
        await self._link.meter_values(self, context)
