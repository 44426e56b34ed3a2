"""A scenario's `[[stations]]` entries (and the templates they name), checked into
StationPlans; every mistake becomes a Problem at its line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..csms.identity import IdentityError, check_identity
from ..dialects import DIALECTS
from ..sim.quirks import Quirks
from ..sim.spec import FIRMWARE, MODELS
from . import fields as v
from .fields import FieldError
from .plan import StationPlan
from .problems import Lines, Problem, ScenarioRefused
from .source import read_source
from .templates import shipped_templates, template_path

ARRAY = "stations"
START_WH = 10_000.0
METER_INTERVAL_S = 60.0
_DESCRIBED = ("protocol", "vendor", "model", "firmware", "connectors", "meter", "quirks")
_METER = {"start_wh": v.energy, "interval": v.positive_duration}
MAX_STATIONS = 100
_DEFAULTS = {"vendor": MODELS[0][0], "model": MODELS[0][1], "connectors": 1}


def _protocol(value: Any) -> str:
    if value not in DIALECTS:
        raise FieldError(f"unknown protocol {value!r}: one of {', '.join(DIALECTS)}")
    return str(value)


_TOP: dict[str, Callable[[Any], Any]] = {
    "protocol": _protocol,
    "vendor": v.text,
    "model": v.text,
    "firmware": v.firmware,
    "connectors": v.connector,
    "password": v.text,
}


class _Described:
    """What a station or template table says about the station, checked key by key."""

    def __init__(self, lines: Lines, array: str | None, index: int) -> None:
        self.lines, self.array, self.index = lines, array, index
        self.values: dict[str, Any] = {}
        self.meter: dict[str, Any] = {}
        self.quirks: dict[str, Any] = {}
        self.problems: list[Problem] = []

    def problem(self, message: str, key: str | None = None) -> None:
        self.problems.append(self.lines.problem(message, self.array, self.index, key))

    def read(self, table: dict[str, Any], allowed: tuple[str, ...]) -> None:
        for key, value in table.items():
            if key not in allowed:
                self.problem(f"unknown key {key!r}: one of {', '.join(allowed)}", key)
            elif key in _TOP:
                self._take(self.values, key, _TOP[key], value)
            elif key == "meter":
                self._table(key, value, self.meter, _METER)
            elif key == "quirks":
                self._quirks(value)

    def _take(
        self, into: dict[str, Any], key: str, check: Callable[[Any], Any], value: Any
    ) -> None:
        try:
            into[key] = check(value)
        except FieldError as exc:
            self.problem(f"{key}: {exc}", key)

    def _table(
        self,
        name: str,
        value: Any,
        into: dict[str, Any],
        checks: dict[str, Callable[[Any], Any]],
    ) -> None:
        if not isinstance(value, dict):
            self.problem(f"{name}: expected a table", name)
            return
        for key, item in value.items():
            if key not in checks:
                self.problem(f"{name}: unknown key {key!r}: one of {', '.join(checks)}", key)
            else:
                self._take(into, key, checks[key], item)

    def _quirks(self, value: Any) -> None:
        checks: dict[str, Callable[[Any], Any]] = {
            name: v.signed_duration if name == "clock_skew" else v.flag for name in Quirks.names()
        }
        if not isinstance(value, dict):
            self.problem("quirks: expected a table", "quirks")
            return
        for key, item in value.items():
            if key not in checks:
                self.problem(f"unknown quirk {key!r}: one of {', '.join(checks)}", key)
            else:
                self._take(self.quirks, key, checks[key], item)


def read_template(path: Path) -> _Described:
    """A template file's description of a station (its problems at its own lines)."""
    source = read_source(path)
    described = _Described(source.lines, None, 0)
    described.read(source.data, (*_DESCRIBED, "description"))
    return described


def check_stations(raw: Any, lines: Lines) -> tuple[list[StationPlan], list[Problem]]:
    """The `[[stations]]` array as plans, and every problem found in it and its templates."""
    if not isinstance(raw, list) or not raw:
        return [], [lines.problem("a scenario needs at least one [[stations]] entry")]
    if len(raw) > MAX_STATIONS:
        return [], [lines.problem(f"more than {MAX_STATIONS} stations", ARRAY, MAX_STATIONS)]
    plans, problems, seen = [], [], set[str]()
    for index, table in enumerate(raw):
        if not isinstance(table, dict):
            problems.append(
                lines.problem("write each station as a [[stations]] table", key="stations")
            )
            continue
        plan, found = _station(table, lines, index)
        problems += found
        if plan is not None and plan.station_id in seen:
            problems.append(
                lines.problem(f"station {plan.station_id!r} is listed twice", ARRAY, index, "id")
            )
        elif plan is not None:
            seen.add(plan.station_id)
            plans.append(plan)
    return plans, problems


def _station(
    table: dict[str, Any], lines: Lines, index: int
) -> tuple[StationPlan | None, list[Problem]]:
    own = _Described(lines, ARRAY, index)
    own.read(table, ("id", "template", "password", *_DESCRIBED))
    station_id = table.get("id")
    if "id" not in table:
        own.problem("a station needs an id")
    elif not isinstance(station_id, str):
        own.problem(f"id: expected a string, got {station_id!r}", "id")
    else:
        try:
            check_identity(station_id)  # what the station's URL path may hold
        except IdentityError as exc:
            own.problem(f"id: {exc}", "id")
    base = _template(table.get("template"), own)
    values = {**base.values, **own.values} if base else own.values
    meter = {**base.meter, **own.meter} if base else own.meter
    quirks = Quirks(**({**base.quirks, **own.quirks} if base else own.quirks))
    values = {**_DEFAULTS, **values}
    if "protocol" not in values and "protocol" not in table:
        own.problem("a station needs a protocol (its own or its template's)")
    problems = own.problems + (base.problems if base else [])
    spoken = DIALECTS[values["protocol"]] if "protocol" in values else None
    if quirks.started_without_evse and spoken and "TransactionEvent" not in spoken.station_actions:
        problems.append(
            lines.problem(
                f"quirk started_without_evse needs a version with TransactionEvent, "
                f"not {values['protocol']}",
                ARRAY,
                index,
                "started_without_evse",
            )
        )
    if problems:
        return None, problems
    plan = StationPlan(
        station_id=str(station_id),
        protocol=values["protocol"],
        vendor=values["vendor"],
        model=values["model"],
        connectors=values["connectors"],
        start_wh=meter.get("start_wh", START_WH),
        meter_interval=meter.get("interval", METER_INTERVAL_S),
        quirks=quirks,
        template=table.get("template"),
        firmware=values.get("firmware", FIRMWARE),
        password=own.values.get("password"),
    )
    return plan, []


def _template(name: Any, own: _Described) -> _Described | None:
    if name is None:
        return None
    if not isinstance(name, str) or not name:
        own.problem(f"template: expected a template name, got {name!r}", "template")
        return None
    path = template_path(name, own.lines.path)
    if path is None:
        shipped = ", ".join(shipped_templates())
        own.problem(f"unknown template {name!r} (shipped: {shipped})", "template")
        return None
    try:
        return read_template(path)
    except ScenarioRefused as exc:
        own.problems.extend(exc.problems)
        return None
