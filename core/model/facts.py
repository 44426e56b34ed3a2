"""Facts: what a frame (or a request joined to its answer) says happened.

Version readers turn OCPP messages into facts; the projection folds facts into
state. Facts carry their own time so folding is last-writer-wins by that time.
"""

from __future__ import annotations

from dataclasses import dataclass

from .state import VariableKey


@dataclass(frozen=True, slots=True)
class Booted:
    """The station announced itself."""

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
    """A connector (0 = the station) reported its status.

    `connector_id` is the EVSE (the 1.6 connector); `plug` is the 2.x connector
    within that EVSE, 0 when the message names none (1.6).
    """

    at: float
    connector_id: int
    status: str
    error_code: str
    info: str
    plug: int = 0


@dataclass(frozen=True, slots=True)
class MeterSample:
    """A meter reading of a connector; energy in Wh, power in W."""

    at: float
    connector_id: int
    energy_wh: float | None
    power_w: float | None
    transaction_id: str | None


@dataclass(frozen=True, slots=True)
class TxStarted:
    """A transaction began."""

    at: float
    transaction_id: str
    connector_id: int
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
class ConnectorsDeclared:
    """The station declared how many connectors it has."""

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
    request_id: int
    pairs: frozenset[tuple[int, int]]


@dataclass(frozen=True, slots=True)
class VariablesReported:
    """One part of a 2.x device-model report: each variable's Actual value and mutability.

    `entries` are (variable, value or None, mutability); the newest report wins per variable.
    """

    at: float
    entries: tuple[tuple[VariableKey, str | None, str], ...]


Fact = (
    Booted
    | BootAnswered
    | Heartbeat
    | StatusChanged
    | MeterSample
    | TxStarted
    | TxStopped
    | ConnectorsDeclared
    | ConnectorsReported
    | EvsesReported
    | VariablesReported
)
