"""What each kind of step does to its station. Each returns an Outcome: what went
wrong that the frames cannot show (None: nothing), and the answer it waited for
itself (a raw frame's)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson

from ..sim.connector import ConnectorSim, Context, Status, StopReason
from ..wire.frame import Frame
from .csms_calls import AnswerRule
from .operator import NO_HOOK, OperatorHook
from .pacing import Pace
from .plan import Step
from .station import ScenarioStation

REMOTE_STARTS = frozenset({"RemoteStartTransaction", "RequestStartTransaction"})
# In an operator command's payload or an expected command's fields: the id of the
# transaction open on the step's connector.
TRANSACTION_ID = "$transaction_id"


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a step went, beyond its frames."""

    failure: str | None = None
    answer: Frame | None = None  # the answer the step waited for itself
    note: str = ""  # what happened, for a passing step's line


@dataclass(frozen=True, slots=True)
class StepRun:
    """What a step runs with."""

    station: ScenarioStation
    step: Step
    pace: Pace
    timeout: float  # for any answer
    operator: OperatorHook | None = None  # the CSMS's operator, for `operator` steps

    @property
    def args(self) -> Any:
        """The step's checked fields."""
        return self.step.args

    @property
    def connector(self) -> ConnectorSim:
        """The connector the step is about (1 unless it says)."""
        return self.station.connectors[self.args.get("connector") or 1]

    async def wait(self, seconds: float) -> None:
        """Let `seconds` of the scenario's time pass."""
        await self.pace.until(self.pace.clock.now() + seconds)


Action = Callable[[StepRun], Awaitable[Outcome]]


async def _connect(ctx: StepRun) -> Outcome | None:
    """Connect if offline; the step's outcome when that settles it (a refusal, expected
    or not; a connection that was to be refused), else None."""
    station, refused = ctx.station, ctx.step.expect.refused
    connected = await station.connect()
    if refused is None:
        return None if connected else Outcome(f"cannot connect: {station.refusal}")
    if connected == refused:
        failure = "the CSMS let the station in" if refused else f"refused: {station.refusal}"
        return Outcome(failure)
    return Outcome(note=f"refused: {station.refusal}") if refused else None


async def _boot(ctx: StepRun) -> Outcome:
    station = ctx.station
    if (settled := await _connect(ctx)) is not None:
        return settled
    answer = await station.link.boot(ctx.args.get("reason") or "PowerUp")
    if answer is not None and answer.accepted:
        station.booted = True
        await station.link.report_station()
        for connector in station.connectors.values():
            await connector.report_status()
    return Outcome()


async def _heartbeat(ctx: StepRun) -> Outcome:
    await ctx.station.link.heartbeat()
    return Outcome()


async def _authorize(ctx: StepRun) -> Outcome:
    await ctx.station.link.authorize(ctx.args["tag"])
    return Outcome()


async def _plug_in(ctx: StepRun) -> Outcome:
    await ctx.connector.notify(Status.PREPARING)
    return Outcome()


async def _start(ctx: StepRun) -> Outcome:
    connector, tag, remote_id = ctx.connector, ctx.args.get("tag"), None
    if connector.transaction_id is not None:
        return Outcome(f"connector {connector.connector_id} has a transaction open already")
    if ctx.args.get("remote"):
        asked = ctx.station.inbox.latest(REMOTE_STARTS)
        if asked is None:
            return Outcome("the CSMS sent no remote start to start from")
        token = asked.payload.get("idToken")
        tag = tag or (
            token.get("idToken") if isinstance(token, dict) else asked.payload.get("idTag")
        )
        remote_id = asked.payload.get("remoteStartId")
    if not isinstance(tag, str):
        return Outcome("the remote start named no id tag")
    started = await ctx.station.link.start_transaction(connector, tag, remote_id)
    if started is not None:
        (connector.transaction_id, _), connector.id_tag = started, tag
        if connector.reservation is not None and connector.reservation.id_tag == tag:
            connector.reservation = None  # used: the start message named it
    return Outcome()


async def _charge(ctx: StepRun) -> Outcome:
    connector = ctx.connector
    parts = ctx.args.get("profile") or ((ctx.args["power_w"], ctx.args["for"]),)
    interval = ctx.args.get("interval") or ctx.station.meter_interval
    for power_w, seconds in parts:
        status = Status.CHARGING if power_w > 0 else Status.SUSPENDED_EV
        if connector.status != status:
            await connector.notify(status)
        connector.power_w = power_w
        left = seconds
        while left > 0:
            step = min(interval, left)
            await ctx.wait(step)
            connector.meter_wh += power_w * step / 3600.0
            left -= step
            await connector.send_meter_values(Context.PERIODIC)
    connector.power_w = 0.0
    await ctx.station.flush_late()
    return Outcome()


async def _meter(ctx: StepRun) -> Outcome:
    await ctx.connector.send_meter_values(ctx.args["context"])
    return Outcome()


async def _stop(ctx: StepRun) -> Outcome:
    connector = ctx.connector
    if connector.transaction_id is None:
        return Outcome(f"no transaction open on connector {connector.connector_id}")
    await connector.finish(ctx.args["reason"])
    return Outcome()


