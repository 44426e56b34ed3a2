"""Facts: what a frame (or a request joined to its answer) says happened.

Readers turn frames into facts; the projection folds facts into state and
hands them on, so replay marks, the timeline and automations read facts, never
a version's payloads. What a station reports for the console to list
(security events, firmware and log status, charging limits, monitors, display
messages, …) is one kind of fact, a `Notice` (core/model/state.py) of a topic.
A few facts only the fold can know (a gap in a transaction's seqNos, a stop with
no start) the projection adds itself. Facts carry their own time so folding is
last-writer-wins by that time. Facts that are evidence of an EVSE also carry `heard`,
when their frame came (`Frame.ts`): a station's clock may run behind or ahead, so
whether it spoke since its boot (whose message carries no time) is told by that. EVSE
ids are the 1.6 connector ids (a 1.6 connector is an EVSE of one connector);
`connector` is a 2.x connector within its EVSE, 0 when none is named.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..wire.frame import Direction
from .charging import ChargingEvent
from .state import Notice, VariableKey


@dataclass(frozen=True, slots=True)
class Booted:
    """The station announced itself (a boot, or a reboot)."""

    at: float
    vendor: str
    model: str
    firmware: str
    serial: str


@dataclass(frozen=True, slots=True)
class BootAnswered:
    """The CSMS answered a boot (Accepted / Pending / Rejected)."""

    at: float
    status: str


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """The station is alive."""

    at: float


@dataclass(frozen=True, slots=True)
class StatusChanged:
    """An EVSE (0: the station) or one of its connectors reported its status."""

    at: float
    heard: float
    evse: int
    status: str
    error_code: str
    info: str
    connector: int = 0


@dataclass(frozen=True, slots=True)
class Faulted:
    """A status report of a fault: status Faulted, or an error code other than NoError."""

    at: float
    evse: int
    connector: int
    status: str
    error_code: str
    info: str


# Not frozen, as Frame: one is built for every reading of every MeterValues read.
@dataclass(slots=True)
class MeterSample:
    """A meter reading of an EVSE; energy in Wh, power in W. Never changed once made.

    EVSE 0 with a transaction id: an event that names no EVSE, placed by its transaction.
    """

    at: float
    heard: float
    evse: int
    energy_wh: float | None
    power_w: float | None
    transaction_id: str | None


@dataclass(frozen=True, slots=True)
class TxEvent:
    """One 2.x TransactionEvent, folded before the other facts it gave: its seqNo (None:
    none readable), the EVSE it names (0: none) and its id token ("": none).

    (transaction, seqNo) is the event's identity: a seqNo the transaction has seen makes
    the event a resend, and none of its facts are folded again. An EVSE or token fills in
    what the transaction lacks.
    """

    at: float
    heard: float
    transaction_id: str
    seq_no: int | None
    evse: int
    id_token: str


@dataclass(frozen=True, slots=True)
class TxStarted:
    """A transaction began on an EVSE (0: an EVSE not named yet, a 2.x start before plug-in)."""

    at: float
    heard: float
    transaction_id: str
    evse: int
    id_tag: str
    meter_start: float | None


@dataclass(frozen=True, slots=True)
class TxStopped:
    """A transaction ended."""

    at: float
    transaction_id: str
    meter_stop: float | None
    reason: str


@dataclass(frozen=True, slots=True)
class CostTold:
    """What the CSMS told a 2.x station a transaction costs (a TransactionEvent answer's
    totalCost, or a CostUpdated), in the currency the station is configured for."""

    at: float
    transaction_id: str
    cost: float


@dataclass(frozen=True, slots=True)
class SeqGap:
    """A transaction's TransactionEvents with seqNos `first` to `last` have not come: lost,
    or (offline events) still on their way. Added by the projection."""

    at: float
    transaction_id: str
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class OrphanStop:
    """A stop for a transaction whose start is not known: kept beside the state, never as a
    made-up transaction, and joined to its start if that comes later. Added by the
    projection."""

    at: float
    transaction_id: str


@dataclass(frozen=True, slots=True)
class AuthRejected:
    """The CSMS refused an id tag (Authorize, or a transaction's start or stop)."""

    at: float
    id_tag: str
    status: str
    action: str


@dataclass(frozen=True, slots=True)
class ConnectorsDeclared:
    """The station declared how many connectors (2.x: EVSEs) it has."""

    at: float
    count: int


@dataclass(frozen=True, slots=True)
class ConnectorsReported:
    """A message that lists every connector of the station (a full report)."""

    at: float
    ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class EvsesReported:
    """One part of a 2.x inventory report: the (EVSE, connector) pairs it lists.

    Parts of one report share a request id and are united; (n, 0) is an EVSE
    listed without a connector.
    """

    at: float
    heard: float
    request_id: int
    pairs: frozenset[tuple[int, int]]


@dataclass(frozen=True, slots=True)
class VariablesReported:
    """One part of a 2.x device-model report: each variable's Actual value and mutability.

    `entries` are (variable, value or None, mutability); the newest report wins per variable.
    """

    at: float
    entries: tuple[tuple[VariableKey, str | None, str], ...]


@dataclass(frozen=True, slots=True)
class CallFailed:
    """A CALLERROR: `direction` is the error's (IN: the station refused our call).

    `action` is the refused call's, "" while that call is not known.
    """

    at: float
    direction: Direction
    code: str
    description: str
    action: str


@dataclass(frozen=True, slots=True)
class Malformed:
    """Text on the wire that is not an OCPP-J message."""

    at: float
    direction: Direction
    error: str


@dataclass(frozen=True, slots=True)
class Connected:
    """The station opened a connection; `checked` is False when its payloads are not
    checked against the schemas (the `unvalidated_stations` setting)."""

    at: float
    note: str
    checked: bool = True


@dataclass(frozen=True, slots=True)
class Disconnected:
    """The station's connection ended (closed, dropped, or replaced by a newer one)."""

    at: float
    reason: str


@dataclass(frozen=True, slots=True)
class Refused:
    """The station's handshake was refused."""

    at: float
    reason: str


Fact = (
    Booted
    | BootAnswered
    | Heartbeat
    | StatusChanged
    | Faulted
    | MeterSample
    | TxEvent
    | TxStarted
    | TxStopped
    | CostTold
    | SeqGap
    | OrphanStop
    | AuthRejected
    | ConnectorsDeclared
    | ConnectorsReported
    | EvsesReported
    | VariablesReported
    | Notice
    | ChargingEvent
    | CallFailed
    | Malformed
    | Connected
    | Disconnected
    | Refused
)
