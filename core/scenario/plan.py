"""What a scenario file says, once checked: its stations and its steps on a timeline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..sim.quirks import Quirks
from ..sim.spec import FIRMWARE


@dataclass(frozen=True, slots=True)
class StationPlan:
    """One scripted station: who it is, what it is made of, its firmware's quirks."""

    station_id: str
    protocol: str  # a dialect's name
    vendor: str
    model: str
    connectors: int
    start_wh: float  # every connector's energy register at the start
    meter_interval: float  # seconds between readings while charging
    quirks: Quirks
    template: str | None  # the template it was made from, if any
    firmware: str = FIRMWARE  # the firmwareVersion it boots with
    password: str | None = None  # its HTTP Basic password (profiles 1 and 2), if it gives one


@dataclass(frozen=True, slots=True)
class Expect:
    """What the CSMS must answer a step's message; None: no opinion."""

    status: tuple[str, ...] | None = (
        None  # the answer's status (or idTagInfo's, idTokenInfo's): any of these
    )
    transaction_id: bool | None = None  # the answer gives a transactionId (True) or not
    error: str | None = None  # a CALLERROR with this code
    refused: bool | None = None  # the CSMS refuses the station's websocket handshake

    @property
    def any(self) -> bool:
        """Whether anything is expected beyond an answer."""
        return any(v is not None for v in (self.status, self.transaction_id, self.error))


@dataclass(frozen=True, slots=True)
class Step:
    """One step: at `at` seconds from the start, `station` does `kind` with `args`."""

    number: int  # its place among the file's [[steps]], from 1
    line: int  # where it is written
    at: float
    station: str
    kind: str
    args: Mapping[str, Any]
    expect: Expect

    @property
    def span(self) -> float:
        """Seconds of the timeline the step itself takes (charging, a fault that clears)."""
        profile = self.args.get("profile")
        if profile:
            return float(sum(seconds for _, seconds in profile))
        return float(self.args.get("for") or 0.0) if self.kind in ("charge", "fault") else 0.0

    @property
    def label(self) -> str:
        """How reports name the step: its number, kind and main arguments."""
        shown = " ".join(
            f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
            for k, v in self.args.items()
            if k in _SHOWN and v is not None
        )
        return f"{self.number:02d} {self.kind}" + (f" {shown}" if shown else "")


_SHOWN = ("connector", "tag", "action", "command", "status", "for", "reason", "power_w")


@dataclass(frozen=True, slots=True)
class Scenario:
    """A checked scenario, ready to run."""

    name: str
    path: Path
    answer_timeout: float  # how long any answer or connection may take
    stations: tuple[StationPlan, ...]
    steps: tuple[Step, ...]  # in timeline order

    @property
    def needs_operator(self) -> bool:
        """Whether a step asks the CSMS's operator to act (it needs an operator hook)."""
        return any(step.kind == "operator" for step in self.steps)
