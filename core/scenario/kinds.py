"""Every kind of step a scenario may take: its fields, and which message's answer its
`expect` judges. One declaration feeds the file checker and the runner."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import fields as v
from .fields import Checker

REQUIRED: Any = object()  # a field without a default must be written


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a step: how it is checked, and its value when it is not written
    (REQUIRED: it must be; None: absent)."""

    check: Checker
    default: Any = None


@dataclass(frozen=True, slots=True)
class StepKind:
    """One kind of step."""

    name: str
    summary: str
    fields: Mapping[str, Field] = field(default_factory=dict)
    answers: frozenset[str] = frozenset()  # actions whose answer `expect` judges (the last)
    one_of: tuple[str, ...] = ()  # exactly one of these fields must be written


_CONNECTOR = Field(v.connector, 1)
_TX = frozenset({"StartTransaction", "TransactionEvent"})
_TX_END = frozenset({"StopTransaction", "TransactionEvent"})

KINDS: dict[str, StepKind] = {
    k.name: k
    for k in (
        StepKind(
            "boot",
            "connect if offline, BootNotification; once accepted, every status",
            {"reason": Field(v.text, "PowerUp")},
            frozenset({"BootNotification"}),
        ),
        StepKind("heartbeat", "Heartbeat", answers=frozenset({"Heartbeat"})),
        StepKind(
            "authorize",
            "Authorize an id tag",
            {"tag": Field(v.text, REQUIRED)},
            frozenset({"Authorize"}),
        ),
        StepKind("plug_in", "an EV plugs in: Preparing (2.x Occupied)", {"connector": _CONNECTOR}),
        StepKind(
            "start",
            "start a transaction (remote: for the last remote start the CSMS sent)",
            {"connector": _CONNECTOR, "tag": Field(v.text), "remote": Field(v.flag, False)},
            _TX,
        ),
        StepKind(
            "charge",
            "charge at a power for a duration (or a profile), reading every interval",
            {
                "connector": _CONNECTOR,
                "power_w": Field(v.power),
                "for": Field(v.positive_duration),
                "profile": Field(v.profile),
                "interval": Field(v.positive_duration),
            },
            one_of=("power_w", "profile"),
        ),
        StepKind(
            "meter",
            "one reading now, with a context (default Sample.Clock)",
            {"connector": _CONNECTOR, "context": Field(v.text, "Sample.Clock")},
            frozenset({"MeterValues", "TransactionEvent"}),
        ),
        StepKind(
            "stop",
            "stop the open transaction",
            {"connector": _CONNECTOR, "reason": Field(v.text, "Local")},
            _TX_END,
        ),
        StepKind(
            "unplug",
            "the EV leaves (ending an open transaction: EVDisconnected); Available",
            {"connector": _CONNECTOR},
        ),
        StepKind(
            "fault",
            "the connector faults (back to its status after `for`, if given)",
            {
                "connector": _CONNECTOR,
                "error_code": Field(v.text, "GroundFailure"),
                "for": Field(v.positive_duration),
            },
        ),
        StepKind(
            "status",
            "report a status",
            {
                "connector": _CONNECTOR,
                "status": Field(v.text, REQUIRED),
                "error_code": Field(v.text, "NoError"),
            },
        ),
        StepKind(
            "offline",
            "lose the link; messages queue until reconnect (after `for`, if given)",
            {"for": Field(v.positive_duration)},
        ),
        StepKind(
            "reconnect",
            "connect again (boot first if asked), then send the queued messages in order",
            {"boot": Field(v.flag, False)},
        ),
        StepKind(
            "replace_connection",
            "connect again while the first connection is still open: the CSMS must close it",
        ),
        StepKind(
            "reboot",
            "drop the link, reconnect, boot, stop open transactions with `reason`",
            {"reason": Field(v.text, "PowerLoss")},
        ),
        StepKind(
            "answer",
            "from now on answer the CSMS's `action` with a status, a payload, or not at all",
            {
                "action": Field(v.text, REQUIRED),
                "status": Field(v.text),
                "payload": Field(v.table),
                "ignore": Field(v.flag),
            },
            one_of=("status", "payload", "ignore"),
        ),
        StepKind(
            "expect_command",
            "the CSMS sends `action` within `within` (fields: what its payload must hold)",
            {
                "connector": _CONNECTOR,
                "action": Field(v.text, REQUIRED),
                "within": Field(v.positive_duration, REQUIRED),
                "fields": Field(v.table),
            },
        ),
        StepKind(
            "operator",
            "the CSMS's operator acts through its hook (--api-url): sends the station `command`"
            " with `payload`, accepts it, registers it with its password (or `password`),"
            " or keeps an id tag",
            {
                "connector": _CONNECTOR,
                "command": Field(v.text),
                "payload": Field(v.table),
                "accept": Field(v.flag),
                "register": Field(v.flag),
                "password": Field(v.text),
                "id_tag": Field(v.id_tag),
            },
            one_of=("command", "accept", "register", "id_tag"),
        ),
        StepKind(
            "send_raw",
            "send a frame as written (text: any string; message: an array as JSON)",
            {"text": Field(v.raw_text), "message": Field(v.array)},
            frozenset({"*"}),
            one_of=("text", "message"),
        ),
    )
}
COMMON = ("do", "at", "after", "station", "expect")
EXPECT_FIELDS: dict[str, Checker] = {
    "status": v.statuses,
    "transaction_id": v.flag,
    "error": v.text,
    "refused": v.flag,
}
# The steps that open a connection: only their handshake can be refused.
CONNECTING = frozenset({"boot", "reconnect"})
