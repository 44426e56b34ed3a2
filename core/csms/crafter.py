"""Message crafter: any CSMS-initiated call of a station's version, as raw JSON.

Templates and validation come from the `ocpp` library's own JSON schemas, so
the crafter knows exactly what the library (and a conforming station) accepts.
A crafted message goes through the station's outbound queue like any other
command; with validation off it is sent as written, to see how a charger copes
with bad input. Sent messages are kept as a history (persisted as JSONL) that
can be sent again.
"""

from __future__ import annotations

import dataclasses
import decimal
import json
import logging
from collections import deque
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any

import ocpp
from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError
from ocpp.charge_point import (
    camel_to_snake_case,
    remove_nones,
    serialize_as_dict,
    snake_to_camel_case,
)

from .outbound_queue import Command, CommandState, Outcome

log = logging.getLogger("ocppdeck.crafter")

HISTORY_SIZE = 50
HISTORY_FILE = "crafter.jsonl"

# Subprotocol -> (schema folder, Request suffix of 2.x schema files, call module).
_VERSIONS: dict[str, tuple[str, str, str]] = {
    "ocpp1.6": ("v16", "", "ocpp.v16.call"),
    "ocpp2.0.1": ("v201", "Request", "ocpp.v201.call"),
    "ocpp2.1": ("v21", "Request", "ocpp.v21.call"),
}

# The library's call modules hold both directions; these are the ones a station sends,
# which a CSMS never does. DataTransfer goes both ways, so it stays craftable.
_STATION_INITIATED_16 = frozenset(
    {
        "Authorize",
        "BootNotification",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "LogStatusNotification",
        "MeterValues",
        "SecurityEventNotification",
        "SignCertificate",
        "SignedFirmwareStatusNotification",
        "StartTransaction",
        "StatusNotification",
        "StopTransaction",
    }
)
_STATION_INITIATED_201 = frozenset(
    {
        "Authorize",
        "BootNotification",
        "ClearedChargingLimit",
        "FirmwareStatusNotification",
        "Get15118EVCertificate",
        "GetCertificateStatus",
        "Heartbeat",
        "LogStatusNotification",
        "MeterValues",
        "NotifyChargingLimit",
        "NotifyCustomerInformation",
        "NotifyDisplayMessages",
        "NotifyEVChargingNeeds",
        "NotifyEVChargingSchedule",
        "NotifyEvent",
        "NotifyMonitoringReport",
        "NotifyReport",
        "PublishFirmwareStatusNotification",
        "ReportChargingProfiles",
        "ReservationStatusUpdate",
        "SecurityEventNotification",
        "SignCertificate",
        "StatusNotification",
        "TransactionEvent",
    }
)
_STATION_INITIATED_21 = _STATION_INITIATED_201 | {
    "BatterySwap",
    "ClosePeriodicEventStream",
    "GetCertificateChainStatus",
    "NotifyDERAlarm",
    "NotifyDERStartStop",
    "NotifyPriorityCharging",
    "NotifySettlement",
    "OpenPeriodicEventStream",
    "PullDynamicScheduleUpdate",
    "ReportDERControl",
    "VatNumberValidation",
}
STATION_INITIATED: dict[str, frozenset[str]] = {
    "ocpp1.6": _STATION_INITIATED_16,
    "ocpp2.0.1": _STATION_INITIATED_201,
    "ocpp2.1": _STATION_INITIATED_21,
}


class CraftError(Exception):
    """A crafted message that cannot be sent; the message says why, for the user."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One schema violation, against the field it concerns ("" is the payload itself)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or 'payload'}: {self.message}"


class InvalidPayload(CraftError):
    """The payload breaks the action's schema; `errors` says where."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def _version(protocol: str) -> tuple[str, str, str]:
    found = _VERSIONS.get(protocol)
    if found is None:
        raise CraftError(f"unknown OCPP version {protocol or '(not yet known)'}")
    return found


def _schema_path(protocol: str, action: str) -> Path:
    folder, suffix, _ = _version(protocol)
    return Path(ocpp.__file__).parent / folder / "schemas" / f"{action}{suffix}.json"


def actions(protocol: str) -> list[str]:
    """The calls a CSMS may send a station of this version, sorted by name."""
    _, _, module_name = _version(protocol)
    module = import_module(module_name)
    return sorted(
        name
        for name, cls in vars(module).items()
        if dataclasses.is_dataclass(cls)
        and cls.__module__ == module_name
        and name not in STATION_INITIATED[protocol]
        and _schema_path(protocol, name).is_file()
    )


