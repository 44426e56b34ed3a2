"""Read a scenario file into a checked Scenario, or refuse it with every mistake found
(`FILE:LINE: what is wrong`) before anything runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .fields import FieldError, duration, positive_duration
from .kinds import COMMON, CONNECTING, EXPECT_FIELDS, KINDS, REQUIRED, StepKind
from .plan import Expect, Scenario, StationPlan, Step
from .problems import Lines, Problem, ScenarioRefused
from .source import read_source
from .stations import check_stations

ARRAY = "steps"
TOP_KEYS = ("name", "answer_timeout", "stations", "steps")
ANSWER_TIMEOUT_S = 10.0
MAX_STEPS = 10_000


def load_scenario(path: Path) -> Scenario:
    """The checked scenario in `path`; ScenarioRefused listing every problem otherwise."""
    source = read_source(path)
    data, lines = source.data, source.lines
    problems: list[Problem] = []
    for key in data:
        if key not in TOP_KEYS:
            problems.append(lines.problem(f"unknown key {key!r}: one of {', '.join(TOP_KEYS)}"))
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not name:
        problems.append(lines.problem(f"name: expected a string, got {name!r}", key="name"))
    timeout = ANSWER_TIMEOUT_S
    if "answer_timeout" in data:
        try:
            timeout = positive_duration(data["answer_timeout"])
        except FieldError as exc:
            problems.append(lines.problem(f"answer_timeout: {exc}", key="answer_timeout"))
    stations, found = check_stations(data.get("stations"), lines)
    problems += found
    steps, found = _steps(data.get("steps"), lines, stations)
    problems += found
    if problems:
        raise ScenarioRefused(problems)
    return Scenario(str(name), path, timeout, tuple(stations), tuple(steps))


def _steps(raw: Any, lines: Lines, stations: list[StationPlan]) -> tuple[list[Step], list[Problem]]:
    if not isinstance(raw, list) or not raw:
        return [], [lines.problem("a scenario needs at least one [[steps]] entry")]
    if len(raw) > MAX_STEPS:
        return [], [lines.problem(f"more than {MAX_STEPS} steps", ARRAY, MAX_STEPS)]
    known = {s.station_id: s for s in stations}
    steps: list[Step] = []
    problems: list[Problem] = []
    clock = 0.0  # when the previous step is over: `after` counts from there
    for index, table in enumerate(raw):
        if not isinstance(table, dict):
            problems.append(lines.problem("write each step as a [[steps]] table", key="steps"))
            continue
        reader = _StepReader(lines, index, table, known)
        step = reader.read(clock)
        problems += reader.problems
        if step is not None:
            clock = step.at + step.span
            steps.append(step)
            steps += _implied(step)
    steps.sort(key=lambda s: s.at)  # stable: steps due together keep the file's order
    return steps, problems


def _implied(step: Step) -> list[Step]:
    """Steps a step implies: an offline `for` a while reconnects when it is over."""
    if step.kind != "offline" or step.args.get("for") is None:
        return []
    at = step.at + step.args["for"]
    return [Step(step.number, step.line, at, step.station, "reconnect", {"boot": False}, Expect())]


class _StepReader:
    """One `[[steps]]` entry, checked."""

    def __init__(
        self, lines: Lines, index: int, table: dict[str, Any], known: dict[str, StationPlan]
    ) -> None:
        self.lines, self.index, self.table, self.known = lines, index, table, known
        self.problems: list[Problem] = []

    def problem(self, message: str, key: str | None = None) -> None:
        self.problems.append(self.lines.problem(message, ARRAY, self.index, key))

    def read(self, clock: float) -> Step | None:
        kind = self._kind()
        at = self._at(clock)
        station = self._station()
        if kind is None:
            return None
        args = self._args(kind, station)
        expect = self._expect(kind)
        if self.problems or at is None or station is None:
            return None
        line = self.lines.line_of(ARRAY, self.index)
        return Step(self.index + 1, line, at, station.station_id, kind.name, args, expect)

    def _kind(self) -> StepKind | None:
        name = self.table.get("do")
        if name is None:
            self.problem(f"a step needs `do`: one of {', '.join(KINDS)}")
            return None
        kind = KINDS.get(name) if isinstance(name, str) else None
        if kind is None:
            self.problem(f"unknown step kind {name!r}: one of {', '.join(KINDS)}", "do")
        return kind

    def _at(self, clock: float) -> float | None:
        if "at" in self.table and "after" in self.table:
            self.problem("a step has `at` or `after`, not both", "after")
            return None
        key = "at" if "at" in self.table else "after"
        try:
            offset = duration(self.table.get(key, "0s"))
        except FieldError as exc:
            self.problem(f"{key}: {exc}", key)
            return None
        if key == "at" and offset < clock:
            self.problem(f"at: {self.table['at']} is before the step above it", "at")
            return None
        return offset if key == "at" else clock + offset

    def _station(self) -> StationPlan | None:
        if "station" not in self.table:
            if len(self.known) == 1:
                return next(iter(self.known.values()))
            if self.known:
                self.problem("a step needs `station` when there are several")
            return None
        name = self.table["station"]
        station = self.known.get(name) if isinstance(name, str) else None
        if station is None:
            self.problem(f"unknown station {name!r}: one of {', '.join(self.known)}", "station")
        return station

    def _args(self, kind: StepKind, station: StationPlan | None) -> dict[str, Any]:
        args: dict[str, Any] = {}
        for key, value in self.table.items():
            if key in COMMON:
                continue
            field = kind.fields.get(key)
            if field is None:
                allowed = ", ".join([*kind.fields, *COMMON]) or "none"
                self.problem(f"{kind.name}: unknown field {key!r} (fields: {allowed})", key)
                continue
            try:
                args[key] = field.check(value)
            except FieldError as exc:
                self.problem(f"{key}: {exc}", key)
        for key, field in kind.fields.items():
            if key in args:
                continue
            if field.default is REQUIRED:
                self.problem(f"{kind.name}: missing field {key!r}")
            else:
                args[key] = field.default
        if kind.one_of and sum(args.get(k) is not None for k in kind.one_of) != 1:
            self.problem(f"{kind.name}: give exactly one of {', '.join(kind.one_of)}")
        self._coherent(kind, args, station)
        return args

    def _coherent(self, kind: StepKind, args: dict[str, Any], station: StationPlan | None) -> None:
        """What a field says given the others and the station."""
        number = args.get("connector")
        if station is not None and number is not None and number > station.connectors:
            self.problem(
                f"connector {number}: station {station.station_id} has {station.connectors}",
                "connector",
            )
        if kind.name == "charge" and args.get("power_w") is not None and args.get("for") is None:
            self.problem("charge: power_w needs `for` (how long)")
        if kind.name == "charge" and args.get("profile") is not None and args.get("for"):
            self.problem("charge: a profile has its own durations: no `for`", "for")
        if kind.name == "start" and not args.get("remote") and args.get("tag") is None:
            self.problem("start: missing field 'tag' (or remote = true)")
        if kind.name == "operator":
            for key in ("accept", "register"):
                if args.get(key) is False:
                    self.problem(f"operator: {key} = false does nothing (leave it out)", key)
            if args.get("payload") is not None and args.get("command") is None:
                self.problem("operator: a payload goes with a command", "payload")
            if args.get("password") is not None and not args.get("register"):
                self.problem("operator: a password goes with register", "password")
            needs = args.get("register") and args.get("password") is None
            if needs and station is not None and station.password is None:
                self.problem(
                    f"operator: register needs station {station.station_id}'s password",
                    "register",
                )

    def _expect(self, kind: StepKind) -> Expect:
        raw = self.table.get("expect")
        if raw is None:
            return Expect()
        if isinstance(raw, dict) and "refused" in raw:
            return self._refusal(kind, raw)
        if not kind.answers:
            self.problem(f"{kind.name}: this step has no answer to expect", "expect")
            return Expect()
        if not isinstance(raw, dict):
            self.problem('expect: expected a table like { status = "Accepted" }', "expect")
            return Expect()
        values: dict[str, Any] = {}
        for key, value in raw.items():
            check = EXPECT_FIELDS.get(key)
            if check is None:
                allowed = ", ".join(EXPECT_FIELDS)
                self.problem(f"expect: unknown expectation {key!r}: one of {allowed}", key)
                continue
            try:
                values[key] = check(value)
            except FieldError as exc:
                self.problem(f"expect.{key}: {exc}", key)
        if "error" in values and len(values) > 1:
            self.problem("expect: an error has no status or transaction id", "error")
        return Expect(**values)

    def _refusal(self, kind: StepKind, raw: dict[str, Any]) -> Expect:
        """`expect = { refused = true }`: the CSMS turns the connection away (alone)."""
        if kind.name not in CONNECTING:
            self.problem(
                f"expect.refused: only {' and '.join(sorted(CONNECTING))} open a connection",
                "refused",
            )
        elif len(raw) > 1:
            self.problem("expect: a refused connection has no answer to judge", "refused")
        else:
            try:
                return Expect(refused=EXPECT_FIELDS["refused"](raw["refused"]))
            except FieldError as exc:
                self.problem(f"expect.refused: {exc}", "refused")
        return Expect()
