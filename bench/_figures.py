"""The one line each benchmark prints per figure it judges, and its reader (run_all.py).

    FIGURE <name> <value> <unit> <target> <verdict>

`name`, `value`, `unit` and `target` hold no spaces (`target` like `<5`, `>=1.5x`,
`=0`); the verdict is the rest of the line: "meets", "MISSES", or "not measured at
target size" when the bench ran smaller than the size its target is stated for.
Not a benchmark itself.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "FIGURE "
MEETS = "meets"
MISSES = "MISSES"
SMALLER = "not measured at target size"


@dataclass(frozen=True, slots=True)
class Figure:
    """One judged figure of one benchmark."""

    name: str
    value: str
    unit: str
    target: str
    verdict: str


def verdict(meets: bool, at_target_size: bool = True) -> str:
    """The verdict of a figure: judged only at the size its target is stated for."""
    if not at_target_size:
        return SMALLER
    return MEETS if meets else MISSES


def figure(name: str, value: float, unit: str, target: str, judged: str) -> None:
    """Print one FIGURE line (value with three significant decimals at most)."""
    shown = f"{value:.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    print(f"{PREFIX}{name} {shown} {unit} {target} {judged}", flush=True)


def parse(line: str) -> Figure | None:
    """The figure on a FIGURE line; None for any other line."""
    if not line.startswith(PREFIX):
        return None
    parts = line[len(PREFIX) :].strip().split(" ", 4)
    if len(parts) != 5:
        return None
    return Figure(*parts)
