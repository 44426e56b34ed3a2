"""What running a scenario found: each step passed or failed, with its frames."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson

from ..wire.codec import preview, to_wire
from ..wire.frame import Direction, Frame
from .plan import Step

FRAME_CHARS = 240  # a frame shown in a report is cut to this


@dataclass(frozen=True, slots=True)
class StepResult:
    """One step's verdict: `message` says what happened (or what was wrong)."""

    step: Step
    passed: bool
    message: str
    frames: tuple[Frame, ...]
    seconds: float  # real time it took


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """One scenario's run."""

    name: str
    path: Path
    steps: tuple[StepResult, ...]
    seconds: float
    skipped: str | None = None  # why nothing ran (the scenario needs what the run lacks)

    @property
    def passed(self) -> bool:
        """Whether it ran and every step passed."""
        return self.skipped is None and all(s.passed for s in self.steps)

    @property
    def failures(self) -> int:
        """How many steps failed."""
        return sum(not s.passed for s in self.steps)


def compact(frame: Frame) -> str:
    """One line for a frame: its direction (station -> CSMS, or back) and its OCPP-J text."""
    arrow = "->" if frame.direction is Direction.IN else "<-"
    wire = to_wire(frame)
    body = orjson.dumps(wire).decode() if wire is not None else f"{frame.kind}: {frame.text}"
    return f"{arrow} {preview(body, FRAME_CHARS)}"