@cache
def _schema(protocol: str, action: str) -> dict[str, Any]:
    """The request schema, numbers as Decimal: 1.6 `multipleOf: 0.1` fails on binary floats."""
    if action not in actions(protocol):
        raise CraftError(f"{action} is not a call a CSMS sends in {protocol}")
    # The 2.x schema files start with a byte order mark.
    text = _schema_path(protocol, action).read_text(encoding="utf-8-sig")
    schema: dict[str, Any] = json.loads(text, parse_float=decimal.Decimal)
    return schema


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` (the 2.x schemas keep their types under #/definitions)."""
    while "$ref" in node:
        target: Any = schema
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _placeholder(schema: dict[str, Any], node: dict[str, Any]) -> Any:
    node = _resolve(schema, node)
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object":
        properties = node.get("properties", {})
        return {
            name: _placeholder(schema, properties.get(name, {}))
            for name in node.get("required", [])
        }
    if kind == "array":
        if node.get("minItems", 0) > 0:
            return [_placeholder(schema, node.get("items", {}))]
        return []
    if kind in ("integer", "number"):
        return 0
    if kind == "boolean":
        return False
    return ""


def template(protocol: str, action: str) -> dict[str, Any]:
    """A payload with every required field of the action filled with a placeholder."""
    schema = _schema(protocol, action)
    result: dict[str, Any] = _placeholder(schema, schema)
    return result


def _path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def _field_errors(error: ValidationError) -> list[FieldError]:
    where = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        # Shown against the missing field itself, not its parent object.
        return [
            FieldError(_path([*where, name]), "required")
            for name in error.validator_value
            if name not in error.instance
        ]
    return [FieldError(_path(where), error.message)]


def validate(protocol: str, action: str, payload: Any) -> list[FieldError]:
    """Every way `payload` breaks the action's schema, in field order; [] when it is valid."""
    schema = _schema(protocol, action)
    # Numbers as Decimal on both sides, as the library does for the 1.6 schedules.
    instance = json.loads(json.dumps(payload), parse_float=decimal.Decimal)
    found: dict[FieldError, None] = {}
    for error in Draft4Validator(schema).iter_errors(instance):
        found.update(dict.fromkeys(_field_errors(error)))
    return sorted(found, key=lambda e: (e.path, e.message))


def parse_payload(text: str) -> dict[str, Any]:
    """The editor's JSON as a payload object; CraftError says where it is broken."""
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CraftError(f"not JSON: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if not isinstance(payload, dict):
        raise CraftError("a payload is a JSON object: { … }")
    return payload


def build_call(protocol: str, action: str, payload: dict[str, Any]) -> Any:
    """The library's call object that puts `payload` on the wire.

    The library sends a dataclass, turning its snake_case fields into camelCase.
    A payload the action's dataclass cannot hold (a missing or an unknown field:
    bad input on purpose) gets a look-alike dataclass of the same name and module,
    so the library still sends it under that action.
    """
    _, _, module_name = _version(protocol)
    kwargs = camel_to_snake_case(payload)
    cls = getattr(import_module(module_name), action, None)
    if cls is None:
        raise CraftError(f"no call {action} in {protocol}")
    try:
        return cls(**kwargs)
    except TypeError:
        loose = dataclasses.make_dataclass(action, [(name, Any) for name in kwargs])
        loose.__module__ = module_name  # the outbound queue persists only the library's calls
        return loose(**kwargs)


def wire_json(obj: Any) -> dict[str, Any]:
    """A call or call result dataclass as the library puts it on the wire."""
    result: dict[str, Any] = remove_nones(snake_to_camel_case(serialize_as_dict(obj)))
    return result


# Failures of ours, not answers of the station's: they have no answer payload to show.
_LOCAL_FAILURES = frozenset({"NotSent", "ConnectionLost"})


@dataclass(slots=True)
class Crafted:
    """One crafted message in the history: what was sent where, and how it ended."""

    station: str
    protocol: str
    action: str
    payload: dict[str, Any]
    validate: bool
    sent_at: float = 0.0
    state: str = CommandState.QUEUED.value
    status: str = ""
    detail: str = ""
    answer: dict[str, Any] | None = None

    @property
    def finished(self) -> bool:
        """Whether the answer (or its failure) is in."""
        return CommandState(self.state).finished

    def settle(self, outcome: Outcome) -> None:
        """Record how the message ended; a CallError becomes the answer shown."""
        self.state = outcome.state.value
        self.status = outcome.status
        self.detail = outcome.detail
        if outcome.response is not None:
            self.answer = wire_json(outcome.response)
        elif outcome.state is CommandState.FAILED and outcome.status not in _LOCAL_FAILURES:
            self.answer = {"errorCode": outcome.status, "errorDescription": outcome.detail}

    def to_json(self) -> dict[str, Any]:
        """Plain values for the JSONL history."""
        return dataclasses.asdict(self)


class Crafter:
    """Sends crafted messages through the CSMS's outbound queues and keeps their history.

    `csms` is None in replay: nothing is sent. The history file, when given,
    gets one line per finished message and is read back (its newest
    HISTORY_SIZE lines) on the next run.
    """

    def __init__(self, csms: Any | None, history_file: Path | None = None) -> None:
        self.csms = csms
        self.history_file = history_file
        self.history: deque[Crafted] = deque(maxlen=HISTORY_SIZE)
        self._load()

    @classmethod
    def for_source(cls, source: Any) -> Crafter:
        """The crafter of a console source: an Engine's CSMS, a DemoRun's engine's, or none."""
        csms = getattr(source, "csms", None)
        if csms is None:
            csms = getattr(getattr(source, "engine", None), "csms", None)
        return cls(csms, source.settings.data_dir / HISTORY_FILE)

    @property
    def enabled(self) -> bool:
        """False in replay: nothing is sent to a station."""
        return self.csms is not None

    def _load(self) -> None:
        if self.history_file is None or not self.history_file.is_file():
            return
        try:
            lines = self.history_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            log.warning("crafter history not read: %s", exc)
            return
        for line in lines[-HISTORY_SIZE:]:
            try:
                crafted = Crafted(**json.loads(line))
                CommandState(crafted.state)
            except (ValueError, TypeError) as exc:  # a torn last line, or another version's
                log.warning("crafter history line skipped: %s", exc)
                continue
            self.history.append(crafted)
        if len(lines) > 2 * HISTORY_SIZE:
            # Appended to on every send: cut back to what is kept, now and then.
            try:
                self.history_file.write_text(
                    "".join(json.dumps(c.to_json()) + "\n" for c in self.history),
                    encoding="utf-8",
                )
            except OSError as exc:
                log.warning("crafter history not trimmed: %s", exc)

    def _save(self, crafted: Crafted) -> None:
        if self.history_file is None:
            return
        try:
            self.history_file.parent.mkdir(parents=True, exist_ok=True)
            with self.history_file.open("a", encoding="utf-8") as out:
                out.write(json.dumps(crafted.to_json()) + "\n")
        except OSError as exc:  # the history is a convenience: never fail a send over it
            log.warning("crafter history not written: %s", exc)

    def send(
        self, station: str, protocol: str, action: str, payload: dict[str, Any], check: bool = True
    ) -> tuple[Crafted, Command]:
        """Queue a crafted call; InvalidPayload (when `check`ed) or CraftError say why not.

        With `check` off the payload is neither validated here nor by the library.

        The entry is in the history at once; `finish` records its outcome.
        """
        if self.csms is None:
            raise CraftError("replay: commands are off, nothing is sent to stations")
        if action not in actions(protocol):
            raise CraftError(f"{action} is not a call a CSMS sends in {protocol}")
        if check:
            errors = validate(protocol, action, payload)
            if errors:
                raise InvalidPayload(errors)
        try:
            call = build_call(protocol, action, payload)
        except TypeError as exc:  # a field name Python cannot take, e.g. "class"
            raise CraftError(f"cannot build {action}: {exc}") from None
        command: Command = self.csms.submit(station, call)
        # Set before the queue's worker runs (it only runs at our next await).
        command.validate = check
        crafted = Crafted(
            station, protocol, action, wire_json(call), check, sent_at=self.csms.clock.now()
        )
        self.history.append(crafted)
        return crafted, command

    async def finish(self, crafted: Crafted, command: Command) -> Crafted:
        """Wait for the answer (or the failure) and record it in the history."""
        crafted.settle(await command.future)
        self._save(crafted)
        return crafted