async def _unplug(ctx: StepRun) -> Outcome:
    await ctx.connector.finish(StopReason.EV_DISCONNECTED)  # nothing when none is open
    await ctx.connector.notify(Status.AVAILABLE)
    return Outcome()


async def _fault(ctx: StepRun) -> Outcome:
    connector = ctx.connector
    before = connector.status
    await connector.notify(Status.FAULTED, ctx.args["error_code"])
    if ctx.args.get("for"):
        await ctx.wait(ctx.args["for"])
        await connector.notify(before)
    return Outcome()


async def _status(ctx: StepRun) -> Outcome:
    await ctx.connector.notify(ctx.args["status"], ctx.args["error_code"])
    return Outcome()


async def _offline(ctx: StepRun) -> Outcome:
    await ctx.station.go_offline()
    return Outcome()


async def _reconnect(ctx: StepRun) -> Outcome:
    station = ctx.station
    if (settled := await _connect(ctx)) is not None:
        return settled
    if ctx.args.get("boot"):
        await _boot(ctx)
    sent = await station.send_queued()
    return Outcome(note=f"{sent} queued message(s) sent")


async def _replace_connection(ctx: StepRun) -> Outcome:
    failure = await ctx.station.replace_connection()
    return Outcome(failure) if failure else Outcome(note="the CSMS closed the first connection")


async def _reboot(ctx: StepRun) -> Outcome:
    station = ctx.station
    await station.go_offline()
    outcome = await _boot(ctx)
    if outcome.failure is None:
        for connector in station.connectors.values():
            await connector.finish(ctx.args["reason"])
    return outcome


async def _answer(ctx: StepRun) -> Outcome:
    args = ctx.args
    payload = args.get("payload") or ({"status": args["status"]} if args.get("status") else {})
    ctx.station.rules[args["action"]] = AnswerRule(payload, bool(args.get("ignore")))
    return Outcome()


async def _expect_command(ctx: StepRun) -> Outcome:
    action, within = ctx.args["action"], ctx.args["within"]
    fields = _with_transaction(ctx.args.get("fields") or {}, ctx.connector.transaction_id)
    if fields is None:
        return _no_transaction(ctx)
    call = await ctx.station.inbox.claim(action, fields, within)
    if call is None:
        seen = ", ".join(ctx.station.inbox.seen()) or "nothing"
        return Outcome(f"the CSMS sent no {action} within {within:g}s (it sent: {seen})")
    return Outcome(note=f"{action} {orjson.dumps(call.payload).decode()[:120]}")


async def _operator(ctx: StepRun) -> Outcome:
    hook, args, station_id = ctx.operator, ctx.args, ctx.station.spec.station_id
    if hook is None:
        return Outcome(NO_HOOK)
    if args.get("command") is not None:
        payload = _with_transaction(args.get("payload") or {}, ctx.connector.transaction_id)
        if payload is None:
            return _no_transaction(ctx)
        reply = await hook.command(station_id, args["command"], payload)
    elif args.get("accept"):
        reply = await hook.accept(station_id)
    elif args.get("register"):
        password = args.get("password") or ctx.station.plan.password or ""
        reply = await hook.register(station_id, password)
    else:
        reply = await hook.id_tag(args["id_tag"])
    return Outcome(note=reply.text) if reply.done else Outcome(reply.text)


def _no_transaction(ctx: StepRun) -> Outcome:
    number = ctx.connector.connector_id
    return Outcome(f"{TRANSACTION_ID} named, but connector {number} has no transaction open")


def _with_transaction(payload: Any, transaction_id: Any) -> Any:
    """`payload` with TRANSACTION_ID replaced by the connector's open transaction's id
    (nested tables and arrays too); None when it is named and there is none."""
    if payload == TRANSACTION_ID:
        return transaction_id
    if isinstance(payload, dict):
        done = {k: _with_transaction(v, transaction_id) for k, v in payload.items()}
        return None if any(v is None for v in done.values()) else done
    if isinstance(payload, list):
        items = [_with_transaction(v, transaction_id) for v in payload]
        return None if any(v is None for v in items) else items
    return payload


async def _send_raw(ctx: StepRun) -> Outcome:
    station = ctx.station
    message = ctx.args.get("message")
    text = ctx.args.get("text")
    if text is None:
        text = orjson.dumps(message).decode()
    mark = station.record.count
    if not await station.send_text(text):
        return Outcome("the station is offline")
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        data = None
    unique_id = data[1] if isinstance(data, list) and len(data) > 1 else None
    wanted = unique_id if isinstance(unique_id, str) and unique_id else None
    found = await station.record.answer(mark, wanted, ctx.timeout)
    if found is None:
        return Outcome(f"no answer within {ctx.timeout:g}s")
    return Outcome(answer=found)


ACTIONS: dict[str, Action] = {
    "boot": _boot,
    "heartbeat": _heartbeat,
    "authorize": _authorize,
    "plug_in": _plug_in,
    "start": _start,
    "charge": _charge,
    "meter": _meter,
    "stop": _stop,
    "unplug": _unplug,
    "fault": _fault,
    "status": _status,
    "offline": _offline,
    "reconnect": _reconnect,
    "replace_connection": _replace_connection,
    "reboot": _reboot,
    "answer": _answer,
    "expect_command": _expect_command,
    "operator": _operator,
    "send_raw": _send_raw,
}
